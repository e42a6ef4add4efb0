"""View objects: what templates see. Made from the library, never the reverse.

URLs in views are site paths (`papers/x/index.html`); templates turn them into
links relative to the page being rendered with the `rel` filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import quote_plus

from sitegen.site import bibtex
from sitegen.core import identifiers
from sitegen.site import urls
from sitegen.site.library import Library, LibraryPaper
from sitegen.site.markdown import to_html

EXCERPT_CHARS = 240
STATUS_LABELS = {"to-read": "To read", "reading": "Reading", "read": "Read", "dropped": "Dropped"}


@dataclass(frozen=True)
class TagView:
    id: str
    name: str
    url: str
    count: int = 0


@dataclass(frozen=True)
class LinkView:
    url: str
    label: str
    kind: str


@dataclass(frozen=True)
class PaperView:
    slug: str
    title: str
    url: str
    abstract: str
    date: str | None
    """ISO date, or None."""
    date_display: str | None
    date_written: str | None
    year: str | None
    authors: int | None
    upvotes: int | None
    tags: tuple[TagView, ...]
    status: str | None
    status_label: str | None
    rating: int | None
    read_on: str | None
    added: str | None
    notes_html: str
    links: tuple[LinkView, ...]
    sources: tuple[TagView, ...]
    is_new: bool
    """Added with the latest digest."""
    cite_key: str
    author_names: tuple[str, ...] = ()
    arxiv: str | None = None
    """arXiv id without version."""
    arxiv_version: int | None = None
    doi: str | None = None
    pdf: str | None = None
    """The PDF: the page's `pdf`, else arXiv's for its id."""
    hf: str | None = None
    """The Hugging Face paper page: the page's `hf`, else the one for its arXiv id."""

    # Made from the fields above when a template asks, not with every view: at 100,000
    # papers they would hold 170 MB in the process that makes the views (the excerpt, asked
    # for on every listing and four times on a paper page, is kept once made); the fields
    # they come from are in the view's fingerprint already.
    @cached_property
    def excerpt(self) -> str:
        """The abstract cut to about EXCERPT_CHARS, at a word."""
        return excerpt(self.abstract)

    @property
    def tag_names(self) -> tuple[str, ...]:
        """The names of the paper's tags (for JSON-LD keywords: cheaper than a map filter)."""
        return tuple([tag.name for tag in self.tags])

    @property
    def lookups(self) -> tuple[LinkView, ...]:
        """Searches for the paper by title (arXiv, Hugging Face, Semantic Scholar, Google Scholar)."""
        return lookup_links(self.title)

    @property
    def abs_url(self) -> str | None:
        """The arXiv abstract page, when the arXiv id is known."""
        return identifiers.abs_url(self.arxiv) if self.arxiv else None

    @property
    def doi_url(self) -> str | None:
        return identifiers.doi_url(self.doi) if self.doi else None

    @property
    def primary_class(self) -> str | None:
        return identifiers.ArxivId(self.arxiv).primary_class if self.arxiv else None

    @property
    def schema_authors(self) -> list[dict[str, str]]:
        """The authors as schema.org Person objects (JSON-LD)."""
        return [{"@type": "Person", "name": name} for name in self.author_names]

    @property
    def bibtex(self) -> str:
        if self.arxiv or self.author_names or self.doi:
            return bibtex.arxiv_entry(
                self.cite_key,
                self.title,
                self.year,
                self.author_names,
                self.arxiv,
                self.primary_class,
                self.doi,
                self.abs_url or self.doi_url or arxiv_search(self.title),
            )
        return bibtex.entry(self.cite_key, self.title, self.year, arxiv_search(self.title), self.authors)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


@lru_cache(maxsize=4096)
def display_date(iso: str | None, written: str | None) -> str | None:
    """A date as pages show it ("Mar 5, 2025"); papers share few dates, so each is made once."""
    if not iso:
        return written
    day = dt.date.fromisoformat(iso)
    return f"{day.strftime('%b')} {day.day}, {day.year}"


ARXIV_SEARCH = "https://arxiv.org/search/?query={q}&searchtype=title"

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_QUERY_ASCII = {c: chr(c) if chr(c) in _SAFE else "+" if c == 32 else f"%{c:02X}" for c in range(128)}
"""quote_plus of each ASCII character, as str.translate takes it."""


def query(text: str) -> str:
    """urllib.parse.quote_plus(text), without its per-byte Python loop for ASCII text
    (every paper page quotes its title twice: 0.3 s of rendering at 10,000 papers)."""
    return text.translate(_QUERY_ASCII) if text.isascii() else quote_plus(text)


def arxiv_search(title: str) -> str:
    """The arXiv title search for a paper (BibTeX entries give it as the URL)."""
    return ARXIV_SEARCH.format(q=query(title))


def lookup_links(title: str) -> tuple[LinkView, ...]:
    q = query(title)
    return (
        LinkView(ARXIV_SEARCH.format(q=q), "arXiv", "lookup"),
        LinkView(f"https://huggingface.co/papers?q={q}", "Hugging Face", "lookup"),
        LinkView(f"https://www.semanticscholar.org/search?q={q}", "Semantic Scholar", "lookup"),
        LinkView(f"https://scholar.google.com/scholar?q={q}", "Google Scholar", "lookup"),
    )


def tag_view(library: Library, tag: str) -> TagView:
    return TagView(tag, library.tag_names.get(tag, tag), urls.tag(tag), len(library.by_tag.get(tag, ())))


@lru_cache(maxsize=4096)
def tag_link(tag: str, name: str) -> TagView:
    """A tag as a paper shows it (no count): one shared object per tag, not one per paper."""
    return TagView(tag, name, urls.tag(tag))


@lru_cache(maxsize=4096)
def digest_link(source: str) -> TagView:
    """A digest as a paper shows it, shared like tag_link's."""
    return TagView(source, source, urls.digest(source))


def paper_view(library: Library, paper: LibraryPaper, cite_key: str) -> PaperView:
    return PaperView(
        slug=paper.slug,
        title=paper.title,
        url=urls.paper(paper.slug),
        abstract=paper.abstract,
        date=paper.date,
        date_display=display_date(paper.date, paper.date_written),
        date_written=paper.date_written,
        year=paper.year,
        authors=paper.authors,
        upvotes=paper.upvotes,
        # No counts in a paper's own tag and digest links: a paper page must not change
        # (and be re-rendered) because some other paper joined one of its tags.
        tags=tuple([tag_link(t, library.tag_names.get(t, t)) for t in paper.tags]),
        status=paper.status,
        status_label=STATUS_LABELS.get(paper.status or ""),
        rating=paper.rating,
        read_on=paper.read_on,
        added=paper.added,
        notes_html=to_html(paper.notes),
        links=tuple(
            LinkView(link.url, "Code" if link.kind == "code" else "Project page", link.kind) for link in paper.links
        ),
        sources=tuple([digest_link(s) for s in paper.sources]),
        is_new=bool(paper.added) and paper.added == library.latest_added,
        cite_key=cite_key,
        author_names=paper.author_names,
        arxiv=paper.arxiv,
        arxiv_version=paper.arxiv_version,
        doi=paper.doi,
        pdf=paper.pdf or (identifiers.pdf_url(paper.arxiv) if paper.arxiv else None),
        hf=paper.hf or (identifiers.hf_url(paper.arxiv) if paper.arxiv else None),
    )


@dataclass(frozen=True)
class Pager:
    number: int
    total: int
    prev_url: str | None
    next_url: str | None
    first_url: str
    last_url: str


def pages_of(items: tuple[PaperView, ...], size: int) -> list[tuple[PaperView, ...]]:
    """Split a listing into pages; an empty listing still has one (empty) page."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [()]
