"""A fast, exact reader for the simple front matter sitegen writes.

Reading a page's front matter with PyYAML (even its C loader) costs about 120 µs, most of
it building and constructing nodes in Python; at 10,000 pages that is most of a cold
build's reading time. The pages sitegen writes (`pages.new_page`) use a small part of
YAML: top-level `key: value` lines, block lists of plain or quoted scalars, lists of
small flat mappings (`links:`) and `[]` for an empty list. `load_simple` reads exactly
that part, line by line, and returns what `yaml.load` would, or None ("not sure") for
anything else, so that the caller falls back to YAML, its errors included.

Every value it does return must equal YAML's, types included, so it declines rather than
guesses: comments, tabs, CR and Unicode line breaks, control characters, BOMs, flow
collections, anchors, tags, block scalars, multi-line scalars, document markers,
duplicate keys, odd indentation, and scalar types it cannot construct identically
(floats, non-decimal ints, timestamps with times, impossible dates, merge keys) all
make it decline. Scalar types are decided by the loader's own implicit resolvers, so the
typing rules are YAML 1.1's as PyYAML applies them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["load_simple"]

_NO: Any = object()
"""Returned by the helpers for "cannot decide": the caller then returns None."""

_UNSAFE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
"""Characters the reader does not take: tabs, CR, control characters (YAML rejects them),
NEL and the Unicode line and paragraph separators (YAML line breaks), the BOM (a stream
marker in places) and lone surrogates."""
_ASCII_SAFE = bytes([0x0A, *range(0x20, 0x7F)])
"""The same rule for ASCII text (most pages), checked several times faster with bytes.translate."""

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,99}):(?: +|$)")
"""The start of a `key:` or `key: value` line; longer keys and other spellings decline."""

_PLAIN_START_ILLEGAL = frozenset("?:,[]{}#&*!|>'\"%@`")
"""Indicators a plain scalar may not start with (`-` is handled on its own: `-7` is plain)."""

_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})")
"""Ints constructed here: decimal, no underscores, small enough for int() without limits."""
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""Timestamps constructed here: dates alone (as datetime.date); a time declines."""
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
"""As SafeConstructor.bool_values (the resolver has already checked the spelling)."""

_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
"""Double-quoted escapes of one character (YAML 1.1's table, as libyaml reads it)."""
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_HEX = re.compile(r"[0-9A-Fa-f]+")

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def load_simple(front: str, loader: type[Any]) -> dict[str, Any] | None:
    """The front matter as `yaml.load(front, Loader=loader)` gives it, or None when this
    reader cannot be certain of that (the caller then uses YAML itself).

    `loader` (a PyYAML Loader class) supplies the implicit resolvers; a loader with
    wildcard or path resolvers is declined outright. Values are constructed as
    SafeConstructor constructs str, null, bool, int and (valid) date-only timestamps: a
    loader with other constructors for those tags must not be passed."""
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = loader.yaml_implicit_resolvers
    if None in resolvers or getattr(loader, "yaml_path_resolvers", None) or not _safe_chars(front):
        return None
    lines = front.split("\n")
    meta: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        match = _KEY.match(line)
        if match is None:
            if line.strip(" "):
                return None
            continue  # a blank line
        key = match[1]
        if key in meta or not _is_str_key(key, resolvers):
            return None
        rest = line[match.end() :]
        if rest.strip(" "):
            value = _scalar(rest, resolvers)
        else:
            value, i = _block_value(lines, i, resolvers)
        if value is _NO:
            return None
        meta[key] = value
    return meta or None


def _safe_chars(front: str) -> bool:
    """Whether every character is one the reader takes (see _UNSAFE)."""
    if front.isascii():
        return not front.encode("ascii").translate(None, _ASCII_SAFE)
    return _UNSAFE.search(front) is None


def _is_str_key(key: str, resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]]) -> bool:
    """Whether YAML reads the key as a string (`yes:` is True, `null:` None); resolved as
    _scalar resolves values."""
    for tag, regexp in resolvers.get(key[0], ()):
        if regexp.match(key):
            return tag == _STR
    return True


def _block_value(lines: list[str], i: int, resolvers: dict[Any, Any]) -> tuple[Any, int]:
    """The value of a `key:` with nothing after it: None, or the block list on the next
    lines (at indent 0 or 2). Returns the value and the index of the line after it."""
    j = i
    while j < len(lines) and not lines[j].strip(" "):
        j += 1
    if j == len(lines):
        return None, j
    line = lines[j]
    if line.startswith("-"):
        return _sequence(lines, j, "-", resolvers)
    if line.startswith("  -"):
        return _sequence(lines, j, "  -", resolvers)
    if line.startswith(" "):
        return _NO, j  # an indented value of another kind (a mapping, a scalar on its own line)
    return None, i


def _sequence(lines: list[str], j: int, dash: str, resolvers: dict[Any, Any]) -> tuple[Any, int]:
    """A block list whose items start with `dash` (`-` or `  -`), from lines[j] on."""
    items: list[Any] = []
    inner = " " * (len(dash) + 1)  # a mapping item's further keys line up after `- `
    head = dash + " "
    while j < len(lines):
        line = lines[j]
        j += 1
        if not line.startswith(head):
            if line == dash:
                items.append(None)  # `-` with nothing after it
                continue
            if line.startswith(dash):
                return _NO, j  # `-x`: not an item
            if line.strip(" "):
                return items, j - 1  # the next key (or whatever follows, for the caller to judge)
            continue  # a blank line
        text = line[len(head) :]
        if not text or text[0] == " ":
            if text.strip(" "):
                return _NO, j  # an item indented further than `- `
            items.append(None)  # `- ` with nothing after it
            continue
        match = _KEY.match(text) if ":" in text else None
        if match is None:
            item = _scalar(text, resolvers)
        else:
            item, j = _mapping_item(match, lines, j, inner, resolvers)
        if item is _NO:
            return _NO, j
        items.append(item)
    return items, j


def _mapping_item(
    match: re.Match[str], lines: list[str], j: int, inner: str, resolvers: dict[Any, Any]
) -> tuple[Any, int]:
    """A list item that is a flat mapping (`- url: ...` then `  kind: ...`); every value a
    scalar on the key's line. Returns the mapping (or _NO) and the next line's index."""
    mapping: dict[str, Any] = {}
    while True:
        key, rest = match[1], match.string[match.end() :]
        if key in mapping or not _is_str_key(key, resolvers) or not rest.strip(" "):
            return _NO, j
        value = _scalar(rest, resolvers)
        if value is _NO:
            return _NO, j
        mapping[key] = value
        if j == len(lines) or not lines[j].startswith(inner) or not lines[j].strip(" "):
            return mapping, j
        following = _KEY.match(lines[j], len(inner))
        if following is None:
            return _NO, j
        match = following
        j += 1


def _scalar(text: str, resolvers: dict[Any, Any]) -> Any:
    """A one-line scalar (no leading space; trailing spaces are not part of it). A short
    one is remembered: tags, digest names and dates recur across pages (at 10,000 pages,
    78,000 of 104,000 scalars are ones read before)."""
    text = text.rstrip(" ")
    if len(text) > _MEMO_LENGTH:
        return _read_scalar(text, resolvers)
    known = _MEMOS.get(id(resolvers))
    if known is None or known[0] is not resolvers:  # (an id can be reused once its dict is gone)
        if len(_MEMOS) >= 8:
            _MEMOS.clear()
        known = _MEMOS[id(resolvers)] = (resolvers, {})
    memo = known[1]
    value = memo.get(text, memo)
    if value is memo:
        value = _read_scalar(text, resolvers)
        if type(value) not in _MUTABLE:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[text] = value
    return value


_MEMOS: dict[int, tuple[dict[Any, Any], dict[str, Any]]] = {}
"""id of a loader's resolvers -> (those resolvers, text -> its value). Only immutable values
(str, int, bool, None, date) are kept, shared by every page."""
_MEMO_LENGTH = 40
_MEMO_LIMIT = 50_000
_MUTABLE = (list, dict)


def _read_scalar(text: str, resolvers: dict[Any, Any]) -> Any:
    """_scalar's value, read. A plain scalar is typed by the loader's implicit resolvers,
    with BaseResolver.resolve's own steps (the first resolver listed under its first
    character whose pattern matches gives the tag; none: str), which hold for a loader
    without wildcard or path resolvers (load_simple checks); inlined, as this runs for
    every value of every page."""
    first = text[0]
    if first in _PLAIN_START_ILLEGAL or (first == "-" and (len(text) == 1 or text[1] == " ")):
        return _not_plain(text)
    if ": " in text or " #" in text or text[-1] == ":":
        return _NO
    for tag, regexp in resolvers.get(first, ()):
        if regexp.match(text):
            return _typed(text, tag)
    return text


def _not_plain(text: str) -> Any:
    """A quoted scalar, or an empty flow collection (`tags: []` is how the dumper writes
    a paper without tags); anything else that cannot be plain declines."""
    first = text[0]
    if first == "'":
        return _single_quoted(text)
    if first == '"':
        return _double_quoted(text)
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return _NO


def _single_quoted(text: str) -> Any:
    """`'...'` with `''` for a quote; anything after the closing quote declines."""
    inner = text[1:-1]
    if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
        return _NO
    return inner.replace("''", "'")


def _double_quoted(text: str) -> Any:
    """`"..."` with YAML's escapes; an unknown or invalid escape declines (YAML's error)."""
    inner = text[1:-1]
    if len(text) < 2 or text[-1] != '"':
        return _NO
    if "\\" not in inner:
        return _NO if '"' in inner else inner
    out: list[str] = []
    i = 0
    while i < len(inner):
        stop = inner.find("\\", i)
        chunk = inner[i:] if stop < 0 else inner[i:stop]
        if '"' in chunk:
            return _NO
        out.append(chunk)
        if stop < 0:
            break
        char, i = _escape(inner, stop + 1)
        if char is None:
            return _NO
        out.append(char)
    return "".join(out)


def _escape(inner: str, i: int) -> tuple[str | None, int]:
    """The character an escape at inner[i] (after the backslash) stands for, and where
    the text goes on; None for an escape this reader does not take."""
    code = inner[i : i + 1]
    if code in _ESCAPES:
        return _ESCAPES[code], i + 1
    width = _HEX_ESCAPES.get(code)
    digits = inner[i + 1 : i + 1 + width] if width else ""
    if not width or len(digits) != width or not _HEX.fullmatch(digits):
        return None, i
    value = int(digits, 16)
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        return None, i
    return chr(value), i + 1 + width


def _typed(text: str, tag: str) -> Any:
    """A plain scalar's value for its resolved tag, constructed as SafeConstructor does,
    for the tags and forms where that is certain (str, None, bool, decimal int, date)."""
    if tag == _STR:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _BOOLS.get(text.lower(), _NO)
    if tag == _INT:
        return int(text) if _DECIMAL.fullmatch(text) else _NO
    if tag == _TIMESTAMP:
        return _date(text)
    return _NO


def _date(text: str) -> Any:
    """A `YYYY-MM-DD` timestamp as a datetime.date (date.fromisoformat reads that form as
    SafeConstructor does: date(year, month, day)); a time, or an impossible date (YAML's
    error), declines."""
    if not _DATE.fullmatch(text):
        return _NO
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return _NO
