"""Tagging in one pass per paper: the paper's words, read once, settle most of the taxonomy.

The taxonomy's meaning is the plain one (`tags.Taxonomy.scores(..., reference=True)`): every
rule's every regex runs over every paper: 552 regexes for the bundled taxonomy, 5.5 million
runs at 10,000 papers, nearly all finding nothing. Here each regex is read once
(sitegen/taxonomy/regexread.py, its source text, no `re` internals) and matched in one of three ways:

- WORDS, `\\b...\\b` around a finite set of words (`\\bvideos?\\b`): its count is how many of
  the paper's `\\w+` words are one of them, from the paper's word list;
- PLAIN, plain text (`flow matching`): its count is `str.count` in the folded text;
- REGEX, anything else: it runs, but only on papers holding its *needles* (word parts every
  match has, looked up in the paper's words) and one of its *phrases* (strings every match has).

Why the counts are the regexes' own:
- Under `re.IGNORECASE` an ASCII letter matches itself in either case and four non-ASCII letters
  (FOLD; tests/test_tagindex.py checks every code point): `fold` maps exactly those onto it, so a
  match is, in the folded text, the pattern's own lowercase text, at the same place while each
  character folds to one (always, but for U+0130, which FOLD handles).
- A WORDS match starts and ends at `\\b` with only word characters between, so it is a whole word;
  and every such word is matched, at its start, by some alternative.
- A PLAIN pattern is found left to right without overlaps, as `str.count` counts.
- Needles and phrases only skip a regex that cannot match: the regex decides every hit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sitegen.taxonomy.regexread import best_needles, lowered, needles, phrases, plain_literal, whole_words

FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
"""The non-ASCII characters that `re.IGNORECASE` matches to an ASCII letter: dotted capital
I and dotless small i (to `i`), long s (to `s`), Kelvin sign (to `k`)."""

_WORD = re.compile(r"\w+")
_NON_WORD = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}
"""ASCII characters that are not `\\w`, to spaces: an ASCII text's `\\w+` words are then its
`split()`, four times faster than `findall`."""
_TOKEN_CACHE_LIMIT = 500_000
"""Words remembered with their needles; past this the memo starts afresh (memory stays bounded
in a long `serve` session with an ever-growing vocabulary)."""


def fold(text: str) -> str:
    """The text as needles are looked for in it: every character `re.IGNORECASE` matches to
    an ASCII letter becomes that letter in lower case."""
    return text.lower() if text.isascii() else text.translate(FOLD).lower()


class _Word(NamedTuple):
    """What one folded `\\w+` word of a paper tells, worked out once per word (see _Memo)."""

    needles: frozenset[str]
    """The needles it holds."""
    direct: frozenset[int]
    """The patterns these needles alone make worth trying."""
    checked: frozenset[int]
    """The patterns they make worth trying if the paper also has the patterns' other needles."""
    matched: tuple[int, ...]
    """The word patterns this word is a match of."""


@dataclass
class _Memo:
    """What the words of papers read so far told (a paper's words are mostly earlier papers')."""

    seen: set[str] = field(default_factory=set)
    """Every word read (folded)."""
    words: dict[str, _Word] = field(default_factory=dict)
    """The words that hold a needle or match a word pattern."""
    telling: set[str] = field(default_factory=set)
    """The keys of `words`, as a set: a paper's words meet it in one C-level intersection."""
    matching: set[str] = field(default_factory=set)
    """The words of `telling` that match a word pattern."""


@dataclass(frozen=True)
class RuleRegexes:
    """What the scorer needs of a taxonomy rule (tags.TagRule): its id, compiled regexes and `min`."""

    id: str
    title: tuple[re.Pattern[str], ...]
    text: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]
    min_hits: int


WORDS, PLAIN, REGEX = "words", "plain", "regex"
"""How a pattern is matched: by the paper's words (`\\bimages?\\b`), by substring counts in
the folded text (`diffusion model`), or by running it (anything else)."""


@dataclass(frozen=True)
class Compiled:
    """One of the taxonomy's regexes, read for the index."""

    regex: re.Pattern[str]
    kind: str
    words: frozenset[str] = frozenset()
    """WORDS: the lowercase words it matches, whole."""
    literal: str = ""
    """PLAIN: its text, lowercased."""
    needles: tuple[frozenset[str], ...] = ()
    """PLAIN and REGEX: what every match holds (regexread.needles); () to run it on every paper."""
    phrases: frozenset[str] = frozenset()
    """REGEX: strings one of which every match holds, folded (regexread.phrases); empty if unknown."""
    folded: re.Pattern[str] | None = None
    """REGEX: the pattern lowercased, without IGNORECASE, to run on the folded text (regexread.lowered):
    the same matches, several times faster; None to run `regex` on the text."""


def _folded(pattern: str) -> re.Pattern[str] | None:
    text = lowered(pattern)
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error:  # not expected of a lowercased valid pattern; the original runs then
        return None


def compile_pattern(regex: re.Pattern[str]) -> Compiled:
    """How to match `regex` in one pass. Only `re.IGNORECASE` patterns are read: FOLD is right for them."""
    if regex.flags != re.IGNORECASE | re.UNICODE:
        return Compiled(regex, REGEX)
    words = whole_words(regex.pattern)
    if words is not None:
        return Compiled(regex, WORDS, words=words)
    literal = plain_literal(regex.pattern)
    if literal is not None:
        return Compiled(regex, PLAIN, literal=literal, needles=needles(regex.pattern))
    return Compiled(
        regex,
        REGEX,
        needles=needles(regex.pattern),
        phrases=phrases(regex.pattern) or frozenset(),
        folded=_folded(regex.pattern),
    )


TITLE, TEXT, EXCLUDE = 0, 1, 2
"""Where a pattern sits in its rule."""


class OnePassScorer:
    """The rules' scores for a paper from one look at its words, running only the regexes
    its words do not settle.

    Per paper: its `\\w+` words (of the folded text) are read once. A word pattern's count is
    the count of the words it names; a plain pattern's is its count in the folded text, looked
    for only when the paper has its words; any other regex runs only when the paper has its
    needles. The score is `tags.TagRule.score`'s: zero on an exclude hit; 10 for a title hit;
    plus the text hits when they reach `min` (or with the title hit). Each count is the regex's
    own count, so the scores, and the tags, are the plain way's (tests/test_tagindex.py compares).

    What a word tells (its needles, the patterns they open) is worked out the first time the
    word is seen and kept (_Memo): a paper is then a few set unions in C and a loop over the
    dozen rules its words open, not over its needles."""

    def __init__(self, rules: Sequence[RuleRegexes]) -> None:
        self.patterns: list[Compiled] = []
        self._owner: list[int] = []
        """The rule each pattern belongs to (by number)."""
        self._roles: list[int] = []
        """TITLE, TEXT or EXCLUDE: where each pattern sits in its rule."""
        self._rules = [(r.id, r.min_hits) for r in rules]
        for number, rule in enumerate(rules):
            for role, regexes in ((TITLE, rule.title), (TEXT, rule.text), (EXCLUDE, rule.exclude)):
                self.patterns.extend(compile_pattern(regex) for regex in regexes)
                self._owner.extend([number] * len(regexes))
                self._roles.extend([role] * len(regexes))
        by_word: dict[str, list[int]] = {}
        direct: dict[str, set[int]] = {}
        checked: dict[str, set[int]] = {}
        self._others: dict[int, tuple[frozenset[str], tuple[frozenset[str], ...]]] = {}
        """A checked pattern's other needles: (those all needed, sets one of each needed)."""
        always: set[int] = set()
        for n, pattern in enumerate(self.patterns):
            for word in pattern.words:
                by_word.setdefault(word, []).append(n)
            if pattern.kind == WORDS:
                continue
            if not pattern.needles:
                always.add(n)
                continue
            lookup = best_needles(pattern.needles)
            # Other sets of one- or two-letter needles ("a", "of") rule out little, and every
            # word would have to be searched for them: the regex or its phrases decide instead.
            others = tuple(c for c in pattern.needles if c != lookup and min(map(len, c)) >= 3)
            if others:
                single = frozenset(next(iter(c)) for c in others if len(c) == 1)
                self._others[n] = (single, tuple(c for c in others if len(c) > 1))
            for needle in lookup:
                (checked if others else direct).setdefault(needle, set()).add(n)
        self._by_word = {k: tuple(v) for k, v in by_word.items()}
        self._direct = {k: frozenset(v) for k, v in direct.items()}
        self._checked = {k: frozenset(v) for k, v in checked.items()}
        self._always = frozenset(always)
        self._by_prefix: dict[str, list[str]] = {}
        self._short: list[str] = []
        wanted = {*self._direct, *self._checked}
        for single, multiple in self._others.values():
            wanted.update(single, *multiple)
        for needle in sorted(wanted):
            if len(needle) >= 3:
                self._by_prefix.setdefault(needle[:3], []).append(needle)
            else:
                self._short.append(needle)
        self._plan = [(role, p.kind, p.literal, p) for role, p in zip(self._roles, self.patterns, strict=True)]
        """(role, kind, PLAIN literal, pattern) of each pattern, as the scoring loop reads them."""
        self._memo = _Memo()

    def _read_word(self, key: str) -> _Word:
        """A folded `\\w+` word of a paper: the needles in it, the patterns they open, and the
        word patterns it is a match of."""
        found = {n for n in self._short if n in key}
        for i in range(len(key) - 2):
            for needle in self._by_prefix.get(key[i : i + 3], ()):
                if key.startswith(needle, i):
                    found.add(needle)
        empty: frozenset[int] = frozenset()
        return _Word(
            frozenset(found),
            empty.union(*(self._direct.get(n, ()) for n in found)),
            empty.union(*(self._checked.get(n, ()) for n in found)),
            self._by_word.get(key, ()),
        )

    def _learn(self, words: set[str]) -> _Memo:
        """The memo, with the words not seen before read into it."""
        memo = self._memo
        if len(memo.seen) > _TOKEN_CACHE_LIMIT:
            memo = self._memo = _Memo()  # a fresh one: a call still using the old one is unaffected
        for word in words - memo.seen:
            read = self._read_word(word)
            if read.needles or read.matched:
                memo.words[word] = read
                memo.telling.add(word)
                if read.matched:
                    memo.matching.add(word)
            memo.seen.add(word)
        return memo

    def scores(self, title: str, abstract: str) -> list[tuple[int, str]]:
        """(score, rule id) for every rule scoring above zero, in the rules' order."""
        text = f"{title}\n{abstract}"
        folded = fold(text)
        # `fold` keeps every character's `\\w` class and the text's length (a test checks every
        # code point), so the folded text's words are the text's words, folded, at their places.
        words = folded.translate(_NON_WORD).split() if folded.isascii() else _WORD.findall(folded)
        unique = set(words)
        memo = self._learn(unique)
        known = memo.words
        telling = unique & memo.telling
        infos = [known[word] for word in telling]
        word_counts: dict[int, int] = {}
        for word in telling & memo.matching:
            times = words.count(word)
            for n in known[word].matched:
                word_counts[n] = word_counts.get(n, 0) + times
        present: set[str] = set().union(*[info.needles for info in infos])
        active: set[int] = set(self._always).union(*[info.direct for info in infos])
        others = self._others
        for n in set().union(*[info.checked for info in infos]).difference(active):
            single, multiple = others[n]
            if single <= present and (not multiple or all(not c.isdisjoint(present) for c in multiple)):
                active.add(n)
        owner = self._owner
        per_rule: dict[int, list[int]] = {}
        for n in active.union(word_counts):
            per_rule.setdefault(owner[n], []).append(n)
        if not per_rule:
            return []
        folded_title = folded[: len(title)]
        title_words = set(_WORD.findall(folded_title)) & memo.matching if word_counts else set()
        in_title = {n for word in title_words for n in known[word].matched}
        plan, rules, out = self._plan, self._rules, []
        # Each pattern's kind is looked at here, inline (a call per pattern was most of the time).
        for rule in sorted(per_rule):  # the rules no pattern of which can match score 0
            hits = 0
            in_the_title = vetoed = False
            for n in per_rule[rule]:
                role, kind, literal, pattern = plan[n]
                if role == TITLE:
                    if in_the_title:
                        continue
                    if kind == WORDS:
                        in_the_title = n in in_title
                    elif kind == PLAIN:
                        in_the_title = literal in folded_title
                    else:
                        in_the_title = _found(pattern, folded_title, title)
                elif role == TEXT:
                    if kind == WORDS:
                        hits += word_counts[n]
                    elif kind == PLAIN:
                        hits += folded.count(literal)
                    else:
                        hits += _count(pattern, folded, text)
                elif (
                    n in word_counts
                    if kind == WORDS
                    else literal in folded
                    if kind == PLAIN
                    else _found(pattern, folded, text)
                ):
                    vetoed = True
                    break
            if vetoed:
                continue
            tag, min_hits = rules[rule]
            score = 10 if in_the_title else 0
            if hits >= min_hits or score:
                score += hits
            if score:
                out.append((score, tag))
        return out


def _count(pattern: Compiled, folded: str, text: str) -> int:
    """How many times a REGEX pattern matches `text` (whose fold is `folded`), as `findall` counts."""
    if pattern.phrases:
        for phrase in pattern.phrases:
            if phrase in folded:
                break
        else:
            return 0
    if pattern.folded is not None:
        return len(pattern.folded.findall(folded))
    return len(pattern.regex.findall(text))


def _found(pattern: Compiled, folded: str, text: str) -> bool:
    """Whether a REGEX pattern matches `text` (whose fold is `folded`) at all."""
    if pattern.phrases:
        for phrase in pattern.phrases:
            if phrase in folded:
                break
        else:
            return False
    if pattern.folded is not None:
        return pattern.folded.search(folded) is not None
    return pattern.regex.search(text) is not None
