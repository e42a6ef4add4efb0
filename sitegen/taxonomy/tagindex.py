"""The taxonomy's patterns read for tagging by words: a paper's words settle most of them.

The taxonomy's meaning is the plain one (`tags.Taxonomy.scores(..., reference=True)`): every
rule's every regex runs over every paper: 552 regexes for the bundled taxonomy, 5.5 million
runs at 10,000 papers, nearly all finding nothing. Here each regex is read once
(sitegen/taxonomy/regexread.py, its source text, no `re` internals) and matched in one of three ways:

- WORDS, `\\b...\\b` around a finite set of words (`\\bvideos?\\b`): its count is how many of
  the paper's `\\w+` words are one of them, from the paper's word list;
- PLAIN, plain text (`flow matching`): its count is `str.count` in the folded text;
- REGEX, anything else: it runs, but only on papers holding its *needles* (word parts every
  match has, looked up in the paper's words) and one of its *phrases* (strings every match has).

taxonomy/batchscore.py scores a batch of papers by this index.

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
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain
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


def words_of(folded: str) -> list[str]:
    """The `\\w+` words of a folded text, in order."""
    return folded.translate(_NON_WORD).split() if folded.isascii() else _WORD.findall(folded)


def fold(text: str) -> str:
    """The text as needles are looked for in it: every character `re.IGNORECASE` matches to
    an ASCII letter becomes that letter in lower case."""
    return text.lower() if text.isascii() else text.translate(FOLD).lower()


class Word(NamedTuple):
    """What one folded `\\w+` word tells, worked out the first time it is seen (see _Memo)."""

    needles: tuple[int, ...]
    """The needles it holds (their numbers in `PatternIndex.needles`)."""
    matched: tuple[int, ...]
    """The word patterns it is a match of."""


@dataclass
class _Memo:
    """What the words of papers read so far told (a paper's words are mostly earlier papers')."""

    seen: set[str] = field(default_factory=set)
    """Every word read (folded)."""
    words: dict[str, Word] = field(default_factory=dict)
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


class PatternIndex:
    """The taxonomy's patterns, read for matching many papers at once (taxonomy/batchscore.py).

    A word pattern is counted from the words it names; a plain or regex pattern needs, in a
    paper's words, one needle of each of its `required` sets before it is looked for. What a
    word tells (its needles, the word patterns it matches) is worked out the first time the
    word is seen and kept (_Memo): most of a paper's words are earlier papers' words."""

    def __init__(self, rules: Sequence[RuleRegexes]) -> None:
        self.patterns: list[Compiled] = []
        self.rules = [(r.id, r.min_hits) for r in rules]
        """(id, `min`) of each rule."""
        self.members: list[tuple[list[int], list[int], list[int]]] = []
        """Each rule's patterns (their numbers) by role: TITLE, TEXT, EXCLUDE, in the file's order."""
        for rule in rules:
            members: tuple[list[int], list[int], list[int]] = ([], [], [])
            for role, regexes in ((TITLE, rule.title), (TEXT, rule.text), (EXCLUDE, rule.exclude)):
                for regex in regexes:
                    members[role].append(len(self.patterns))
                    self.patterns.append(compile_pattern(regex))
            self.members.append(members)
        self._by_word: dict[str, list[int]] = {}
        wanted: list[tuple[frozenset[str], ...]] = []
        for n, pattern in enumerate(self.patterns):
            for word in pattern.words:
                self._by_word.setdefault(word, []).append(n)
            if pattern.kind != WORDS and pattern.needles:
                lookup = best_needles(pattern.needles)
                # Other sets of one- or two-letter needles ("a", "of") rule out little, and every
                # word would have to be searched for them: the regex or its phrases decide instead.
                others = tuple(c for c in pattern.needles if c != lookup and min(map(len, c)) >= 3)
                wanted.append((lookup, *others))
            else:
                wanted.append(())
        self.needles = sorted({needle for sets in wanted for needle in chain.from_iterable(sets)})
        """Every needle some pattern requires."""
        number = {needle: n for n, needle in enumerate(self.needles)}
        self.required = [tuple(tuple(sorted(number[needle] for needle in c)) for c in sets) for sets in wanted]
        """A PLAIN or REGEX pattern's needle sets (by number) one needle of each of which a paper's
        words must hold before it is looked for; () for a pattern looked for in every paper."""
        self._finders = [re.compile(re.escape(needle)) for needle in self.needles]
        self._memo = _Memo()

    def learn(self, words: set[str]) -> _Memo:
        """The memo, with the words not seen before read into it."""
        memo = self._memo
        if len(memo.seen) > _TOKEN_CACHE_LIMIT:
            memo = self._memo = _Memo()  # a fresh one: a call still using the old one is unaffected
        new = sorted(words - memo.seen)
        holding = self._needles_in(new)
        for n, word in enumerate(new):
            matched = tuple(self._by_word.get(word, ()))
            if n in holding or matched:
                memo.words[word] = Word(tuple(holding.get(n, ())), matched)
                memo.telling.add(word)
                if matched:
                    memo.matching.add(word)
        memo.seen.update(new)
        return memo

    def _needles_in(self, words: list[str]) -> dict[int, list[int]]:
        """The needles (by number) each word holds, for the words holding any (by place in `words`).

        Each needle is looked for once in all the words, joined by newlines (which no needle
        holds, so no match runs across two words): a word holding it has a match inside it."""
        joined = "\n".join(words)
        starts = list(accumulate((len(word) + 1 for word in words), initial=0))
        holding: dict[int, list[int]] = {}
        for number, finder in enumerate(self._finders):
            last = -1
            for match in finder.finditer(joined):
                word = bisect_right(starts, match.start()) - 1
                if word != last:
                    holding.setdefault(word, []).append(number)
                    last = word
        return holding


def count(pattern: Compiled, folded: str, text: str) -> int:
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


def found(pattern: Compiled, folded: str, text: str) -> bool:
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
