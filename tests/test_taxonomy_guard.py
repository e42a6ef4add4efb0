"""Taxonomy regexes that can take exponential time are refused (issue 21 item 7).

`(\\w+\\s?)+$` made a build run with no output until it was killed: Python's `re` tries every
way of splitting a long word between the inner and the outer repetition. The taxonomy now
refuses such a rule, naming the file, line, tag and regex (sitegen/taxonomy/regexguard.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sitegen.taxonomy.regexguard import Nested, nested_repetition
from sitegen.taxonomy.tags import TaxonomyError, parse_taxonomy
from tests.sites import ROOT, copy_content

TIMEOUT = 120
"""Seconds the build may take before the test fails: it takes about one; before the guard
it ran until killed."""

REFUSED = [
    (r"(\w+\s?)+$", Nested(r"(\w+\s?)+", r"\w+")),
    (r"(a+)+", Nested("(a+)+", "a+")),
    (r"(a*)*b", Nested("(a*)*", "a*")),
    (r"(x\w+)+", Nested(r"(x\w+)+", r"\w+")),  # the x can be taken by \w+
    (r"(\w+-\d+)+", Nested(r"(\w+-\d+)+", r"\d+")),  # \d+ meets the next \w+ with nothing between
    (r"(?:[a-z]{1,9}\.?)+", Nested(r"(?:[a-z]{1,9}\.?)+", "[a-z]{1,9}")),
    (r"(\w+\s?){2,}", Nested(r"(\w+\s?){2,}", r"\w+")),
    (r"(a|b+)+", Nested("(a|b+)+", "b+")),
    (r"((\w+)-)+", Nested(r"((\w+)-)+", r"\w+")),
    (r"(?s)(.+\n)+", Nested(r"(.+\n)+", ".+")),  # with (?s) the dot takes line breaks too
    (r"(?=(a+)+$)", Nested("(a+)+", "a+")),  # inside a lookahead backtracking is the same
    (r"(?x) ( \w + \s ? ) +", Nested(r"( \w + \s ? ) +", r"\w +")),
    (r"([^x]+[xy])+", Nested("([^x]+[xy])+", "[^x]+")),  # [^x] matches y
    (r"(?:(a+)b?)+", Nested("(?:(a+)b?)+", "a+")),
]
ACCEPTED = [
    r"\bquantiz",
    r"(?:[\w-]+ ){0,4}(?:dataset|benchmark)\b",  # each word ends at a space it cannot match
    r"(?:\w+\s)*\w+",
    r"(?:\w+\b\s)+",
    r"(.+\n)+",  # without (?s) the dot stops at the line break
    r"(\w++\s?)+",  # possessive: gives nothing back
    r"(\w+\s?)++",
    r"(a{3}b?)+",  # a fixed length: one way to split
    r"(\w+\s?){1}",
    r"(\w+\s?)?",
    r"(?P<v>\d+\.)+",
    r"([^x]+x)+",
    r"(\x41+B)+",
    r"\(\w+\)+",
    r"[(]\w+[)]+",
]


@pytest.mark.parametrize(("pattern", "nested"), REFUSED)
def test_a_repeated_group_holding_an_ambiguous_repetition_is_found(pattern: str, nested: Nested) -> None:
    re.compile(pattern)
    assert nested_repetition(pattern, re.IGNORECASE) == nested


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_an_unambiguous_pattern_passes(pattern: str) -> None:
    re.compile(pattern)
    assert nested_repetition(pattern, re.IGNORECASE) is None


def test_ignorecase_decides_which_characters_meet() -> None:
    assert nested_repetition("(?:[a-z]+A)+") is None
    assert nested_repetition("(?:[a-z]+A)+", re.IGNORECASE) == Nested("(?:[a-z]+A)+", "[a-z]+")


def test_every_bundled_and_fixture_taxonomy_regex_passes() -> None:
    for path in (ROOT / "content" / "taxonomy.yaml", ROOT / "tests" / "fixtures" / "import" / "taxonomy.yaml"):
        parse_taxonomy(path.read_text(encoding="utf-8"), str(path))  # raises on a refused rule
        tags = yaml.safe_load(path.read_text(encoding="utf-8"))["tags"]
        patterns = [p for spec in tags.values() for key in ("title", "text", "exclude") for p in spec.get(key) or []]
        assert len(patterns) > 10
        assert [p for p in patterns if nested_repetition(p, re.IGNORECASE)] == []


TAXONOMY = """max_tags: 3
tags:
  words:
    name: Words
    title:
      - '\\bword'
      - '(\\w+\\s?)+$'
"""


def test_the_taxonomy_names_file_line_tag_and_regex() -> None:
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy(TAXONOMY, "content/taxonomy.yaml")
    assert str(err.value) == (
        r"content/taxonomy.yaml:7: tag 'words': title regex '(\w+\s?)+$': the repeated group (\w+\s?)+ holds \w+,"
        " which can match the same text, so matching can take exponential time; make each repetition end at a"
        r" character the inner part cannot match, as in (?:\w+\s)*\w+"
    )


def test_a_build_with_such_a_rule_stops_at_once_with_exit_2(tmp_path: Path) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    taxonomy = content / "taxonomy.yaml"
    text = taxonomy.read_text(encoding="utf-8")
    line = "    title: ['quantiz',"
    assert text.count(line) == 1
    taxonomy.write_text(text.replace(line, "    title: ['(\\w+\\s?)+$', 'quantiz',"), encoding="utf-8")
    number = text.splitlines().index(next(x for x in text.splitlines() if x.startswith(line))) + 1
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--no-search"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"error: content/taxonomy.yaml:{number}: tag 'quantization': title regex '(\\w+\\s?)+$': the repeated group"
    )
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "site").exists()
