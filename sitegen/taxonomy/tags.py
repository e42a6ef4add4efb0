"""The tag taxonomy: a YAML file the user edits, and the rules that tag papers.

File format (`content/taxonomy.yaml`)::

    max_tags: 5            # at most this many taxonomy tags per paper
    fallback: other        # tag for a paper no rule matches (optional)
    tags:
      quantization:
        name: Quantization                 # display name (default: the id)
        description: Fewer bits per weight.  # Markdown, shown on the tag page
        title: ['\\bquantiz']              # regexes; one hit in the title tags the paper
        text: ['\\bquantiz', '\\bint[48]\\b']  # regexes counted over title + abstract
        min: 2                             # text hits needed (default 2)
        exclude: ['\\bquantum\\b']        # a hit here vetoes the tag

Regexes are Python syntax, case-insensitive. A paper's tags are ranked by score
(a title hit is worth 10, each text hit 1) and the best `max_tags` are kept, ties
broken by tag id so the result never depends on file order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from sitegen.core.errors import InputError
from sitegen.core.models import Problem
from sitegen.taxonomy.batchscore import scores_many
from sitegen.taxonomy.regexguard import nested_repetition
from sitegen.taxonomy.tagindex import PatternIndex, RuleRegexes

TAG_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class TaxonomyError(InputError):
    """taxonomy.yaml cannot be read as tag rules."""


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]

    def count(self, text: str) -> int:
        return len(self.regex.findall(text))

    def found(self, text: str) -> bool:
        return self.regex.search(text) is not None


@dataclass(frozen=True)
class TagRule:
    id: str
    name: str
    description: str
    title: tuple[Pattern, ...] = ()
    text: tuple[Pattern, ...] = ()
    min_hits: int = 2
    exclude: tuple[Pattern, ...] = ()

    def score(self, title: str, text: str) -> int:
        """The rule's score for a paper, every regex tried: the meaning `batchscore.scores_many` keeps."""
        if any(p.found(text) for p in self.exclude):
            return 0
        score = 10 if any(p.found(title) for p in self.title) else 0
        hits = sum(p.count(text) for p in self.text)
        if hits >= self.min_hits or score:
            score += hits
        return score


@dataclass(frozen=True)
class Taxonomy:
    rules: tuple[TagRule, ...]
    max_tags: int = 5
    fallback: str | None = None

    def names(self) -> dict[str, str]:
        return {r.id: r.name for r in self.rules}

    def descriptions(self) -> dict[str, str]:
        return {r.id: r.description for r in self.rules}

    @functools.cached_property
    def _index(self) -> PatternIndex:
        """Built on first use (the frozen instance's __dict__ holds it), once per taxonomy."""
        return PatternIndex(
            [
                RuleRegexes(
                    r.id,
                    tuple(p.regex for p in r.title),
                    tuple(p.regex for p in r.text),
                    tuple(p.regex for p in r.exclude),
                    r.min_hits,
                )
                for r in self.rules
            ]
        )

    def scores(self, title: str, abstract: str, *, reference: bool = False) -> list[tuple[int, str]]:
        """(score, tag id) of every rule scoring above zero, in the rules' order. The patterns are
        looked for as for a batch (`scores_many`); `reference=True` runs every rule's every regex
        instead: the plain meaning, which tests hold the fast way to."""
        if not reference:
            return self.scores_many([(title, abstract)])[0]
        text = f"{title}\n{abstract}"
        return [(score, r.id) for r in self.rules if (score := r.score(title, text)) > 0]

    def scores_many(self, papers: Sequence[tuple[str, str]]) -> list[list[tuple[int, str]]]:
        """`scores` of each (title, abstract): each pattern looked for once for all of them, and
        only in the papers whose words hold what it needs (sitegen/taxonomy/batchscore.py)."""
        if not papers:
            return []
        return scores_many(self._index, papers)

    def match(self, title: str, abstract: str, *, reference: bool = False) -> tuple[str, ...]:
        """The taxonomy's tags for a paper, best first; never empty with a fallback."""
        if reference:
            return self._best(self.scores(title, abstract, reference=True))
        return self.match_many([(title, abstract)])[0]

    def match_many(self, papers: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
        """`match` of each (title, abstract)."""
        return [self._best(scored) for scored in self.scores_many(papers)]

    def _best(self, scored: list[tuple[int, str]]) -> tuple[str, ...]:
        best = sorted(scored, key=lambda s: (-s[0], s[1]))
        tags = tuple(tag for _, tag in best[: self.max_tags])
        if not tags and self.fallback:
            return (self.fallback,)
        return tags


EMPTY = Taxonomy(rules=())


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(needle):
            return number
    return 0


def _patterns(value: object, source: str, text: str, tag: str, key: str) -> tuple[Pattern, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(Problem(source, _line_of(text, f"{tag}:"), f"tag {tag!r}: {key} must be a list of regexes"))
    out = []
    for pattern in value:
        try:
            out.append(Pattern(re.compile(pattern, re.IGNORECASE)))
        except re.error as err:
            raise TaxonomyError(
                Problem(source, _line_of(text, f"{tag}:"), f"tag {tag!r}: bad regex {pattern!r}: {err}")
            ) from None
        _guard(pattern, source, text, tag, key)
    return tuple(out)


def _guard(pattern: str, source: str, text: str, tag: str, key: str) -> None:
    """Refuse a regex that can take exponential time on some text (regexguard), naming the
    file, the line the regex is on, the tag and the regex: one such rule hangs the build."""
    try:
        nested = nested_repetition(pattern, re.IGNORECASE)
    except RecursionError:
        reason = "groups nested too deeply"
    else:
        if nested is None:
            return
        reason = (
            f"the repeated group {nested.group} holds {nested.element}, which can match the same text, "
            "so matching can take exponential time; make each repetition end at a character the "
            "inner part cannot match, as in (?:\\w+\\s)*\\w+"
        )
    line = _pattern_line(text, _line_of(text, f"{tag}:"), pattern)
    raise TaxonomyError(Problem(source, line, f"tag {tag!r}: {key} regex '{pattern}': {reason}"))


def _pattern_line(text: str, start: int, pattern: str) -> int:
    """The line, from line `start` on, where `pattern` is written as it is (quoted with '
    or plain); `start` when it is spelled otherwise (escaped in double quotes)."""
    for number, line in enumerate(text.splitlines()[max(start - 1, 0) :], max(start, 1)):
        if pattern in line:
            return number
    return start


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (the pure-Python one took 0.1 s for the bundled taxonomy)."""


@functools.lru_cache(maxsize=8)
def parse_taxonomy(text: str, source: str = "taxonomy.yaml") -> Taxonomy:
    """Parse and validate a taxonomy file; errors name the file and line.
    Memoised on the text: a Taxonomy is frozen, and `serve` rebuilds would otherwise
    parse the same file each time (its 477 regexes take 0.05 s to compile)."""
    try:
        data = yaml.load(text, Loader=_SafeLoader) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise TaxonomyError(Problem(source, line, f"invalid YAML: {err}")) from None
    if not isinstance(data, dict) or not isinstance(data.get("tags", {}), dict):
        raise TaxonomyError(Problem(source, 1, "expected a mapping with a 'tags:' mapping"))
    rules = []
    for tag, spec in (data.get("tags") or {}).items():
        tag = str(tag)
        line = _line_of(text, f"{tag}:")
        if not TAG_ID.match(tag):
            raise TaxonomyError(Problem(source, line, f"tag id {tag!r}: use lowercase letters, digits and '-'"))
        spec = spec or {}
        if not isinstance(spec, dict):
            raise TaxonomyError(Problem(source, line, f"tag {tag!r}: expected a mapping"))
        min_hits = spec.get("min", 2)
        if not isinstance(min_hits, int) or min_hits < 1:
            raise TaxonomyError(Problem(source, line, f"tag {tag!r}: min must be a positive integer"))
        rules.append(
            TagRule(
                id=tag,
                name=str(spec.get("name") or tag),
                description=str(spec.get("description") or ""),
                title=_patterns(spec.get("title"), source, text, tag, "title"),
                text=_patterns(spec.get("text"), source, text, tag, "text"),
                min_hits=min_hits,
                exclude=_patterns(spec.get("exclude"), source, text, tag, "exclude"),
            )
        )
    max_tags = data.get("max_tags", 5)
    if not isinstance(max_tags, int) or max_tags < 1:
        raise TaxonomyError(Problem(source, _line_of(text, "max_tags:"), "max_tags must be a positive integer"))
    fallback = data.get("fallback")
    if fallback is not None and not TAG_ID.match(str(fallback)):
        raise TaxonomyError(Problem(source, _line_of(text, "fallback:"), "fallback must be a tag id"))
    return Taxonomy(rules=tuple(rules), max_tags=max_tags, fallback=fallback and str(fallback))
