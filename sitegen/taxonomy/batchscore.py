"""Tagging many papers at once: each pattern looked at once for the whole batch, not once per paper.

The pattern index (tagindex.PatternIndex) tells, from a paper's words, which patterns can match
it and how often a word pattern does. Asked paper by paper, that is a few dozen small steps of
Python per paper (set unions, a loop over the candidate patterns, a dict per rule), and those
steps, not the regexes, were most of tagging's time. Here the same facts are sets over the batch:

- each paper's words are read once, and each word that tells something puts the paper in the set
  of each needle it holds, and adds its count to each word pattern it matches;
- a pattern's candidates are the papers in one needle set of each of its required sets (one
  C-level set operation each), and only those run its regex (or `str.count` for plain text);
- a rule's excluded papers, title hits and text hits are sets and counts over the batch.

Each count is the regex's own count, as in tagindex (whose docstring says why), so the scores
are the plain way's: tests/test_tagindex.py holds them to it, paper by paper and in batches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sitegen.taxonomy.tagindex import (
    EXCLUDE,
    PLAIN,
    TEXT,
    TITLE,
    WORDS,
    PatternIndex,
    Word,
    count,
    fold,
    found,
    words_of,
)


class _Batch:
    """The batch's texts, folded, and what their words tell: which papers hold each needle,
    how often each word pattern matches each paper, and which titles each one matches."""

    def __init__(self, index: PatternIndex, papers: Sequence[tuple[str, str]]) -> None:
        self.size = len(papers)
        self.titles = [title for title, _ in papers]
        self.texts = [f"{title}\n{abstract}" for title, abstract in papers]
        self.folded = [fold(text) for text in self.texts]
        # `fold` keeps every character's `\\w` class and the text's length (a test checks every
        # code point), so the folded text's words are the text's words, folded, at their places.
        self.folded_titles = [text[: len(title)] for text, title in zip(self.folded, self.titles, strict=True)]
        words = [words_of(text) for text in self.folded]
        memo = index.learn(set().union(*words))
        known, matching = memo.words, memo.matching
        telling = [memo.telling.intersection(paper) for paper in words]
        self.holders = _holders(telling, known, len(index.needles))
        """Needle -> the papers holding it."""
        self.word_hits: defaultdict[int, dict[int, int]] = defaultdict(dict)
        """Word pattern -> paper -> its count there."""
        for paper, (all_words, told) in enumerate(zip(words, telling, strict=True)):
            for word in told & matching:
                times = all_words.count(word)
                for n in known[word].matched:
                    hits = self.word_hits[n]
                    hits[paper] = hits.get(paper, 0) + times
        self.title_hits: defaultdict[int, set[int]] = defaultdict(set)
        """Word pattern -> the papers whose title it matches."""
        for paper, title in enumerate(self.folded_titles):
            for word in matching.intersection(words_of(title)):
                for n in known[word].matched:
                    self.title_hits[n].add(paper)
        self._unions: dict[tuple[int, ...], frozenset[int] | set[int]] = {}
        self._every = frozenset(range(self.size))
        """The candidates of a pattern that requires no needle."""

    def holding(self, needles: tuple[int, ...]) -> frozenset[int] | set[int]:
        """The papers holding one of `needles`."""
        if len(needles) == 1:
            return self.holders[needles[0]]
        union = self._unions.get(needles)
        if union is None:
            union = self._unions[needles] = set().union(*(self.holders[n] for n in needles))
        return union

    def candidates(self, required: tuple[tuple[int, ...], ...]) -> frozenset[int] | set[int]:
        """The papers whose words hold one needle of each of the `required` sets."""
        if not required:
            return self._every
        papers = self.holding(required[0])
        for needles in required[1:]:
            if not papers:
                break
            papers = papers & self.holding(needles)
        return papers


def _holders(telling: list[set[str]], known: Mapping[str, Word], needles: int) -> list[set[int]]:
    """For each needle, the papers one of whose `telling` words holds it: the papers of each word,
    then for each needle the union of its words' papers (each a C-level set operation)."""
    papers_of: defaultdict[str, list[int]] = defaultdict(list)
    for paper, words in enumerate(telling):
        for word in words:
            papers_of[word].append(paper)
    words_of_needle: list[list[list[int]]] = [[] for _ in range(needles)]
    for word, papers in papers_of.items():
        for needle in known[word].needles:
            words_of_needle[needle].append(papers)
    return [set().union(*lists) for lists in words_of_needle]


def scores_many(index: PatternIndex, papers: Sequence[tuple[str, str]]) -> list[list[tuple[int, str]]]:
    """(score, rule id) of every rule scoring above zero for each paper, in the rules' order:
    `tags.TagRule.score` of each rule for each paper."""
    batch = _Batch(index, papers)
    out: list[list[tuple[int, str]]] = [[] for _ in papers]
    for (tag, min_hits), members in zip(index.rules, index.members, strict=True):
        vetoed = _matched(index, batch, members[EXCLUDE], EXCLUDE, set())
        in_title = _matched(index, batch, members[TITLE], TITLE, vetoed)
        hits = _hits(index, batch, members[TEXT], vetoed)
        for paper in sorted(in_title.union(hits)):
            text_hits = hits.get(paper, 0)
            score = 10 if paper in in_title else 0
            if text_hits >= min_hits or score:
                score += text_hits
            if score > 0:
                out[paper].append((score, tag))
    return out


def _matched(index: PatternIndex, batch: _Batch, patterns: list[int], role: int, vetoed: set[int]) -> set[int]:
    """The papers not `vetoed` that one of `patterns` matches: anywhere (EXCLUDE) or in the title (TITLE)."""
    where, plain = (batch.folded, batch.texts) if role == EXCLUDE else (batch.folded_titles, batch.titles)
    matched: set[int] = set()
    for n in patterns:
        pattern = index.patterns[n]
        if pattern.kind == WORDS:
            matched.update(batch.word_hits.get(n, ()) if role == EXCLUDE else batch.title_hits.get(n, ()))
            continue
        todo = batch.candidates(index.required[n]) - vetoed - matched
        if pattern.kind == PLAIN:
            literal = pattern.literal
            matched.update(paper for paper in todo if literal in where[paper])
        else:
            matched.update(paper for paper in todo if found(pattern, where[paper], plain[paper]))
    return matched - vetoed


def _hits(index: PatternIndex, batch: _Batch, patterns: list[int], vetoed: set[int]) -> dict[int, int]:
    """Paper -> the text hits of `patterns` there, for the papers not `vetoed` with any."""
    hits: dict[int, int] = {}
    for n in patterns:
        pattern = index.patterns[n]
        counts: Iterable[tuple[int, int]]
        if pattern.kind == WORDS:
            counts = batch.word_hits.get(n, {}).items()
        else:
            todo = batch.candidates(index.required[n]) - vetoed
            if pattern.kind == PLAIN:
                literal = pattern.literal
                counts = ((paper, batch.folded[paper].count(literal)) for paper in todo)
            else:
                counts = ((paper, count(pattern, batch.folded[paper], batch.texts[paper])) for paper in todo)
        for paper, times in counts:
            if times and paper not in vetoed:
                hits[paper] = hits.get(paper, 0) + times
    return hits
