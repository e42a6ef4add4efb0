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

from sitegen.taxonomy.regexread import best_needles, needles, phrases, plain_literal, whole_words

FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
"""The non-ASCII characters that `re.IGNORECASE` matches to an ASCII letter: dotted capital
I and dotless small i (to `i`), long s (to `s`), Kelvin sign (to `k`)."""

_WORD = re.compile(r"\w+")
_TOKEN_CACHE_LIMIT = 500_000
"""Words remembered with their needles; past this the memo starts afresh (memory stays bounded
in a long `serve` session with an ever-growing vocabulary)."""


def fold(text: str) -> str:
    """The text as needles are looked for in it: every character `re.IGNORECASE` matches to
    an ASCII letter becomes that letter in lower case."""
    return text.translate(FOLD).lower()


@dataclass
class _Memo:
    """What the words of papers read so far told (a paper's words are mostly earlier papers')."""

    seen: set[str] = field(default_factory=set)
    """Every word read."""
    words: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = field(default_factory=dict)
    """The words that hold a needle or match a word pattern: (those needles, those patterns)."""
    telling: set[str] = field(default_factory=set)
    """The keys of `words`, as a set: a paper's words meet it in one C-level intersection."""


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
    return Compiled(regex, REGEX, needles=needles(regex.pattern), phrases=phrases(regex.pattern) or frozenset())


class OnePassScorer:
    """The rules' scores for a paper from one look at its words, running only the regexes
    its words do not settle.

    Per paper: its `\\w+` words are counted once. A word pattern's count is the count of the
    words it names; a plain pattern's is its count in the folded text, looked for only when
    the paper has its words; any other regex runs only when the paper has its needles. The
    score is `tags.TagRule.score`'s: zero on an exclude hit; 10 for a title hit; plus the text
    hits when they reach `min` (or with the title hit). Each count is the regex's own count,
    so the scores, and the tags, are the plain way's (tests/test_tagindex.py compares)."""

    def __init__(self, rules: Sequence[RuleRegexes]) -> None:
        self.patterns: list[Compiled] = []
        self._owner: list[int] = []
        """The rule each pattern belongs to (by number)."""
        self._roles: list[str] = []
        """"title", "text" or "exclude": where each pattern sits in its rule."""
        self._rules = [(r.id, r.min_hits) for r in rules]
        for number, rule in enumerate(rules):
            for role, regexes in (("title", rule.title), ("text", rule.text), ("exclude", rule.exclude)):
                self.patterns.extend(compile_pattern(regex) for regex in regexes)
                self._owner.extend([number] * len(regexes))
                self._roles.extend([role] * len(regexes))
        by_word: dict[str, list[int]] = {}
        direct: dict[str, list[int]] = {}
        checked: dict[str, list[tuple[int, tuple[frozenset[str], ...]]]] = {}
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
            for needle in lookup:
                if others:
                    checked.setdefault(needle, []).append((n, others))
                else:
                    direct.setdefault(needle, []).append(n)
        self._by_word = {k: tuple(v) for k, v in by_word.items()}
        self._direct = {k: tuple(v) for k, v in direct.items()}
        self._checked = {k: tuple(v) for k, v in checked.items()}
        self._always = frozenset(always)
        self._by_prefix: dict[str, list[str]] = {}
        self._short: list[str] = []
        for needle in sorted(
            {*self._direct, *self._checked, *(n for v in checked.values() for _, o in v for c in o for n in c)}
        ):
            if len(needle) >= 3:
                self._by_prefix.setdefault(needle[:3], []).append(needle)
            else:
                self._short.append(needle)
        self._memo = _Memo()

    def _read_word(self, word: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """A `\\w+` word of a paper: the needles in it, and the word patterns it is a match of."""
        key = fold(word)
        found = {n for n in self._short if n in key}
        for i in range(len(key) - 2):
            for needle in self._by_prefix.get(key[i : i + 3], ()):
                if key.startswith(needle, i):
                    found.add(needle)
        # A longer fold means a character with a multi-letter lower case: not one `re` matches to ASCII.
        matched = self._by_word.get(key, ()) if len(key) == len(word) else ()
        return tuple(found), matched

    def _learn(self, words: set[str]) -> _Memo:
        """The memo, with the words not seen before read into it."""
        memo = self._memo
        if len(memo.seen) > _TOKEN_CACHE_LIMIT:
            memo = self._memo = _Memo()  # a fresh one: a call still using the old one is unaffected
        for word in words - memo.seen:
            read = self._read_word(word)
            if read[0] or read[1]:
                memo.words[word] = read
                memo.telling.add(word)
            memo.seen.add(word)
        return memo

    def scores(self, title: str, abstract: str) -> list[tuple[int, str]]:
        """(score, rule id) for every rule scoring above zero, in the rules' order."""
        text = f"{title}\n{abstract}"
        present: set[str] = set()
        word_counts: dict[int, int] = {}
        words = _WORD.findall(text)
        unique = set(words)
        memo = self._learn(unique)
        known = memo.words
        for word in unique & memo.telling:
            found, matched = known[word]
            if found:
                present.update(found)
            if matched:
                times = words.count(word)
                for n in matched:
                    word_counts[n] = word_counts.get(n, 0) + times
        active = set(self._always)
        direct, checked = self._direct, self._checked
        for needle in present:
            if needle in direct:
                active.update(direct[needle])
            for n, others in checked.get(needle, ()):
                if n not in active and all(not c.isdisjoint(present) for c in others):
                    active.add(n)
        in_title: set[int] = set()
        if word_counts:
            for word in set(_WORD.findall(title)) & memo.telling:
                in_title.update(known[word][1])
        per_rule: dict[int, list[int]] = {}
        for n in active.union(word_counts):
            per_rule.setdefault(self._owner[n], []).append(n)
        if not per_rule:
            return []
        folded, folded_title = fold(text), fold(title)
        # Counting in the folded text is counting the regex's matches while each character folds
        # to one; a multi-letter lower case (rare) sends the paper's plain patterns to `re`.
        plain_text, plain_title = len(folded) == len(text), len(folded_title) == len(title)

        def count(n: int) -> int:
            pattern = self.patterns[n]
            if pattern.kind == WORDS:
                return word_counts.get(n, 0)
            if n not in active:
                return 0
            if pattern.kind == PLAIN and plain_text:
                return folded.count(pattern.literal)
            if pattern.phrases and not any(phrase in folded for phrase in pattern.phrases):
                return 0
            return len(pattern.regex.findall(text))

        def in_the_title(n: int) -> bool:
            pattern = self.patterns[n]
            if pattern.kind == WORDS:
                return n in in_title
            if n not in active:
                return False
            if pattern.kind == PLAIN and plain_title:
                return pattern.literal in folded_title
            if pattern.phrases and not any(phrase in folded_title for phrase in pattern.phrases):
                return False
            return pattern.regex.search(title) is not None

        out = []
        roles = self._roles
        for rule in sorted(per_rule):  # the rules no pattern of which can match score 0
            tag, min_hits = self._rules[rule]
            patterns = per_rule[rule]
            if any(count(n) for n in patterns if roles[n] == "exclude"):
                continue
            score = 10 if any(in_the_title(n) for n in patterns if roles[n] == "title") else 0
            hits = sum(count(n) for n in patterns if roles[n] == "text")
            if hits >= min_hits or score:
                score += hits
            if score:
                out.append((score, tag))
        return out
