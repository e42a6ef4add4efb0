"""Render the library into output files. No disk access: templates come in through
the Jinja2 environment, files go out as rendered jobs.

Every output is first described as a `Job`: its path, a fingerprint of everything
that determines its bytes, and a function that renders it. The fingerprint covers
the template and every template it extends, includes or imports, the configuration
and the exact values handed to the template, so an incremental build can skip a job
whose fingerprint is unchanged and still produce the same bytes as a full build.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from jinja2 import Environment
from markupsafe import Markup

from sitegen.build.templating import clear_memo, template_key
from sitegen.config import Config
from sitegen.core.codeprint import code_fingerprint
from sitegen.site import bibtex, charts, feeds, urls
from sitegen.site.library import STATUSES, Library, LibraryPaper, descending
from sitegen.site.markdown import to_html
from sitegen.site.views import STATUS_LABELS, Pager, PaperView, TagView, pages_of, paper_view, tag_view

Fingerprinted = tuple[str, frozenset[str], frozenset[str], frozenset[str]]
"""A job's fingerprint, the slugs of the paper views among its inputs, the names of the
facets (Facet) among them, and the slugs held as whole views (not only through facets)."""
Describe = Callable[[], Fingerprinted]
"""Computes a job's Fingerprinted."""
_NONE: frozenset[str] = frozenset()


class Job:
    """One output file, not yet rendered. Its fingerprint may be given, or computed when
    first asked for: a full build asks in the processes that render the file."""

    __slots__ = ("_describe", "_direct", "_facets", "_key", "_views", "path", "remake", "render")

    def __init__(
        self,
        path: str,
        key: str | Describe,
        render: Callable[[], bytes],
        remake: Callable[[Mapping[str, PaperView]], Job] | None = None,
    ) -> None:
        self.path = path
        """Site path, POSIX, relative to the site root."""
        self.render = render
        self.remake = remake
        """This job over the same inputs with some paper views replaced (see patch.py)."""
        self._describe = None if isinstance(key, str) else key
        self._key = key if isinstance(key, str) else None
        self._views = self._facets = self._direct = _NONE

    def _described(self) -> None:
        if self._key is None:
            self.set_fingerprint(self._describe())  # type: ignore[misc]

    @property
    def key(self) -> str:
        """Fingerprint of every input of this file."""
        self._described()
        return self._key  # type: ignore[return-value]

    @property
    def views(self) -> frozenset[str]:
        """Slugs of the paper views among its inputs (their digests are in `key`)."""
        self._described()
        return self._views

    @property
    def facets(self) -> frozenset[str]:
        """Names of the facets among its inputs (Facet)."""
        self._described()
        return self._facets

    @property
    def direct(self) -> frozenset[str]:
        """Slugs of the views among its inputs as whole views; the rest of `views` are
        held only through facets."""
        self._described()
        return self._direct

    def fingerprinted(self) -> Fingerprinted:
        self._described()
        return self._key, self._views, self._facets, self._direct  # type: ignore[return-value]

    def set_fingerprint(self, fingerprinted: Fingerprinted) -> None:
        """Record the fingerprint (computed here, or by the process that rendered the file)."""
        self._key, self._views, self._facets, self._direct = fingerprinted
        self._describe = None

    def __repr__(self) -> str:
        return f"Job({self.path!r}, key={self._key!r})"


@dataclass(frozen=True, eq=False)
class Digested:
    """A large input that fingerprints stand for by a digest of what made it: the
    related-papers table is a function of the text its digest covers."""

    digest: str
    value: Any = field(repr=False)


def value_digest(value: Any) -> str:
    """A digest of a paper view, or of what a data file takes from one (FACETS): SHA-1 of
    the value as compact JSON, each dataclass as [its type's name, its fields...] and
    Markup as ["Markup", text], so no two values that render differently share it. orjson
    writes an abstract at memory speed where repr checks each character for printability:
    about half the time of `sha1(repr(view))`, twice per paper (the view, then its facets).
    A value orjson does not take (a lone surrogate, another str subclass) is digested by its repr."""
    try:
        data = orjson.dumps(value, default=_as_json, option=_DIGEST_OPTIONS)
    except orjson.JSONEncodeError:
        data = repr(value).encode("utf-8", "surrogatepass")
    return hashlib.sha1(data).hexdigest()


_DIGEST_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
"""Dataclasses and subclasses (Markup) go to _as_json: orjson's own way would write a
dataclass's cached properties too, and Markup as a plain string."""


def _as_json(value: Any) -> Any:
    kind: type = type(value)
    if kind is Markup:
        return ("Markup", value.__str__())
    fields = _fields_of(kind)
    if fields is None:
        raise TypeError(kind.__name__)  # orjson gives up: value_digest falls back to repr
    return (kind.__name__, *map(value.__getattribute__, fields))


@functools.cache
def _fields_of(kind: type) -> tuple[str, ...] | None:
    """The names of a dataclass's fields, in order; None for any other type."""
    return tuple([f.name for f in dataclasses.fields(kind)]) if dataclasses.is_dataclass(kind) else None


def _bibtex_inputs(view: PaperView) -> tuple[Any, ...]:
    """What a view's BibTeX entry is made from (views.PaperView.bibtex): cheaper to digest
    than the entry itself, and as telling."""
    return (view.cite_key, view.title, view.year, view.authors, view.author_names, view.arxiv, view.doi)


def _json_inputs(view: PaperView) -> tuple[Any, ...]:
    """What a view's papers.json entry is made from (feeds.json_data, but for the related
    papers, which the job holds apart): the same fields, without building the entry."""
    return (
        view.slug,
        view.url,
        view.title,
        view.abstract,
        view.date,
        view.date_written,
        view.authors,
        view.upvotes,
        tuple([tag.id for tag in view.tags]),
        view.status,
        view.rating,
        view.added,
        view.read_on,
        tuple([source.id for source in view.sources]),
        tuple([(link.url, link.kind) for link in view.links]),
        view.author_names,
        view.arxiv,
        view.doi,
    )


FACETS: dict[str, Callable[[PaperView], Any]] = {
    "bibtex": _bibtex_inputs,
    "feed": feeds.feed_entry,
    "json": _json_inputs,
}
"""What data files (made by Python, not templates) take from a paper's view, by name."""


@dataclass(frozen=True, eq=False)
class Facet:
    """One facet (FACETS[name]) of each of `views`: a data file's input that its
    fingerprint covers by that facet alone. papers.json does not show notes, so a note
    written in a paper leaves its fingerprint as it was, and it is not made again."""

    name: str
    views: tuple[PaperView, ...]

    def values(self) -> list[Any]:
        return list(map(FACETS[self.name], self.views))


class Fingerprint:
    """Stable digests of template inputs. Paper views are hashed once and referred to
    by their digest, so a listing of 20 papers costs 20 lookups, not 20 reprs."""

    def __init__(self, view_keys: dict[int, str], base: str) -> None:
        self.view_keys = view_keys
        """id(view) -> digest of its repr."""
        self.base = base.encode()
        """Digest of what every page shares (configuration, navigation)."""
        self.seen: set[str] = set()
        """Slugs of the views met by the last `key` call, as whole views or in facets."""
        self.direct: set[str] = set()
        """Slugs of the views met by the last `key` call as whole views."""
        self.facets: set[str] = set()
        """Names of the facets met by the last `key` call."""
        self.facet_keys: dict[tuple[str, int], tuple[PaperView, str]] = {}
        """(facet name, id(view)) -> (the view, kept so its id is not reused; the facet's digest)."""

    def facet_key(self, name: str, view: PaperView) -> str:
        known = self.facet_keys.get((name, id(view)))
        if known is None:
            digest = value_digest(FACETS[name](view))
            known = self.facet_keys[name, id(view)] = (view, digest)
        return known[1]

    def forget(self, view: PaperView) -> None:
        """Drop what is known of a view that was replaced."""
        del self.view_keys[id(view)]
        for name in FACETS:
            self.facet_keys.pop((name, id(view)), None)

    def flat(self, value: Any) -> Any:
        """The value with every paper view replaced by its digest; its repr is the key.
        A view is only ever found as a value, or in a tuple, list or dict (swap_views
        walks the same shapes), never inside another object."""
        kind = type(value)
        if kind in _LEAVES:
            return value
        if kind is PaperView:
            self.direct.add(value.slug)
            return self.view_keys[id(value)]
        if kind is tuple or kind is list:
            if value and type(value[0]) is PaperView and set(map(type, value)) == _JUST_VIEWS:
                # A listing, every paper: the common case, done without recursion.
                self.direct.update(map(_slug, value))
                return tuple(map(self.view_keys.__getitem__, map(id, value)))
            return tuple([item if type(item) in _LEAVES else self.flat(item) for item in value])
        if kind is dict:  # built in a fixed order by this module, so no sorting needed
            return tuple([(k, v if type(v) in _LEAVES else self.flat(v)) for k, v in value.items()])
        if kind is Facet:
            self.seen.update(map(_slug, value.views))
            self.facets.add(value.name)
            return (Facet, value.name, tuple([self.facet_key(value.name, view) for view in value.views]))
        return value  # str, Markup, numbers, None, small frozen dataclasses: repr lists everything

    def key(self, *parts: Any) -> Fingerprinted:
        """The fingerprint of `parts`, and what it holds (see Fingerprinted)."""
        self.seen, self.direct, self.facets = set(), set(), set()
        digest = hashlib.sha1(self.base + repr(self.flat(parts)).encode("utf-8", "surrogatepass")).hexdigest()
        direct = frozenset(self.direct) if self.direct else _NONE
        if not self.facets:
            return digest, direct, _NONE, direct
        return digest, frozenset(self.seen | self.direct), frozenset(self.facets), direct


_slug = operator.attrgetter("slug")
_JUST_VIEWS = {PaperView}
_LEAVES = frozenset({str, int, float, bool, type(None), Markup})
"""Values that flat returns as they are (and need not be called for)."""


def swap_views(value: Any, new: Mapping[str, PaperView]) -> Any:
    """`value` with each paper view whose slug is in `new` replaced by that view; the
    same walk as Fingerprint.flat."""
    kind = type(value)
    if kind is PaperView:
        return new.get(value.slug, value)
    if kind is tuple:
        if value and type(value[0]) is PaperView and set(map(type, value)) == _JUST_VIEWS:
            return tuple(map(new.get, map(_slug, value), value))
        return tuple([swap_views(item, new) for item in value])
    if kind is list:
        return [swap_views(item, new) for item in value]
    if kind is dict:
        return {k: swap_views(v, new) for k, v in value.items()}
    if kind is Facet:
        return Facet(value.name, swap_views(value.views, new))
    return value


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
                feed_url=urls.digest(source).replace("index.html", "feed.xml"),
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
        yield self.page("404.html", "404.html", title="Page not found", link_base=base_path or None, canonical=None)

    def data_jobs(self, page_paths: list[str]) -> Iterator[Job]:
        lib, config, views = self.library, self.config, self.views
        ordered = tuple(views[p.slug] for p in lib.papers)
        newest = Facet("feed", ordered[: feeds.FEED_ENTRIES])
        yield self.data("feed.xml", lambda e: feeds.atom(config, "", config.title, "feed.xml", e.values()), newest)
        for tag, papers in lib.by_tag.items():
            path = urls.tag(tag).replace("index.html", "feed.xml")
            title = f"{config.title}: {lib.tag_names[tag]}"
            entries = Facet("feed", tuple(views[p.slug] for p in papers[: feeds.FEED_ENTRIES]))
            yield self.data(path, lambda t, e, p=path: feeds.atom(config, "", t, p, e.values()), title, entries)
        for source, papers in lib.by_source.items():
            path = urls.digest(source).replace("index.html", "feed.xml")
            title = f"{config.title}: {source}"
            entries = Facet("feed", tuple(views[p.slug] for p in papers[: feeds.FEED_ENTRIES]))
            yield self.data(path, lambda t, e, p=path: feeds.atom(config, "", t, p, e.values()), title, entries)
        # The related table enters the fingerprint as the digest of the text it was computed from.
        related = Digested(lib.related_key or repr(lib.related), lib.related)
        yield self.data(
            "papers.json",
            lambda data, related: feeds.papers_json(data.views, related.value, self.view_keys, self.json_memo),
            Facet("json", ordered),
            related,
        )
        bib = Facet("bibtex", ordered)
        yield self.data("papers.bib", lambda bib: "\n".join(v.bibtex for v in bib.views).encode("utf-8"), bib)
        yield self.data(".nojekyll", lambda: b"")
        paths = [p for p in page_paths if p != "404.html"]
        files = feeds.sitemap_files(paths)
        for name, listed in files:
            yield self.data(name, lambda listed: feeds.sitemap(config, listed), listed)
        if len(files) > 1:
            names = [name for name, _ in files]
            yield self.data("sitemap.xml", lambda names: feeds.sitemap_index(config, names), names)
        yield self.data("robots.txt", lambda: feeds.robots(config))
