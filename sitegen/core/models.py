"""The plain values that flow between sitegen's stages. No I/O here.

digests --parse--> Digest --merge--> Paper --write--> content/papers/<slug>.md
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = ("to-read", "reading", "read", "dropped")
"""A paper's reading status, in the order a reader goes through them."""


@dataclass(frozen=True)
class Problem:
    """Something the user should know about, pinned to a file and line."""

    source: str
    """File name (or path) the problem was found in."""
    line: int
    """1-based line number; 0 when the problem concerns the whole file."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Identifiers:
    """What identifies a paper beyond its title, and where to read it. Text digests
    give none of it; Hugging Face JSON, id lists and bibliographies do."""

    arxiv: str | None = None
    """arXiv id without version (`2403.12345`, `hep-th/9901001`); see identifiers.py."""
    arxiv_version: int | None = None
    doi: str | None = None
    """Lower-cased, without `doi:` or the resolver's address."""
    authors: tuple[str, ...] = ()
    """Author names, in the paper's order."""
    published: str | None = None
    """ISO date the paper was published (its first arXiv version)."""
    pdf: str | None = None
    hf: str | None = None
    """The Hugging Face paper page."""

    def __bool__(self) -> bool:
        return any((self.arxiv, self.doi, self.authors, self.published, self.pdf, self.hf))


NO_IDS = Identifiers()


@dataclass(frozen=True)
class Entry:
    """One paper as a digest lists it, before merging across digests."""

    title: str
    abstract: str
    """Cleaned abstract; empty when the digest showed none."""
    source: str
    """Digest file name the entry came from."""
    line: int
    """Line of the title in the digest (1-based)."""
    authors: int | None = None
    """Author count shown on the listing (`• 5 authors`), when shown."""
    date_text: str | None = None
    """The date as the listing wrote it: `Mar 13, 2024` or `Apr 3`."""
    date: str | None = None
    """`date_text` resolved to an ISO date (`2024-03-13`)."""
    upvotes: int | None = None
    """The count after the date (`Mar 13, 2024 1`), when shown."""
    ids: Identifiers = field(default_factory=lambda: NO_IDS)
    """Identifiers, author names and links that richer inputs (JSON, id lists) give."""


@dataclass(frozen=True)
class Digest:
    """A parsed digest file: its entries and what was skipped, with lines."""

    source: str
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...] = ()
    capture_date: str | None = None
    """ISO date the listing was captured, when it can be known."""
    is_digest: bool = True
    """False for a file that is not a digest at all (notes, binary data)."""


@dataclass(frozen=True)
class Link:
    url: str
    kind: str
    """`code` (a repository) or `project` (any other page)."""


@dataclass(frozen=True)
class Paper:
    """One paper after merging all its entries; the digest-owned facts."""

    key: str
    """Identity: the title normalised for case, Unicode form, spaces and end punctuation."""
    title: str
    abstract: str
    sources: tuple[str, ...]
    authors: int | None = None
    date_text: str | None = None
    date: str | None = None
    upvotes: int | None = None
    links: tuple[Link, ...] = ()
    tags: tuple[str, ...] = ()
    """Tags the taxonomy gives the paper (before the user's own edits)."""
    added: str | None = None
    """When the paper first entered the list: its earliest digest's capture date."""
    ids: Identifiers = field(default_factory=lambda: NO_IDS)
    """Identifiers and author names, merged from every entry that gave them."""
    entries: tuple[Entry, ...] = field(default=(), compare=False, repr=False)
