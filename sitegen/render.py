"""Render the library into output files. No disk access: templates come in through
the Jinja2 environment, files go out as `OutputFile` values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

from . import charts, feeds, urls
from .config import Config
from .library import STATUSES, Library
from .markdown import to_html
from .views import STATUS_LABELS, Pager, PaperView, TagView, pages_of, paper_view, tag_view


@dataclass(frozen=True)
class OutputFile:
    path: str
    """Site path, POSIX, relative to the site root."""
    data: bytes


@pass_context
def _rel(context: Any, target: str) -> str:
    link_base = context.get("link_base")
    if link_base:
        return link_base + target
    return urls.relative(context["page_path"], target)


def _json_script(value: Any) -> Markup:
    """JSON safe inside a <script> element: no `<`, `>` or `&` survive."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def make_environment(template_dirs: list[Path]) -> Environment:
    """Templates from the first folder that has each file: the site's own
    `templates/` overrides the bundled theme file by file."""
    env = Environment(
        loader=FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["rel"] = _rel
    env.filters["markdown"] = lambda text: Markup(to_html(text))
    env.filters["json_script"] = _json_script
    return env


class Renderer:
    """Renders one page type after another; every page gets the same base context."""

    def __init__(self, library: Library, config: Config, env: Environment) -> None:
        self.library = library
        self.config = config
        self.env = env
        self.views = {p.slug: paper_view(library, p) for p in library.papers}
        self.nav = (
            ("Papers", urls.page()),
            ("Tags", urls.page("tags")),
            ("Years", urls.page("years")),
            ("Queue", urls.page("queue")),
            ("Stats", urls.page("stats")),
            ("About", urls.page("about")),
        )

    def page(self, path: str, template: str, **context: Any) -> OutputFile:
        values: dict[str, Any] = {
            "page_path": path,
            "site": self.config,
            "nav": self.nav,
            "canonical": urls.absolute(self.config.base_url, path) if self.config.base_url else None,
            "link_base": None,
        }
        values.update(context)
        html = self.env.get_template(template).render(values)
        return OutputFile(path, html.encode("utf-8"))

    def listing(
        self, folder: str, title: str, papers: tuple[PaperView, ...], *, kind: str, **extra: Any
    ) -> Iterator[OutputFile]:
        chunks = pages_of(papers, self.config.page_size)
        total = len(chunks)
        for number, chunk in enumerate(chunks, 1):
            pager = Pager(
                number=number,
                total=total,
                prev_url=urls.paginated(folder, number - 1) if number > 1 else None,
                next_url=urls.paginated(folder, number + 1) if number < total else None,
                first_url=urls.paginated(folder, 1),
                last_url=urls.paginated(folder, total),
            )
            yield self.page(
                urls.paginated(folder, number),
                "list.html",
                title=title,
                papers=chunk,
                pager=pager,
                count=len(papers),
                kind=kind,
                **{"description_html": "", "feed_url": None, **extra},
            )

    def all_pages(self) -> Iterator[OutputFile]:
        lib, views = self.library, self.views
        ordered = tuple(views[p.slug] for p in lib.papers)
        for i, view in enumerate(ordered):
            yield self.page(
                view.url,
                "paper.html",
                title=view.title,
                paper=view,
                newer=ordered[i - 1] if i > 0 else None,
                older=ordered[i + 1] if i + 1 < len(ordered) else None,
                related=tuple(views[s] for s in lib.related.get(view.slug, ())),
            )
        yield from self.listing("", self.config.title, ordered, kind="home", feed_url="feed.xml")

        tags = [tag_view(lib, t) for t in lib.by_tag]
        top = max((t.count for t in tags), default=1)
        yield self.page(
            urls.page("tags"),
            "tags.html",
            title="Tags",
            tags=sorted(tags, key=lambda t: (t.name.casefold(), t.id)),
            weights={t.id: 1 + round(4 * t.count / top) for t in tags},
        )
        for tag, papers in lib.by_tag.items():
            yield from self.listing(
                urls.tag(tag).removesuffix("/index.html"),
                f"Tag: {lib.tag_names[tag]}",
                tuple(views[p.slug] for p in papers),
                kind="tag",
                description_html=Markup(to_html(lib.tag_descriptions.get(tag, ""))),
                feed_url=urls.tag(tag).replace("index.html", "feed.xml"),
            )

        years = [TagView(y, y, urls.year(y), len(ps)) for y, ps in lib.by_year.items()]
        undated = sum(1 for p in lib.papers if not p.date)
        yield self.page(urls.page("years"), "years.html", title="Years", years=years, undated=undated)
        for year, papers in lib.by_year.items():
            yield from self.listing(
                urls.year(year).removesuffix("/index.html"),
                f"Papers from {year}",
                tuple(views[p.slug] for p in papers),
                kind="year",
            )

        digests = [TagView(s, s, urls.digest(s), len(ps)) for s, ps in lib.by_source.items()]
        yield self.page(urls.page("digests"), "digests.html", title="Digests", digests=digests)
        for source, papers in lib.by_source.items():
            yield from self.listing(
                urls.digest(source).removesuffix("/index.html"),
                f"Digest: {source}",
                tuple(views[p.slug] for p in papers),
                kind="digest",
            )

        queue = tuple(views[p.slug] for p in lib.papers if p.status == "reading")
        queue += tuple(views[p.slug] for p in lib.papers if p.status == "to-read")
        yield from self.listing("queue", "Reading queue", queue, kind="queue")

        yield self.page(
            urls.page("stats"),
            "stats.html",
            title="Statistics",
            total=len(lib.papers),
            charts=(
                (
                    "Papers per year",
                    charts.bar_chart(
                        [(y.name, y.count) for y in sorted(years, key=lambda y: y.id)]
                        + ([("undated", undated)] if undated else [])
                    ),
                ),
                (
                    "Papers per tag",
                    charts.bar_chart(sorted(((t.name, t.count) for t in tags), key=lambda nc: (-nc[1], nc[0]))),
                ),
                (
                    "Papers per reading status",
                    charts.bar_chart(
                        [(STATUS_LABELS[s], sum(1 for p in lib.papers if p.status == s)) for s in STATUSES]
                        + [("No status", sum(1 for p in lib.papers if not p.status))]
                    ),
                ),
            ),
        )
        yield self.page(urls.page("about"), "about.html", title="About", total=len(lib.papers), tag_count=len(tags))
        yield self.page(urls.page("search"), "search.html", title="Search")
        # A server shows 404.html at whatever address was missed, so relative links would
        # point anywhere; with a base URL known, this one page links from the site's root.
        base_path = urlsplit(self.config.base_url).path if self.config.base_url else ""
        yield self.page("404.html", "404.html", title="Page not found", link_base=base_path or None, canonical=None)

    def machine_files(self) -> Iterator[OutputFile]:
        lib, config = self.library, self.config
        ordered = [self.views[p.slug] for p in lib.papers]
        yield OutputFile("feed.xml", feeds.atom(config, "", config.title, "feed.xml", ordered))
        for tag, papers in lib.by_tag.items():
            path = urls.tag(tag).replace("index.html", "feed.xml")
            yield OutputFile(
                path,
                feeds.atom(
                    config,
                    f"tags/{tag}",
                    f"{config.title}: {lib.tag_names[tag]}",
                    path,
                    [self.views[p.slug] for p in papers],
                ),
            )
        yield OutputFile("papers.json", feeds.papers_json(lib, self.views))
        yield OutputFile(".nojekyll", b"")


def render_site(library: Library, config: Config, env: Environment) -> Iterator[OutputFile]:
    """Every output file of the site, except static assets and the search index."""
    renderer = Renderer(library, config, env)
    paths = []
    for page in renderer.all_pages():
        paths.append(page.path)
        yield page
    yield from renderer.machine_files()
    yield OutputFile("sitemap.xml", feeds.sitemap(config, [p for p in paths if p != "404.html"]))
    yield OutputFile("robots.txt", feeds.robots(config))
