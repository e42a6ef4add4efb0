"""The reading list as the site sees it: pages read back into typed records, and
the indexes derived from them (order, tags, years, digests, related papers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sitegen.core.identifiers import ArxivId, normalise_doi, parse_arxiv
from sitegen.core.identity import merge_spellings, tag_display, tag_key
from sitegen.core.links import classify, is_http_url
from sitegen.core.models import STATUSES, Link, Problem
from sitegen.pagefile.pages import PageError, read_page
from sitegen.taxonomy.tags import Taxonomy

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_ASCII_KEPT = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])
"""The ASCII characters _CONTROL keeps."""


def clean_text(value: Any) -> str:
    """Text for output: control characters and bidi overrides removed (they break XML
    and can disguise text); HTML escaping is the templates' job."""
    if value is None:
        return ""
    text = str(value)
    if text.isascii() and not text.encode("ascii").translate(None, _ASCII_KEPT):
        return text  # nothing to remove: found several times faster than by _CONTROL on a long abstract
    return _CONTROL.sub("", text)


@dataclass(frozen=True)
class LibraryPaper:
    """A paper as its page on disk describes it (digest facts plus the user's)."""

    slug: str
    title: str
    abstract: str = ""
    notes: str = ""
    """The page body: the user's notes, Markdown."""
    date: str | None = None
    date_written: str | None = None
    authors: int | None = None
    upvotes: int | None = None
    tags: tuple[str, ...] = ()
    """Tag ids: each tag's identity (identity.tag_key), so `LLM` and `llm` are one tag.
    The library shows each by one spelling (Library.tag_names)."""
    tag_spellings: tuple[str, ...] = ()
    """The tags as the page writes them (identity.tag_display: invisibles removed, spaces
    collapsed): they decide the spelling shown, so a changed spelling is a change of the
    library, not only of this paper's view."""
    added: str | None = None
    sources: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    status: str | None = None
    rating: int | None = None
    read_on: str | None = None
    draft: bool = False
    """`draft: true` or `private: true` in the front matter: not published (drafts.py)."""
    author_names: tuple[str, ...] = ()
    """The authors by name, when an input, a look-up or the user gave them."""
    arxiv: str | None = None
    """arXiv id without version (identifiers.py)."""
    arxiv_version: int | None = None
    doi: str | None = None
    published: str | None = None
    """The paper's publication date; `date` is this when known, else the digest's date."""
    pdf: str | None = None
    hf: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None

    @property
    def sort_key(self) -> tuple[int, str, str]:
        """Newest first; undated papers after dated ones, by title."""
        return (0 if self.date else 1, descending(self.date or ""), self.title.casefold())


_DESCENDING = {code: 0x10FFFF - code for code in range(128)}


def descending(text: str) -> str:
    """A sort key that orders strings descending: every character mirrored from the top
    of Unicode (ASCII, which dates are, with one str.translate)."""
    if text.isascii():
        return text.translate(_DESCENDING)
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def _date(value: Any, source: str, key: str, front: str) -> str | None:
    """`value` as an ISO date; `front` is only searched for the key's line when the value is wrong
    (finding it for every key of every page cost more than the rest of the checks)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise PageError(
            Problem(source, _key_line(front, key), f"{key}: expected a date like 2024-03-13, got {value!r}")
        ) from None


def _int(value: Any, source: str, key: str, front: str, low: int = 0, high: int = 10**9) -> int | None:
    """`value` as a whole number in [low, high]; `front` is searched for the key's line only on error."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PageError(
            Problem(source, _key_line(front, key), f"{key}: expected a whole number {low}-{high}, got {value!r}")
        )
    return value


def _flag(value: Any, source: str, key: str, front: str) -> bool:
    """`value` as true or false (absent or empty: false); anything else is a PageError, so a
    typo like `draft: ture` cannot publish a page meant to stay private."""
    if value is None or value == "":
        return False
    if not isinstance(value, bool):
        raise PageError(Problem(source, _key_line(front, key), f"{key}: expected true or false, got {value!r}"))
    return value


def _author_count(value: Any, source: str, front: str) -> int | None:
    """`authors`: the count a digest gives, or the names (from `sitegen enrich`, or typed)."""
    if isinstance(value, list) and value and all(isinstance(name, str) for name in value):
        return len(value)
    return _int(value, source, "authors", front)


def _author_names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(name for name in (clean_text(v).strip() for v in value if isinstance(v, str)) if name)


def _arxiv(value: Any, source: str, front: str) -> ArxivId | None:
    """`arxiv`: an id (or an arXiv / Hugging Face URL); an unquoted `2403.12340` is a YAML
    number that has lost its last zero, so a number is an error that says to quote it."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        message = f"arxiv: write the id in quotes ('{value}'): unquoted, YAML reads it as a number"
        raise PageError(Problem(source, _key_line(front, "arxiv"), message))
    found = parse_arxiv(str(value))
    if found is None:
        message = f"arxiv: expected an arXiv id like 2403.12345 or hep-th/9901001, got {value!r}"
        raise PageError(Problem(source, _key_line(front, "arxiv"), message))
    return found


def _url(value: Any, source: str, key: str, front: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not is_http_url(value.strip()):
        raise PageError(Problem(source, _key_line(front, key), f"{key}: expected an http(s) URL, got {value!r}"))
    return value.strip()


def _doi(value: Any, source: str, front: str) -> str | None:
    if value is None or value == "":
        return None
    doi = normalise_doi(str(value))
    if doi is None:
        message = f"doi: expected a DOI like 10.1000/xyz, got {value!r}"
        raise PageError(Problem(source, _key_line(front, "doi"), message))
    return doi


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        text = clean_text(item).strip()
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _links(value: Any) -> tuple[Link, ...]:
    out = []
    for item in value if isinstance(value, list) else []:
        url = item.get("url") if isinstance(item, dict) else item
        if isinstance(url, str) and is_http_url(url.strip()):
            kind = item.get("kind") if isinstance(item, dict) else None
            out.append(Link(url.strip(), kind if kind in ("code", "project") else classify(url.strip())))
    return tuple(out)


def _key_line(front: str, key: str) -> int:
    """The line `key` is on, for an error message; 1 (the opening `---`) when not found."""
    for number, line in enumerate(front.splitlines(), 2):
        if line.startswith(f"{key}:"):
            return number
    return 1


_KNOWN_KEYS = frozenset(
    ("title", "abstract", "date", "date_written", "authors", "upvotes", "tags", "added", "sources", "links")
    + ("status", "rating", "read_on", "auto_tags", "draft", "private")
    + ("arxiv", "arxiv_version", "doi", "published", "pdf", "hf")
)
"""Keys paper_from_page reads; any other key is shown as it is (`extra`)."""


def paper_from_page(text: str, slug: str, source: str) -> LibraryPaper:
    """Read a page; a value of the wrong type is a PageError naming file and line."""
    meta, parts = read_page(text, source)

    def line(key: str) -> int:
        return _key_line(parts.front, key)

    title = clean_text(meta.get("title")).strip()
    if not title:
        raise PageError(Problem(source, line("title"), "title: every page needs a title"))
    spellings = tuple(t for t in _strings(meta.get("tags")) if tag_key(t))  # one of only invisibles is no tag
    status = meta.get("status")
    if status in (None, ""):
        status = None
    elif status not in STATUSES:
        raise PageError(
            Problem(source, line("status"), f"status: expected one of {', '.join(STATUSES)}, got {status!r}")
        )
    arxiv = _arxiv(meta.get("arxiv"), source, parts.front)
    published = _date(meta.get("published"), source, "published", parts.front)
    return LibraryPaper(
        slug=slug,
        title=title,
        abstract=clean_text(meta.get("abstract")).strip(),
        notes=clean_text(parts.body).strip(),
        date=published or _date(meta.get("date"), source, "date", parts.front),
        date_written=clean_text(meta.get("date_written")) or None,
        authors=_author_count(meta.get("authors"), source, parts.front),
        upvotes=_int(meta.get("upvotes"), source, "upvotes", parts.front),
        tags=tuple(dict.fromkeys(map(tag_key, spellings))),
        tag_spellings=tuple(dict.fromkeys(map(tag_display, spellings))),
        added=_date(meta.get("added"), source, "added", parts.front),
        sources=_strings(meta.get("sources")),
        links=_links(meta.get("links")),
        status=status,
        rating=_int(meta.get("rating"), source, "rating", parts.front, 1, 5),
        read_on=_date(meta.get("read_on"), source, "read_on", parts.front),
        draft=_flag(meta.get("draft"), source, "draft", parts.front)
        | _flag(meta.get("private"), source, "private", parts.front),
        author_names=_author_names(meta.get("authors")),
        arxiv=arxiv.id if arxiv else None,
        arxiv_version=_int(meta.get("arxiv_version"), source, "arxiv_version", parts.front, 1, 9999)
        or (arxiv.version if arxiv else None),
        doi=_doi(meta.get("doi"), source, parts.front),
        published=published,
        pdf=_url(meta.get("pdf"), source, "pdf", parts.front),
        hf=_url(meta.get("hf"), source, "hf", parts.front),
        extra=tuple((str(k), clean_text(v)) for k, v in meta.items() if k not in _KNOWN_KEYS),
    )


@dataclass(frozen=True)
class Library:
    """Everything the pages of the site are made from."""

    papers: tuple[LibraryPaper, ...]
    """Newest first (see LibraryPaper.sort_key)."""
    by_tag: dict[str, tuple[LibraryPaper, ...]]
    """Tag id -> papers, tags sorted by id."""
    by_year: dict[str, tuple[LibraryPaper, ...]]
    """Year -> papers, newest year first; undated papers are not in a year."""
    by_source: dict[str, tuple[LibraryPaper, ...]]
    related: dict[str, tuple[str, ...]]
    """Slug -> slugs of the most similar papers, most similar first."""
    tag_names: dict[str, str]
    tag_descriptions: dict[str, str]
    latest_added: str | None = None
    """The newest `added` date: papers added then are "new in the latest digest"."""
    related_key: str = ""
    """Digest of the text `related` was computed from ("" when not known)."""
    problems: tuple[Problem, ...] = ()
    """Warnings about the pages as a whole: a tag spelled more than one way."""


VIEW_ONLY_FIELDS = ("notes", "authors", "links", "date_written", "extra")
"""Fields that reach the site only through the paper's own view (views.paper_view):
the library's order and indexes, related papers, the offline search index and every
page's other inputs never read them."""
_BLANK_VIEW_ONLY: dict[str, Any] = {"notes": "", "authors": None, "links": (), "date_written": None, "extra": ()}


def differs_only_in_view(old: LibraryPaper, new: LibraryPaper) -> bool:
    """True when `new` can replace `old` without changing anything but `old`'s view."""
    return dataclasses.replace(old, **_BLANK_VIEW_ONLY) == dataclasses.replace(new, **_BLANK_VIEW_ONLY)


_slug = operator.attrgetter("slug")


def replace_papers(library: Library, new: dict[str, LibraryPaper]) -> Library:
    """`library` with papers replaced by those in `new` (by slug), each of which
    differs_only_in_view from the one it replaces: every index keeps its order."""
    tags = {tag for paper in new.values() for tag in paper.tags}
    years = {paper.year for paper in new.values()}
    sources = {source for paper in new.values() for source in paper.sources}

    def swap(papers: tuple[LibraryPaper, ...]) -> tuple[LibraryPaper, ...]:
        return tuple(map(new.get, map(_slug, papers), papers))  # new.get(slug, paper) for each

    return dataclasses.replace(
        library,
        papers=swap(library.papers),
        by_tag={t: swap(ps) if t in tags else ps for t, ps in library.by_tag.items()},
        by_year={y: swap(ps) if y in years else ps for y, ps in library.by_year.items()},
        by_source={s: swap(ps) if s in sources else ps for s, ps in library.by_source.items()},
    )


def make_library(
    papers: list[LibraryPaper],
    taxonomy: Taxonomy,
    related: dict[str, tuple[str, ...]],
    related_key: str = "",
    folder: str = "papers",
) -> Library:
    """The library of `papers`; `folder` names the page folder in warnings."""
    ordered = tuple(sorted(papers, key=lambda p: (p.sort_key, p.slug)))
    by_tag: dict[str, list[LibraryPaper]] = defaultdict(list)
    by_year: dict[str, list[LibraryPaper]] = defaultdict(list)
    by_source: dict[str, list[LibraryPaper]] = defaultdict(list)
    for paper in ordered:
        for tag in paper.tags:
            by_tag[tag].append(paper)
        if paper.year:
            by_year[paper.year].append(paper)
        for source in paper.sources:
            by_source[source].append(paper)
    names, problems = merge_spellings([(p.slug, p.tag_spellings) for p in ordered], taxonomy.names(), folder)
    return Library(
        papers=ordered,
        by_tag={t: tuple(by_tag[t]) for t in sorted(by_tag)},
        by_year={y: tuple(by_year[y]) for y in sorted(by_year, reverse=True)},
        by_source={s: tuple(by_source[s]) for s in sorted(by_source)},
        related=related,
        tag_names={t: names.get(t, t) for t in sorted(by_tag)},
        tag_descriptions={t: taxonomy.descriptions().get(t, "") for t in sorted(by_tag)},
        latest_added=max((p.added for p in ordered if p.added), default=None),
        related_key=related_key,
        problems=tuple(problems),
    )
