"""The plain values that flow between sitegen's stages. No I/O here.

digests --parse--> Digest --merge--> Paper --write--> content/papers/<slug>.md
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    entries: tuple[Entry, ...] = field(default=(), compare=False, repr=False)
