"""The reading workflow's decisions: which page a name means, and how a page's text
changes when it is marked, rated, tagged or annotated. Text in, text out; the
commands in reading.commands do the file I/O; the front matter is edited surgically by
pagefile.frontedit.set_keys.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen.core.identity import tag_key
from sitegen.core.keys import paper_key
from sitegen.pagefile.frontedit import set_keys
from sitegen.pagefile.pages import read_page
from sitegen.reading.arguments import NO_STATUS
from sitegen.site.library import STATUSES, LibraryPaper, descending

MAX_MATCHES = 10
"""How many candidates an ambiguous name lists."""
TABLE_WIDTH = 100
MIN_TITLE = 35
"""Columns the title keeps in `table`, however long the slugs."""
ELLIPSIS = "…"


# --------------------------------------------------------------------------- resolving names


@dataclass(frozen=True)
class Unresolved:
    """A name that does not pick exactly one paper."""

    query: str
    matches: tuple[tuple[str, str], ...]
    """(slug, title) of every candidate; empty when nothing matched."""

    def message(self, limit: int = MAX_MATCHES) -> str:
        if not self.matches:
            return f"no paper matches {self.query!r} ('sitegen list' shows them all)"
        lines = [
            f"{self.query!r} matches {len(self.matches)} papers; nothing changed. Be more specific, or use a slug:"
        ]
        width = max(len(slug) for slug, _ in self.matches[:limit])
        lines += [f"  {slug:<{width}}  {title}".rstrip() for slug, title in self.matches[:limit]]
        if len(self.matches) > limit:
            lines.append(f"  ... and {len(self.matches) - limit} more")
        return "\n".join(lines)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def resolve(query: str, pages: Mapping[str, str]) -> str | Unresolved:
    """The slug `query` names, among `pages` (slug -> title; "" for an unreadable page).

    An exact slug wins (a path like `content/papers/<slug>.md` is accepted too), then
    an exact title (compared as the importer compares titles), then the one paper
    whose title or slug contains every word of the query. A word may end in `…`, as
    a slug cut short by `sitegen list` does.
    """
    query = query.strip()
    candidates = [query]
    if query.endswith(".md"):
        candidates.append(query.replace("\\", "/").rsplit("/", 1)[-1][:-3])
    for candidate in candidates:
        if candidate in pages:
            return candidate

    def found(slugs: Iterable[str]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(((s, pages[s]) for s in slugs), key=lambda m: (_fold(m[1]), m[0])))

    if not query:
        return Unresolved(query, ())
    key = paper_key(query)
    same_title = [slug for slug, title in pages.items() if title and paper_key(title) == key]
    if len(same_title) == 1:
        return same_title[0]
    if same_title:
        return Unresolved(query, found(same_title))
    words = [_fold(w.rstrip(ELLIPSIS)) for w in query.split()]  # before NFKC turns `…` into `...`
    words = [w for w in words if w]
    if not words:
        return Unresolved(query, ())
    hits = []
    for slug, title in pages.items():
        folded = _fold(title)
        if all(w in folded or w in slug for w in words):
            hits.append(slug)
    if len(hits) == 1:
        return hits[0]
    return Unresolved(query, found(hits))


# --------------------------------------------------------------------------- the commands' edits


@dataclass(frozen=True)
class Edit:
    """A command's outcome on one page: the new text (None: nothing to change) and what to say."""

    text: str | None
    messages: tuple[str, ...]


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def mark(text: str, status: str, today: dt.date, source: str, read_on: dt.date | None = None) -> Edit:
    """Set `status`; marking a paper read also records `read_on` (today, unless the page
    already has a date there or `read_on` is given explicitly)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    meta, _ = read_page(text, source)
    changes: dict[str, Any] = {}
    said = []
    old = meta.get("status")
    if old != status:
        changes["status"] = status
        said.append(f"status: {old} -> {status}" if old not in (None, "") else f"status: {status}")
    if status == "read":
        current = meta.get("read_on")
        wanted = read_on or (today if current in (None, "") else None)
        if wanted is not None and _iso(current) != wanted.isoformat():
            changes["read_on"] = wanted
            said.append(f"read_on: {wanted.isoformat()}")
    if not changes:
        note = f" (read on {_iso(meta['read_on'])})" if status == "read" and meta.get("read_on") else ""
        return Edit(None, (f"already {status}{note}; nothing changed",))
    return Edit(set_keys(text, changes, source), (", ".join(said),))


def rate(text: str, rating: int, source: str) -> Edit:
    if isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1-5, got {rating!r}")
    meta, _ = read_page(text, source)
    old = meta.get("rating")
    if old == rating and not isinstance(old, bool):
        return Edit(None, (f"already rated {rating}/5; nothing changed",))
    said = f"rating: {old} -> {rating}" if old not in (None, "") else f"rating: {rating}"
    return Edit(set_keys(text, {"rating": rating}, source), (said,))


def parse_tag_ops(args: Sequence[str]) -> list[tuple[str, str]]:
    """`+tag` / `-tag` arguments as (sign, tag) pairs; ValueError explains a bad one."""
    ops = []
    for arg in args:
        sign, tag = arg[:1], arg[1:].strip()
        if sign not in "+-" or not sign:
            raise ValueError(f"{arg!r}: write +TAG to add a tag or -TAG to remove one")
        if not tag or tag[0] in "+-" or any(c.isspace() for c in tag):
            hint = " (not an option of sitegen tag)" if arg.startswith("--") else ""
            raise ValueError(f"{arg!r} is not a tag{hint}")
        ops.append((sign, tag))
    return ops


def tag_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def tag(text: str, ops: Sequence[tuple[str, str]], source: str) -> Edit:
    """Add and remove tags in `tags`, keeping their order. `auto_tags` is left alone:
    it is the importer's record, which lets its three-way merge keep these edits."""
    meta, _ = read_page(text, source)
    before = tag_list(meta.get("tags"))
    tags = list(before)  # the page's own values (a tag written 2024 stays an int)
    said = []
    for sign, name in ops:
        key = tag_key(name)  # `+LLM` on a page tagged `llm` is already there; `-LLM` removes it
        present = [str(t) for t in tags if tag_key(str(t)) == key]
        if sign == "+" and present:
            said.append(f"already tagged {name}" + ("" if present == [name] else f" (as {', '.join(present)})"))
        elif sign == "+":
            tags.append(name)
            said.append(f"added {name}")
        elif present:
            tags = [t for t in tags if tag_key(str(t)) != key]
            said.append(f"removed {', '.join(present)}")
        else:
            said.append(f"not tagged {name}")
    summary = f"tags: {', '.join(map(str, tags)) if tags else '(none)'}"
    if tags == before:
        return Edit(None, (*said, summary + "; nothing changed"))
    return Edit(set_keys(text, {"tags": tags}, source), (*said, summary))


def append_note(text: str, note: str, source: str) -> Edit:
    """`note` as a new paragraph at the end of the body: after a blank line, ending in
    a newline, in the page's own line endings. The existing text is kept as it is."""
    _, parts = read_page(text, source)
    nl = parts.newline
    paragraph = "\n".join(line.rstrip() for line in note.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    paragraph = paragraph.strip("\n")
    if not paragraph.strip():
        raise ValueError("the note is empty")
    body = parts.body
    if not text.endswith(nl):  # the last line (the closing `---`, or notes) is unterminated
        pad = nl if not body.strip() else nl + nl
    elif body.strip() and not body.endswith(nl + nl):
        pad = nl
    else:  # no notes yet, or already a blank line at the end
        pad = ""
    return Edit(text + pad + paragraph.replace("\n", nl) + nl, ("note added",))


# --------------------------------------------------------------------------- listing


def unknown_tags(papers: Iterable[LibraryPaper], tags: Sequence[str]) -> list[str]:
    """The tags in `tags` that no paper has in any spelling (identity.tag_key)."""
    known = {t for p in papers for t in p.tags}
    return [t for t in tags if tag_key(t) not in known]


def select(
    papers: Iterable[LibraryPaper], status: str | None = None, tags: Sequence[str] = (), sort: str = "date"
) -> list[LibraryPaper]:
    """Papers with `status` (NO_STATUS: none) and every tag in `tags` (any spelling of it), in
    `sort` order: date and added newest first, rating best first, title A-Z; missing values last."""
    keys = [tag_key(t) for t in tags]
    chosen = [
        p
        for p in papers
        if (status is None or p.status == (None if status == NO_STATUS else status)) and all(k in p.tags for k in keys)
    ]
    if sort == "title":
        return sorted(chosen, key=lambda p: (p.title.casefold(), p.slug))
    if sort == "added":
        return sorted(chosen, key=lambda p: (p.added is None, descending(p.added or ""), p.sort_key, p.slug))
    if sort == "rating":
        return sorted(chosen, key=lambda p: (-(p.rating or 0), p.sort_key, p.slug))
    if sort != "date":
        raise ValueError(f"unknown sort {sort!r}")
    return sorted(chosen, key=lambda p: (p.sort_key, p.slug))


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two, combining marks none."""
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` columns, ending in `…` when cut."""
    text = " ".join(text.split())
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def table(papers: Sequence[LibraryPaper], width: int = TABLE_WIDTH, header: bool = True) -> list[str]:
    """Aligned rows (slug, status, rating, date, title) no wider than `width` columns.

    The title takes what the other columns leave; a slug too long to leave the title
    MIN_TITLE columns is cut with `…` (a cut slug still names its paper: the resolver
    accepts it as a word of the name)."""
    rows = [(p.slug, p.status or "-", f"{p.rating}/5" if p.rating else "-", p.date or "-", p.title) for p in papers]
    heads = ("SLUG", "STATUS", "RATING", "DATE", "TITLE")
    gap = "  "
    fixed = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads[:4])]
    room_for_slug = width - sum(fixed[1:]) - len(gap) * 4 - MIN_TITLE
    fixed[0] = max(len(heads[0]), min(fixed[0], room_for_slug))
    title_width = max(width - sum(fixed) - len(gap) * 4, 1)
    lines = []
    for row in ([heads] if header else []) + rows:
        cells = [_pad(truncate(cell, w), w) for cell, w in zip(row[:4], fixed, strict=True)]
        lines.append((gap.join(cells) + gap + truncate(row[4], title_width)).rstrip())
    return lines
