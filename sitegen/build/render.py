"""Render the library into output files. No disk access: templates come in through
the Jinja2 environment, files go out as rendered jobs.

Every output is first described as a `Job` (fingerprint.py): its path, a fingerprint of
everything that determines its bytes, and a function that renders it. This module says
which jobs the site has and what each one's template is handed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment
from markupsafe import Markup

from sitegen.build.fingerprint import (
    FACETS,
    Digested,
    Facet,
    Fingerprint,
    Fingerprinted,
    Job,
    swap_views,
    value_digest,
)
from sitegen.build.templating import clear_memo, template_key
from sitegen.config import Config
from sitegen.core.codeprint import code_fingerprint
from sitegen.site import bibtex, charts, feeds, urls
from sitegen.site.library import STATUSES, Library, LibraryPaper, descending
from sitegen.site.markdown import to_html
from sitegen.site.views import STATUS_LABELS, Pager, PaperView, TagView, pages_of, paper_view, tag_view

ViewMemo = dict[str, tuple[Any, tuple[object, ...], PaperView, str]]
"""slug -> (the paper, its tag names, its view, the view's digest), kept between builds."""


def make_views(library: Library, memo: ViewMemo) -> tuple[dict[str, PaperView], dict[int, str]]:
    """A view per paper, reusing the previous build's view when nothing it shows changed."""
    views: dict[str, PaperView] = {}
    keys: dict[int, str] = {}
    fresh: ViewMemo = {}
    cite = bibtex.cite_keys([(p.slug, p.year) for p in library.papers])
    for paper in library.papers:
        # Everything a view takes from outside its own page:
        names = (
            *(library.tag_names.get(t, t) for t in paper.tags),
            paper.added == library.latest_added,
            cite[paper.slug],
        )
        old = memo.get(paper.slug)
        if old is not None and old[1] == names and (old[0] is paper or old[0] == paper):
            view, key = old[2], old[3]
        else:
            view = paper_view(library, paper, cite[paper.slug])
            key = value_digest(view)
        views[paper.slug] = view
        keys[id(view)] = key
        fresh[paper.slug] = (paper, names, view, key)
    memo.clear()
    memo.update(fresh)
    return views, keys


class Renderer:
    """Describes every page of the site as a Job; every page gets the same base context."""

    def __init__(
        self,
        library: Library,
        config: Config,
        env: Environment,
        memo: ViewMemo | None = None,
        json_memo: dict[Any, str] | None = None,
    ) -> None:
        self.library = library
        self.json_memo = json_memo
        self.config = config
        self.env = env
        clear_memo(env)  # macro calls memoised by another build are not this one's
        self.memo: ViewMemo = {} if memo is None else memo
        self.views, view_keys = make_views(library, self.memo)
        self.view_keys = view_keys
        self.nav = (
            ("Papers", urls.page()),
            ("Tags", urls.page("tags")),
            ("Years", urls.page("years")),
            ("Queue", urls.page("queue")),
            ("Read", urls.page("read")),
            ("Stats", urls.page("stats")),
            ("About", urls.page("about")),
        )
        self._template_keys: dict[str, str] = {}
        base = hashlib.sha1(f"{code_fingerprint()}{config!r}{self.nav!r}".encode()).hexdigest()
        self.fp = Fingerprint(view_keys, base)
        self.same_facets: dict[str, frozenset[str]] = {}
        """Set by replace_papers: for each view it replaced, the facets that came out the same."""
        self._awaiting_related: list[tuple[str, dict[str, Any]]] = []
        """(slug, page values) of paper pages described before the related papers were known."""

    def set_related(self, related: dict[str, tuple[str, ...]], key: str) -> None:
        """Take the related-papers table (paper pages and papers.json show it), and put it
        in the paper pages described before it was known (paper_jobs(related_later=True))."""
        self.library = dataclasses.replace(self.library, related=related, related_key=key)
        for slug, values in self._awaiting_related:
            values["related"] = self._related_views(slug)
        self._awaiting_related = []

    def _related_views(self, slug: str) -> tuple[PaperView, ...]:
        """The views of a paper's related papers, by the library's table."""
        views = self.views
        return tuple([views[s] for s in self.library.related.get(slug, ())])

    def replace_papers(self, library: Library, papers: Mapping[str, LibraryPaper]) -> dict[str, PaperView]:
        """Take `library`, in which `papers` replace papers that differ from them only in
        what their own views show (library.differs_only_in_view); new views for them.
        Returns the views whose digest changed: the jobs holding them need remaking."""
        self.library = library
        changed: dict[str, PaperView] = {}
        self.same_facets = {}
        for slug, paper in papers.items():
            _, names, old_view, old_key = self.memo[slug]
            view = paper_view(library, paper, old_view.cite_key)  # cite keys come from slug and year
            key = value_digest(view)
            if key == old_key:
                view = old_view  # the same view: the jobs holding it stay as they are
            else:
                self.view_keys[id(view)] = key
                self.same_facets[slug] = frozenset(
                    name for name in FACETS if self.fp.facet_key(name, view) == self.fp.facet_key(name, old_view)
                )
                self.fp.forget(old_view)
                self.views[slug] = changed[slug] = view
            self.memo[slug] = (paper, names, view, key)
        return changed

    def page(self, path: str, template: str, **context: Any) -> Job:
        return self._page(path, template, self._values(path, context))

    def _values(self, path: str, context: dict[str, Any]) -> dict[str, Any]:
        """What a page's template sees: the base context, then the page's own."""
        values: dict[str, Any] = {
            "page_path": path,
            "site": self.config,
            "nav": self.nav,
            "canonical": urls.absolute(self.config.base_url, path) if self.config.base_url else None,
            "link_base": None,
        }
        values.update(context)
        values["root"] = values["link_base"] or urls.root(path)
        return values

    def _page(self, path: str, template: str, values: dict[str, Any]) -> Job:
        if template not in self._template_keys:
            self._template_keys[template] = template_key(self.env, template)
            self.env.get_template(template)  # compiled now, once: not by each render worker
        tkey = self._template_keys[template]
        shared = ("site", "nav")  # in the fingerprint's base already

        def describe() -> Fingerprinted:
            return self.fp.key("page", template, tkey, {k: v for k, v in values.items() if k not in shared})

        def render() -> bytes:
            return self.env.get_template(template).render(values).encode("utf-8")

        def remake(new: Mapping[str, PaperView]) -> Job:
            return self._page(path, template, swap_views(values, new))

        return Job(path, describe, render, remake)

    def data(self, path: str, make: Callable[..., bytes], *inputs: Any) -> Job:
        """A non-template output, `make(*inputs)`: its bytes depend only on `inputs` (and the code)."""

        def remake(new: Mapping[str, PaperView]) -> Job:
            return self.data(path, make, *swap_views(inputs, new))

        return Job(path, lambda: self.fp.key("data", path, *inputs), lambda: make(*inputs), remake)

    def listing(
        self, folder: str, title: str, papers: tuple[PaperView, ...], *, kind: str, **extra: Any
    ) -> Iterator[Job]:
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

    def paper_jobs(self, related_later: bool = False) -> Iterator[Job]:
        """A page per paper. With `related_later`, described before the related papers
        are known, for set_related to put them in: until then these jobs must be neither
        rendered nor fingerprinted (a build describes them while a child process
        computes the table, instead of after it, with the other core idle)."""
        lib, views = self.library, self.views
        ordered = tuple(views[p.slug] for p in lib.papers)
        for i, view in enumerate(ordered):
            context = {
                "title": view.title,
                "paper": view,
                "newer": ordered[i - 1] if i > 0 else None,
                "older": ordered[i + 1] if i + 1 < len(ordered) else None,
                "related": () if related_later else self._related_views(view.slug),
            }
            values = self._values(view.url, context)
            if related_later:
                self._awaiting_related.append((view.slug, values))
            yield self._page(view.url, "paper.html", values)

    def listing_jobs(self) -> Iterator[Job]:
        """Every page but the papers' own: listings, indexes, stats, about, search, 404.
        None of them shows related papers."""
        lib, views = self.library, self.views
        ordered = tuple(views[p.slug] for p in lib.papers)
        yield from self.listing("", self.config.title, ordered, kind="home", feed_url=urls.feed())

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
                urls.tag_folder(tag),
                f"Tag: {lib.tag_names[tag]}",
                tuple(views[p.slug] for p in papers),
                kind="tag",
                description_html=Markup(to_html(lib.tag_descriptions.get(tag, ""))),
                feed_url=urls.feed(urls.tag_folder(tag)),
            )

        years = [TagView(y, y, urls.year(y), len(ps)) for y, ps in lib.by_year.items()]
        undated = sum(1 for p in lib.papers if not p.date)
        yield self.page(urls.page("years"), "years.html", title="Years", years=years, undated=undated)
        for year, papers in lib.by_year.items():
            yield from self.listing(
                urls.year_folder(year),
                f"Papers from {year}",
                tuple(views[p.slug] for p in papers),
                kind="year",
            )

        digests = [TagView(s, s, urls.digest(s), len(ps)) for s, ps in lib.by_source.items()]
        yield self.page(urls.page("digests"), "digests.html", title="Digests", digests=digests)
        for source, papers in lib.by_source.items():
            yield from self.listing(
                urls.digest_folder(source),
                f"Digest: {source}",
                tuple(views[p.slug] for p in papers),
                kind="digest",
                feed_url=urls.feed(urls.digest_folder(source)),
            )

        queue = tuple(views[p.slug] for p in lib.papers if p.status == "reading")
        queue += tuple(views[p.slug] for p in lib.papers if p.status == "to-read")
        yield from self.listing("queue", "Reading queue", queue, kind="queue")
        shelf = sorted(
            (p for p in lib.papers if p.status == "read"),
            key=lambda p: (descending(p.read_on or ""), -(p.rating or 0), p.title.casefold(), p.slug),
        )
        yield from self.listing("read", "Read", tuple(views[p.slug] for p in shelf), kind="read")

        by_year = [(y.name, y.count) for y in sorted(years, key=lambda y: y.id)]
        by_tag = sorted(((t.name, t.count) for t in tags), key=lambda nc: (-nc[1], nc[0]))
        by_status = [(STATUS_LABELS[s], sum(1 for p in lib.papers if p.status == s)) for s in STATUSES]
        by_status.append(("No status", sum(1 for p in lib.papers if not p.status)))
        yield self.page(
            urls.page("stats"),
            "stats.html",
            title="Statistics",
            total=len(lib.papers),
            charts=(
                (
                    "Papers per year",
                    charts.bar_chart(by_year + ([("undated", undated)] if undated else []), "Papers per year"),
                ),
                ("Papers per tag", charts.bar_chart(by_tag, "Papers per tag")),
                ("Papers per reading status", charts.bar_chart(by_status, "Papers per reading status")),
            ),
        )
        yield self.page(urls.page("about"), "about.html", title="About", total=len(lib.papers), tag_count=len(tags))
        yield self.page(urls.page("search"), "search.html", title="Search")
        # A server shows 404.html at whatever address was missed, so relative links would
        # point anywhere; with a base URL known, this one page links from the site's root.
        base_path = urlsplit(self.config.base_url).path if self.config.base_url else ""
        yield self.page(urls.NOT_FOUND, "404.html", title="Page not found", link_base=base_path or None, canonical=None)

    def data_jobs(self, page_paths: list[str]) -> Iterator[Job]:
        lib, config, views = self.library, self.config, self.views
        ordered = tuple(views[p.slug] for p in lib.papers)
        newest = Facet("feed", ordered[: feeds.FEED_ENTRIES])
        yield self.data(urls.feed(), lambda e: feeds.atom(config, "", config.title, urls.feed(), e.values()), newest)
        for tag, papers in lib.by_tag.items():
            path = urls.feed(urls.tag_folder(tag))
            title = f"{config.title}: {lib.tag_names[tag]}"
            entries = Facet("feed", tuple(views[p.slug] for p in papers[: feeds.FEED_ENTRIES]))
            yield self.data(path, lambda t, e, p=path: feeds.atom(config, "", t, p, e.values()), title, entries)
        for source, papers in lib.by_source.items():
            path = urls.feed(urls.digest_folder(source))
            title = f"{config.title}: {source}"
            entries = Facet("feed", tuple(views[p.slug] for p in papers[: feeds.FEED_ENTRIES]))
            yield self.data(path, lambda t, e, p=path: feeds.atom(config, "", t, p, e.values()), title, entries)
        # The related table enters the fingerprint as the digest of the text it was computed from.
        related = Digested(lib.related_key or repr(lib.related), lib.related)
        yield self.data(
            urls.PAPERS_JSON,
            lambda data, related: feeds.papers_json(data.views, related.value, self.view_keys, self.json_memo),
            Facet("json", ordered),
            related,
        )
        bib = Facet("bibtex", ordered)
        yield self.data(urls.PAPERS_BIB, lambda bib: "\n".join(v.bibtex for v in bib.views).encode("utf-8"), bib)
        yield self.data(urls.NOJEKYLL, lambda: b"")
        paths = [p for p in page_paths if p != urls.NOT_FOUND]
        files = feeds.sitemap_files(paths)
        for name, listed in files:
            yield self.data(name, lambda listed: feeds.sitemap(config, listed), listed)
        if len(files) > 1:
            names = [name for name, _ in files]
            yield self.data(urls.SITEMAP, lambda names: feeds.sitemap_index(config, names), names)
        yield self.data(urls.ROBOTS, lambda: feeds.robots(config))
