"""Reading a taxonomy regex's source for what every match must contain: no `re` internals.

`tagindex` skips regexes that cannot match a paper and counts some without running them; both
rest on what this module reads from a pattern's text. It knows literals, escapes, classes,
groups, alternatives, lookarounds and quantifiers, and gives up on anything else (inline
flags, backreferences, conditionals, `{` that is not a quantifier, `\\x41`-style escapes):
a regex it gives up on is simply run on every paper. Patterns are read as compiled with
`re.IGNORECASE` and nothing else; letters are lowercased.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

_QUANTIFIER = re.compile(r"\{(\d*)(?:,(\d*))?\}")
MAX_WORDS = 256
"""The most words a word pattern may stand for (`\\b(?:a|b)[0-9][0-9]\\b` is 200)."""


class _Unsupported(Exception):
    """Syntax this reader does not know."""


@dataclass(frozen=True)
class Group:
    """A group or a quantified atom: alternatives (lists of items), repeated min to max (None: no limit) times."""

    alternatives: list[list[object]]
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class Class:
    """A character class; `chars` (lowercased) when it is only ASCII letters, digits and ranges of them."""

    chars: frozenset[str] | None


BOUNDARY = "\\b"
"""The `\\b` item (a literal item is a single printable ASCII character, lowercased, so this cannot clash)."""
OTHER = "other"
"""Any item that is neither a literal character nor a class nor `\\b`: `.`, anchors,
lookarounds, escapes such as `\\d`, non-ASCII characters."""


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def parse(pattern: str) -> list[list[object]]:
    """The pattern as alternatives of item lists; raises ValueError on syntax this reader does not know."""
    try:
        alternation, end = _parse_alternation(pattern, 0)
    except (_Unsupported, RecursionError, IndexError):
        raise ValueError(f"not understood: {pattern!r}") from None
    if end != len(pattern):
        raise ValueError(f"unbalanced ')': {pattern!r}")
    return alternation


def _parse_alternation(pattern: str, i: int) -> tuple[list[list[object]], int]:
    sequences = []
    sequence, i = _parse_sequence(pattern, i)
    sequences.append(sequence)
    while i < len(pattern) and pattern[i] == "|":
        sequence, i = _parse_sequence(pattern, i + 1)
        sequences.append(sequence)
    return sequences, i


def _parse_sequence(pattern: str, i: int) -> tuple[list[object], int]:
    items: list[object] = []
    while i < len(pattern) and pattern[i] not in "|)":
        item, i = _parse_atom(pattern, i)
        repeat, i = _parse_quantifier(pattern, i)
        if repeat is not None:
            inner = item.alternatives if isinstance(item, Group) and (item.min, item.max) == (1, 1) else [[item]]
            item = Group(inner, *repeat)
        items.append(item)
    return items, i


def _close(pattern: str, i: int) -> int:
    if i >= len(pattern) or pattern[i] != ")":
        raise _Unsupported
    return i + 1


def _parse_atom(pattern: str, i: int) -> tuple[object, int]:
    char = pattern[i]
    if char == "(":
        if pattern.startswith("(?:", i):
            inner, j = _parse_alternation(pattern, i + 3)
            return Group(inner), _close(pattern, j)
        if pattern.startswith("(?P<", i):
            end = pattern.find(">", i)
            if end < 0:
                raise _Unsupported
            inner, j = _parse_alternation(pattern, end + 1)
            return Group(inner), _close(pattern, j)
        for look in ("(?=", "(?!", "(?<=", "(?<!"):
            if pattern.startswith(look, i):  # zero width: it requires nothing of the match's own text
                _, j = _parse_alternation(pattern, i + len(look))
                return OTHER, _close(pattern, j)
        if pattern.startswith("(?", i):  # inline flags, comments, conditionals, (?P=name)
            raise _Unsupported
        inner, j = _parse_alternation(pattern, i + 1)
        return Group(inner), _close(pattern, j)
    if char == "[":
        simple = _simple_class(pattern, i)
        if simple is not None:
            return simple
        j = i + 1
        if j < len(pattern) and pattern[j] == "^":
            j += 1
        if j < len(pattern) and pattern[j] == "]":  # a leading ] is a literal
            j += 1
        while j < len(pattern) and pattern[j] != "]":
            j += 2 if pattern[j] == "\\" else 1
        if j >= len(pattern):
            raise _Unsupported
        return Class(None), j + 1
    if char == "\\":
        escaped = pattern[i + 1]
        if escaped == "b":
            return BOUNDARY, i + 2
        if escaped in "BAZdDwWsSntrfv":
            return OTHER, i + 2  # anchors, classes and whitespace escapes
        if escaped.isascii() and escaped.isprintable() and not escaped.isalnum():
            return escaped, i + 2  # escaped punctuation: itself
        if not escaped.isascii():
            return OTHER, i + 2
        raise _Unsupported  # \1 backreferences, \x41, \u00e9, \N{...}: a word character in disguise
    if char in "*+?{":
        raise _Unsupported  # nothing to repeat, or a literal brace: leave it to `re`
    if char in ".^$" or not (char.isascii() and char.isprintable()):
        return OTHER, i + 1  # any character, anchors, non-ASCII and control characters
    return char.lower(), i + 1  # letters, digits, spaces, punctuation: themselves


def _simple_class(pattern: str, i: int) -> tuple[Class, int] | None:
    """A class of printable ASCII characters and ranges of letters or digits (`[sz]`, `[- ]`,
    `[2-8]`), lowercased; None for any other (negated, escapes, other ranges)."""
    j = i + 1
    chars: set[str] = set()
    while j < len(pattern) and pattern[j] != "]" or j == i + 1 and pattern.startswith("]", j):
        char = pattern[j]
        if char in "\\[" or (char == "^" and j == i + 1) or not (char.isascii() and char.isprintable()):
            return None
        if pattern.startswith("-", j + 1) and j + 2 < len(pattern) and pattern[j + 2] != "]":
            last = pattern[j + 2]
            same_kind = (char.isdigit() and last.isdigit()) or (
                char.isalpha() and last.isalpha() and char.isupper() == last.isupper()
            )
            if not (same_kind and char.isascii() and last.isascii() and char <= last):
                return None
            chars.update(chr(c).lower() for c in range(ord(char), ord(last) + 1))
            j += 3
            continue
        chars.add(char.lower())
        j += 1
    if j >= len(pattern) or not chars:
        return None
    return Class(frozenset(chars)), j + 1


def _parse_quantifier(pattern: str, i: int) -> tuple[tuple[int, int | None] | None, int]:
    if i >= len(pattern):
        return None, i
    char = pattern[i]
    repeat: tuple[int, int | None]
    if char == "?":
        repeat, i = (0, 1), i + 1
    elif char == "*":
        repeat, i = (0, None), i + 1
    elif char == "+":
        repeat, i = (1, None), i + 1
    elif char == "{":
        match = _QUANTIFIER.match(pattern, i)
        if match is None:
            raise _Unsupported
        low = int(match[1] or 0)
        if match[2] is None and "," not in match[0]:
            high: int | None = low
        else:
            high = int(match[2]) if match[2] else None
        repeat, i = (low, high), match.end()
    else:
        return None, i
    if i < len(pattern) and pattern[i] in "?+":  # lazy or possessive: the same counts
        i += 1
    return repeat, i


Needles = tuple[frozenset[str], ...]
"""Sets of needles, each one met by every match: at least one needle of each set is in the
match's text (lowercased). The empty tuple says nothing is known."""


def _best(found: Needles) -> frozenset[str]:
    """The set that rules out most, judged by length: the longest shortest needle, then the fewest."""
    return max(found, key=lambda s: (min(map(len, s)), -len(s)))


def _sequence_needles(sequence: Sequence[object]) -> Needles:
    found: list[frozenset[str]] = []
    run = ""
    for item in sequence:
        if isinstance(item, str) and len(item) == 1 and _is_word_char(item):
            run += item
            continue
        if run:
            found.append(frozenset({run}))
        run = ""
        if isinstance(item, Group) and item.min >= 1:
            found.extend(_alternation_needles(item.alternatives))
    if run:
        found.append(frozenset({run}))
    return tuple(dict.fromkeys(found))


def _alternation_needles(alternation: Sequence[Sequence[object]]) -> Needles:
    if len(alternation) == 1:
        return _sequence_needles(alternation[0])
    union: set[str] = set()
    for sequence in alternation:
        found = _sequence_needles(sequence)
        if not found:
            return ()  # this alternative can match without any needle
        union |= _best(found)
    return (frozenset(union),)


def needles(pattern: str) -> Needles:
    """Sets of lowercase runs of ASCII letters, digits and `_` such that every match of
    `pattern` holds, lowercased, one run of each set; () when nothing is known or the
    syntax is not understood. `needles(r"\\b(?:int|fp)[2-8]\\b")` is ({"int", "fp"},);
    `needles("moe training")` is ({"moe"}, {"training"})."""
    try:
        return _alternation_needles(parse(pattern))
    except ValueError:
        return ()


def best_needles(found: Needles) -> frozenset[str]:
    """The set of `found` to look a pattern up by (the others are checked after)."""
    return _best(found)


def _expand(alternation: Sequence[Sequence[object]]) -> set[str] | None:
    out: set[str] = set()
    for sequence in alternation:
        parts: list[set[str]] = []
        for item in sequence:
            if isinstance(item, str) and len(item) == 1:
                parts.append({item})
            elif isinstance(item, Class) and item.chars is not None:
                parts.append(set(item.chars))
            elif isinstance(item, Group) and (item.min, item.max) in ((1, 1), (0, 1)):
                inner = _expand(item.alternatives)
                if inner is None:
                    return None
                parts.append(inner | {""} if item.min == 0 else inner)
            else:
                return None
            if len(parts[-1]) > MAX_WORDS:
                return None
        words = {"".join(p) for p in itertools.product(*parts)}
        if len(words) > MAX_WORDS:
            return None
        out |= words
    return out


def whole_words(pattern: str) -> frozenset[str] | None:
    """The words (lowercase ASCII letters, digits, `_`) a pattern of the form `\\b...\\b`
    matches, when between its two `\\b` it matches only whole strings of word characters
    from a finite set: `\\bimages?\\b` gives {"image", "images"}. With `re.IGNORECASE` such
    a pattern's matches are exactly the text's `\\w+` words that are one of these words in
    any case. None for any other pattern."""
    try:
        alternation = parse(pattern)
    except ValueError:
        return None
    if len(alternation) != 1:
        return None
    items = alternation[0]
    if len(items) < 3 or items[0] != BOUNDARY or items[-1] != BOUNDARY:
        return None
    words = _expand([items[1:-1]])
    if not words or "" in words or not all(_is_word_char(c) for w in words for c in w):
        return None
    return frozenset(words)


_LITERAL = re.compile(r"[A-Za-z0-9_ -]+")


def plain_literal(pattern: str) -> str | None:
    """The pattern lowercased when it is plain text (ASCII letters, digits, `_`, space, `-`:
    no regex syntax at all), else None. Such a pattern matches its own text in any case."""
    return pattern.lower() if _LITERAL.fullmatch(pattern) else None


MAX_PHRASES = 8
"""The most strings a phrase set may hold: each is looked for in the whole text."""


def _sequence_phrases(sequence: Sequence[object]) -> frozenset[str] | None:
    best: set[str] | None = None
    current: set[str] = {""}

    def better(candidate: set[str], than: set[str] | None) -> bool:
        return than is None or min(map(len, candidate)) > min(map(len, than))

    for item in [*sequence, OTHER]:
        if item == BOUNDARY:
            continue  # zero width: the characters around it are next to each other in the match
        part = None if item == OTHER else _expand([[item]])
        if part is not None and len(current) * len(part) <= MAX_PHRASES:
            current = {a + b for a in current for b in part}
            continue
        if "" not in current and better(current, best):
            best = current
        current = {""} if part is None else part
    return frozenset(best) if best else None


def phrases(pattern: str) -> frozenset[str] | None:
    """Lowercase strings of printable ASCII characters one of which every match of `pattern`
    (compiled with `re.IGNORECASE`) holds, lowercased: `phrases("scale of the (?:LM|model)")`
    is {"scale of the lm", "scale of the model"}. None when nothing is known."""
    try:
        alternation = parse(pattern)
    except ValueError:
        return None
    union: set[str] = set()
    for sequence in alternation:
        found = _sequence_phrases(sequence)
        if found is None:
            return None
        union |= found
    return frozenset(union)


_CASELESS_ESCAPES = frozenset("bBAZdDwWsSntrfv")
"""Escapes whose meaning is the same in either case of the text (`\\w` is `\\w` of `A` and of `a`)."""
_GROUP_OPENINGS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")


def _same_kind_range(low: str, high: str) -> bool:
    """Whether a class range `low-high` means, lowercased, what it means under IGNORECASE: two
    digits, two letters of one case, or two characters with no letter between them."""
    if low.isdigit() and high.isdigit():
        return True
    if low.isalpha() and high.isalpha():
        return low.islower() == high.islower()
    return not any(chr(c).isalpha() for c in range(ord(low), ord(high) + 1))


def lowered(pattern: str) -> str | None:
    """`pattern` (read as compiled with `re.IGNORECASE`) with its letters in lower case, to be
    compiled without the flag and run on `tagindex.fold(text)`: the same matches, at the same
    places. `re` cannot skip ahead to a cased literal under IGNORECASE, so a pattern like
    `scaling laws?` is about ten times faster this way. None for a pattern outside the ASCII
    subset read here (escapes that spell a character, backreferences, inline flags, named
    groups, a class range across letter cases), which must run as it is.

    Why it is the same: `fold` maps every character `re.IGNORECASE` matches to an ASCII letter
    onto that letter in lower case, changes no character's `\\w`, `\\d`, `\\s` or `.` class,
    and keeps the text's length (tests/test_tagindex.py checks every code point). So each item
    of an ASCII pattern accepts a character under IGNORECASE exactly when its lowercased self
    accepts the folded character."""
    if not pattern.isascii():
        return None
    out: list[str] = []
    i = 0
    in_class = False
    class_start = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                return None
            escaped = pattern[i + 1]
            if escaped.isalnum() and escaped not in _CASELESS_ESCAPES:
                return None  # \x41, \u00e9, \N{...}, \1, \0: a character or a backreference
            if in_class and pattern.startswith("-", i + 2) and pattern[i + 3 : i + 4] not in ("", "]"):
                return None  # a range from an escape
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            first = i == class_start or (i == class_start + 1 and pattern[class_start] == "^")
            if char == "]" and not first:
                in_class = False
            elif char == "[":
                return None  # a nested set (a FutureWarning in `re`): not read here
            elif pattern.startswith("-", i + 1) and i + 2 < len(pattern) and pattern[i + 2] not in "]\\":
                if not _same_kind_range(char, pattern[i + 2]):
                    return None
                out.append(pattern[i : i + 3].lower())
                i += 3
                continue
            elif pattern.startswith("-\\", i + 1):
                return None  # a range to an escape
            out.append(char.lower())
            i += 1
            continue
        if char == "[":
            in_class, class_start = True, i + 1
        elif char == "(" and pattern.startswith("(?", i) and not pattern.startswith(_GROUP_OPENINGS, i):
            return None  # inline flags, comments, named groups, conditionals
        out.append(char.lower())
        i += 1
    return None if in_class else "".join(out)
