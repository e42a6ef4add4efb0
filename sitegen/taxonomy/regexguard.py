"""A guard against taxonomy regexes that can take exponential time (catastrophic backtracking).

Python's `re` backtracks. A repeated group holding a repeated element that can match the same
text, as `(\\w+\\s?)+$`, may split a run of word characters between the element's repetitions
and the group's in exponentially many ways, and tries every one before it gives up: on a
paper whose abstract holds a long enough word the build hangs. `nested_repetition` finds such
a group by reading the pattern's text with a small tokenizer of its own (Python's parser,
`re._parser`, is private) and the taxonomy refuses the rule, naming it.

What counts:
- a repeated group: `*`, `+` or `{m,n}` with n > 1 (or no n) on a group that is not atomic
  (`(?>...)`) and not possessive (`*+`, `++`, `{m,n}+`);
- holding, at any depth (not inside an atomic group or a lookaround), an element that repeats a
  varying number of times (`*`, `+`, `{m,n}` with n > 1 and n != m) and is not possessive;
- unless that element matches one character (a literal, `.`, an escape such as `\\w`, a class)
  and is followed directly, in its own branch, by a required element that matches one
  character it cannot match: in `(?:[\\w-]+ )+` each run of word characters must end at the
  next space, so there is one way to split the text and no backtracking to speak of.

The check is a sufficient test for the common cause, not a proof of safety: alternatives that
overlap (`(a|a)+`) are not looked for. Pure: strings in, an answer out.
"""

from __future__ import annotations

import array
import functools
import re
import sys
from dataclasses import dataclass, field

__all__ = ["Nested", "nested_repetition"]


@dataclass(frozen=True)
class Nested:
    """A repeated group and the repeated element inside it that makes the pattern ambiguous."""

    group: str
    """The group with its quantifier, as written in the pattern."""
    element: str
    """The element with its quantifier, as written."""


@dataclass
class _Atom:
    text: str
    """The atom as written, without its quantifier."""
    kind: str
    """"char" (matches one character), "group", "look" (a lookaround), "zero" (an anchor,
    a flag setting) or "other" (a backreference)."""
    flags: str = ""
    """Inline flags in force where the atom is (`(?s:...)`), as `(?on-off:...)` letters."""
    branches: list[list[_Atom]] = field(default_factory=list)
    """A group's alternatives, each a sequence of atoms."""
    atomic: bool = False
    char: str | None = None
    """The character a plain or escaped literal stands for."""
    low: int = 1
    high: int | None = 1
    """Repetitions allowed (None: no upper bound)."""
    possessive: bool = False
    written: str = ""
    """The atom with its quantifier, as written."""


_ESCAPED_CONTROL = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_CLASS_ESCAPES = frozenset("dDsSwW")
_ZERO_ESCAPES = frozenset("AbBZ")
_QUANTIFIER = re.compile(r"\{(\d*)(,(\d*))?\}")
_FLAG_LETTERS = "aiLmsux"


class _Reader:
    """Reads a pattern (already accepted by re.compile) into atoms."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        leading = re.match(r"(?:\(\?[aiLmsux]+\))+", pattern)
        letters = re.sub("[^a-zA-Z]", "", leading.group()) if leading else ""
        self.verbose = "x" in letters
        self.flags = _merge_flags("", letters, "")
        """The pattern's global inline flags (`(?s)` at its start)."""

    def branches(self, flags: str, verbose: bool) -> list[list[_Atom]]:
        """Alternatives up to the `)` that closes the current group (not consumed) or the end."""
        out: list[list[_Atom]] = [[]]
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            if c == ")":
                break
            if c == "|":
                self.i += 1
                out.append([])
                continue
            if verbose and self._skip_verbose():
                continue
            start = self.i
            atom = self.atom(flags, verbose)
            if atom is None:
                continue
            self.quantifier(atom, verbose)
            atom.written = p[start : self.i].strip() if verbose else p[start : self.i]
            out[-1].append(atom)
        return out

    def _skip_verbose(self) -> bool:
        """Skip whitespace or a `#` comment (verbose mode); whether anything was skipped."""
        p = self.p
        if p[self.i].isspace():
            self.i += 1
            return True
        if p[self.i] == "#":
            end = p.find("\n", self.i)
            self.i = len(p) if end < 0 else end + 1
            return True
        return False

    def atom(self, flags: str, verbose: bool) -> _Atom | None:
        p, i = self.p, self.i
        c = p[i]
        if c == "(":
            return self.group(flags, verbose)
        if c == "[":
            j = i + 1
            if p[j : j + 1] == "^":
                j += 1
            if p[j : j + 1] == "]":
                j += 1
            while p[j] != "]":
                j += 2 if p[j] == "\\" else 1
            self.i = j + 1
            return _Atom(p[i : j + 1], "char", flags)
        if c == "\\":
            return self.escape(flags)
        self.i += 1
        if c == ".":
            return _Atom(c, "char", flags)
        if c in "^$":
            return _Atom(c, "zero", flags)
        return _Atom(c, "char", flags, char=c)

    def escape(self, flags: str) -> _Atom:
        p, i = self.p, self.i
        d = p[i + 1]
        self.i = i + 2
        if d in _CLASS_ESCAPES:
            return _Atom(p[i : i + 2], "char", flags)
        if d in _ZERO_ESCAPES:
            return _Atom(p[i : i + 2], "zero", flags)
        if d.isdigit():
            octal = re.match(r"0[0-7]{0,2}|[0-7]{3}", p[i + 1 :])
            if octal:
                self.i = i + 1 + octal.end()
                return _Atom(p[i : self.i], "char", flags, char=chr(int(octal.group(), 8)))
            self.i = i + 1 + re.match(r"\d\d?", p[i + 1 :]).end()  # type: ignore[union-attr]
            return _Atom(p[i : self.i], "other", flags)  # a backreference
        width = {"x": 2, "u": 4, "U": 8}.get(d)
        if width:
            self.i = i + 2 + width
            return _Atom(p[i : self.i], "char", flags, char=chr(int(p[i + 2 : self.i], 16)))
        if d == "N":
            self.i = p.index("}", i) + 1
            return _Atom(p[i : self.i], "char", flags)
        return _Atom(p[i : i + 2], "char", flags, char=_ESCAPED_CONTROL.get(d, d))

    def group(self, flags: str, verbose: bool) -> _Atom | None:
        p, start = self.p, self.i
        kind, atomic = "group", False
        self.i = start + 1
        if p.startswith("(?", start):
            head = p[start + 2 : start + 4]
            if head.startswith("#"):  # a comment
                self.i = p.index(")", start) + 1
                return None
            if head.startswith("P="):  # a named backreference
                self.i = p.index(")", start) + 1
                return _Atom(p[start : self.i], "other", flags)
            if head.startswith("P<"):
                self.i = p.index(">", start) + 1
            elif head.startswith(("=", "!")):
                kind, self.i = "look", start + 3
            elif head in ("<=", "<!"):
                kind, self.i = "look", start + 4
            elif head.startswith(">"):
                atomic, self.i = True, start + 3
            elif head.startswith(":"):
                self.i = start + 3
            elif head.startswith("("):  # a conditional: (?(1)yes|no)
                self.i = p.index(")", start + 3) + 1
            else:  # inline flags: (?i) for the whole pattern, or (?i-s:...) for a group
                found = re.compile(rf"([{_FLAG_LETTERS}]*)(?:-([{_FLAG_LETTERS}]*))?([:)])").match(p, start + 2)
                assert found is not None  # the pattern compiled
                self.i = found.end()
                if found.group(3) == ")":
                    return _Atom(p[start : self.i], "zero", flags)
                on, off = found.group(1), found.group(2) or ""
                verbose = (verbose or "x" in on) and "x" not in off
                flags = _merge_flags(flags, on, off)
        inner = self.branches(flags, verbose)
        self.i += 1  # the closing `)`
        return _Atom(p[start : self.i], kind, flags, branches=inner, atomic=atomic)

    def quantifier(self, atom: _Atom, verbose: bool) -> None:
        p = self.p
        while verbose and self.i < len(p) and self._skip_verbose():
            pass
        if self.i >= len(p):
            return
        c = p[self.i]
        if c in "*+?":
            atom.low, atom.high = (0, None) if c == "*" else (1, None) if c == "+" else (0, 1)
            self.i += 1
        else:
            braces = _QUANTIFIER.match(p, self.i) if c == "{" else None
            if braces is None:
                return
            low, comma, high = braces.group(1), braces.group(2), braces.group(3)
            if not low and not comma:
                return  # `{}` is a literal
            atom.low = int(low or 0)
            atom.high = None if comma and not high else int(high) if comma else atom.low
            self.i = braces.end()
        if self.i < len(p) and p[self.i] in "?+":
            atom.possessive = p[self.i] == "+"
            self.i += 1


def _merge_flags(flags: str, on: str, off: str) -> str:
    """The inline flags in force inside `(?on-off:...)` where `flags` were in force."""
    now = set(flags) | set(on)
    now -= set(off)
    return "".join(sorted(now - {"x", "L"}))


def _repeats(atom: _Atom) -> bool:
    """The atom may match more than once, and gives back what it took (not possessive)."""
    return not atom.possessive and (atom.high is None or atom.high > 1)


def _varies(atom: _Atom) -> bool:
    """The atom repeats a varying number of times (more than one), giving back what it took."""
    return _repeats(atom) and atom.high != atom.low


def nested_repetition(pattern: str, flags: int = 0) -> Nested | None:
    """The first repeated group of `pattern` (a regex re.compile accepts) that holds a
    repeated element able to match the same text (see the module's docstring), or None.
    `flags` are those the pattern is compiled with (re.IGNORECASE changes which
    characters an element matches)."""
    reader = _Reader(pattern)
    top = reader.branches(reader.flags, reader.verbose)
    return _search(top, flags)


def _search(branches: list[list[_Atom]], flags: int) -> Nested | None:
    """The first repeated group, at any depth, with an ambiguous element (lookarounds and
    atomic groups included: inside them backtracking runs as anywhere else until they match)."""
    for sequence in branches:
        for atom in sequence:
            if atom.kind not in ("group", "look"):
                continue
            if atom.kind == "group" and not atom.atomic and _repeats(atom):
                element = _ambiguous_element(atom.branches, flags)
                if element is not None:
                    return Nested(atom.written, element.written)
            found = _search(atom.branches, flags)
            if found is not None:
                return found
    return None


def _ambiguous_element(branches: list[list[_Atom]], flags: int) -> _Atom | None:
    """An element inside a repeated group's branches that varies and is not pinned down by
    the character after it."""
    for sequence in branches:
        for index, atom in enumerate(sequence):
            if atom.kind in ("look", "zero", "other") or atom.atomic:
                continue
            after = [a for a in sequence[index + 1 :] if a.kind not in ("zero", "look")][:1]  # `\b` adds no text
            if _varies(atom) and not _ends_at_separator(atom, after, flags):
                return atom
            if atom.kind == "group":
                inner = _ambiguous_element(atom.branches, flags)
                if inner is not None:
                    return inner
    return None


def _ends_at_separator(atom: _Atom, following: list[_Atom], flags: int) -> bool:
    """The one-character `atom` is followed by a required one-character element matching
    only characters `atom` cannot match: its run ends at the first of them."""
    if atom.kind != "char" or not following:
        return False
    separator = following[0]
    if separator.kind != "char" or separator.low < 1:
        return False
    element = _scoped(atom.text, atom.flags)
    if separator.char is not None:
        return re.compile(element, flags).fullmatch(separator.char) is None
    both = re.compile(f"(?={element}){_scoped(separator.text, separator.flags)}", flags)
    return both.search(_every_character()) is None


def _scoped(text: str, inline: str) -> str:
    """A one-character element as a pattern of its own, with the inline flags in force where it was."""
    return f"(?{inline}:{text})" if inline else text


@functools.lru_cache(maxsize=1)
def _every_character() -> str:
    """Every code point but the surrogates, in one string (0.1 s to make; made only for a
    repeated element in a repeated group followed by a class, as in `(?:\\w+\\s)+`)."""
    codes = array.array("I", range(0xD800))
    codes.extend(range(0xE000, sys.maxunicode + 1))
    return codes.tobytes().decode(f"utf-32-{'le' if sys.byteorder == 'little' else 'be'}")
