"""The reading workflow's decisions: which page a name means, and how a page's text
changes when it is marked, rated, tagged or annotated. Text in, text out; the
commands in reading_cli do the file I/O.

Edits are surgical: only the characters of the value being changed are replaced
(or a line inserted or deleted), so the user's comments, quoting, indentation,
line endings, BOM and body stay byte for byte. A full ruamel round trip (the
importer's approach) would re-indent `  - tag` lists and move comments, so it is
used only as a fallback for layouts the surgical edit does not handle, and every
result is checked by parsing it back before it is returned.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from .library import STATUSES, LibraryPaper, descending
from .models import Problem
from .pages import PageError, PageText, parse_front, read_page
from .papers import paper_key

MAX_MATCHES = 10
"""How many candidates an ambiguous name lists."""
TABLE_WIDTH = 100
MIN_TITLE = 35
"""Columns the title keeps in `table`, however long the slugs."""
SORTS = ("date", "title", "added", "rating")
NO_STATUS = "none"
"""`list --status none`: papers without a status."""
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


# --------------------------------------------------------------------------- editing front matter


def _round_trip() -> Any:
    """ruamel set up as pages.update_page sets it up (the fallback editor). Imported here:
    every sitegen command loads this module, few of them edit pages this way."""
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1_000_000_000
    rt.indent(mapping=2, sequence=2, offset=0)
    return rt


def _inline(value: Any) -> str:
    """One plain or quoted YAML scalar, valid both in block and flow context."""
    dumped = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=1_000_000_000)
    return dumped.strip()[1:-1]


def _flow_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_inline(v) for v in values) + "]"


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Index of the line terminator after `index` (of the `\\r` of a CRLF), or len(text)."""
    end = text.find("\n", index)
    if end == -1:
        return len(text)
    return end - 1 if end > index and text[end - 1] == "\r" else end


class _Unsupported(Exception):
    """A layout the surgical editor leaves to the round-trip fallback."""


def _top_level(front: str) -> tuple[yaml.MappingNode, dict[str, tuple[yaml.Node, yaml.Node]]]:
    try:
        root = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise _Unsupported from err
    if root is None:
        return yaml.MappingNode("tag:yaml.org,2002:map", []), {}
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise _Unsupported
    nodes = {}
    for key_node, value_node in root.value:
        if isinstance(key_node, yaml.ScalarNode):
            nodes[key_node.value] = (key_node, value_node)
    return root, nodes


def _single_line_scalar(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and node.style in (None, "'", '"')
        and node.start_mark.line == node.end_mark.line
    )


def _append_key(front: str, root: yaml.MappingNode, key: str, value: Any, newline: str) -> str:
    """`key: value` as a new last key, before any blank lines that end the front matter."""
    indent = " " * (root.value[0][0].start_mark.column if root.value else 0)
    if isinstance(value, list):
        item_indent = indent
        for _, node in root.value:  # follow the page's own list indentation
            if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
                item_indent = " " * node.start_mark.column
                break
        lines = (
            [f"{indent}{key}: []"]
            if not value
            else [f"{indent}{key}:"] + [f"{item_indent}- {_inline(v)}" for v in value]
        )
    else:
        lines = [f"{indent}{key}: {_inline(value)}"]
    block = newline.join(lines)
    content_end = len(front.rstrip("\r\n"))
    if content_end == 0:
        return block + front
    return front[:content_end] + newline + block + front[content_end:]


def _edit_list(front: str, key_node: yaml.Node, node: yaml.Node, new: list[Any], newline: str) -> str:
    """Delete the lines of removed items, add new items as lines after the last one."""
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        return front[: node.start_mark.index] + _flow_list(new) + front[node.end_mark.index :]
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null" and not node.value:
        if not new:
            return _set_scalar_text(front, node, "[]")
        end = _line_end(front, node.end_mark.index)  # `tags:` alone: items on the lines below
        indent = " " * key_node.start_mark.column
        return front[:end] + "".join(f"{newline}{indent}- {_inline(v)}" for v in new) + front[end:]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise _Unsupported
    items = []
    for item in node.value:
        if not _single_line_scalar(item):
            raise _Unsupported
        start, end = _line_start(front, item.start_mark.index), _line_end(front, item.end_mark.index)
        prefix, rest = front[start : item.start_mark.index], front[item.end_mark.index : end]
        if not re.fullmatch(r"[ \t]*-[ \t]+", prefix) or not re.fullmatch(r"[ \t]*(#.*)?", rest):
            raise _Unsupported
        items.append((yaml.safe_load(front[item.start_mark.index : item.end_mark.index]), start, end, prefix))
    old = [value for value, *_ in items]
    kept = [v for v in old if v in new]
    if kept != new[: len(kept)]:
        raise _Unsupported  # a reordering: not a plain add/remove
    added = new[len(kept) :]
    if not kept and not added:  # every item removed: an empty list, not a null
        colon = front.index(":", key_node.end_mark.index)
        key_line_end = _line_end(front, colon)
        return front[: colon + 1] + " []" + front[colon + 1 : key_line_end] + front[items[-1][2] :]
    out = front
    last_end, last_prefix = items[-1][2], items[-1][3]
    if added:
        out = out[:last_end] + "".join(newline + last_prefix + _inline(v) for v in added) + out[last_end:]
    for value, start, end, _ in reversed(items):
        if value in new:
            continue
        if end < len(out):  # delete the line with its terminator
            out = out[:start] + out[out.index("\n", end) + 1 :]
        else:  # the last line of the front matter: delete the terminator before it
            cut = start - 1
            if cut > 0 and out[cut - 1] == "\r":
                cut -= 1
            out = out[: max(cut, 0)] + out[end:]
    return out


def _set_scalar_text(front: str, node: yaml.Node, text: str) -> str:
    """Replace a scalar value's characters; an empty value (`key:`) gets one inserted."""
    if node.start_mark.index == node.end_mark.index:  # `key:` with no value
        return front[: node.start_mark.index] + " " + text + front[node.end_mark.index :]
    return front[: node.start_mark.index] + text + front[node.end_mark.index :]


def _surgical(front: str, changes: Mapping[str, Any], newline: str) -> str:
    for key, value in changes.items():
        root, nodes = _top_level(front)
        if key not in nodes:
            front = _append_key(front, root, key, value, newline)
            continue
        key_node, node = nodes[key]
        if isinstance(value, list):
            front = _edit_list(front, key_node, node, value, newline)
        elif _single_line_scalar(node):
            front = _set_scalar_text(front, node, _inline(value))
        else:
            raise _Unsupported
    return front


def _rewritten(front: str, changes: Mapping[str, Any], newline: str) -> str:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError as RuamelError

    rt = _round_trip()
    try:
        doc = rt.load(front)
    except RuamelError as err:
        raise _Unsupported from err
    if doc is None:
        doc = CommentedMap()
    for key, value in changes.items():
        doc[key] = value
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue().replace("\n", newline)


def _front_span(text: str, parts: PageText) -> tuple[int, int]:
    """Where the front matter sits in the page's text."""
    start = text.index(parts.newline) + len(parts.newline)
    return start, start + len(parts.front)


def set_keys(text: str, changes: Mapping[str, Any], source: str) -> str:
    """The page with each front-matter key in `changes` set to its value (appended when
    missing), every other character unchanged. Raises PageError for a page it cannot read."""
    meta, parts = read_page(text, source)
    expected = {**meta, **changes}
    start, end = _front_span(text, parts)
    for edit in (_surgical, _rewritten):
        try:
            front = edit(parts.front, changes, parts.newline)
        except _Unsupported:
            continue
        try:
            ok = list(parse_front(front, source).items()) == list(expected.items())
        except PageError:
            ok = False
        if ok:
            if not parts.front and front:  # `---` directly followed by `---`
                front += parts.newline
            return text[:start] + front + text[end:]
    raise PageError(Problem(source, 1, "cannot edit this front matter safely; edit the file by hand"))


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
        present = any(str(t) == name for t in tags)
        if sign == "+" and present:
            said.append(f"already tagged {name}")
        elif sign == "+":
            tags.append(name)
            said.append(f"added {name}")
        elif present:
            tags = [t for t in tags if str(t) != name]
            said.append(f"removed {name}")
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


def select(
    papers: Iterable[LibraryPaper], status: str | None = None, tags: Sequence[str] = (), sort: str = "date"
) -> list[LibraryPaper]:
    """Papers with `status` (NO_STATUS: none) and every tag in `tags`, in `sort` order:
    date and added newest first, rating best first, title A-Z; missing values last."""
    chosen = [
        p
        for p in papers
        if (status is None or p.status == (None if status == NO_STATUS else status)) and all(t in p.tags for t in tags)
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
