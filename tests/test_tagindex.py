"""Tagging in one pass (sitegen/taxonomy/tagindex.py) gives the plain way's scores, tags and order.

The plain way is `Taxonomy.scores(..., reference=True)`: every rule's every regex run over the
paper. The one-pass engine reads the regexes' sources (sitegen/taxonomy/regexread.py) to count some
patterns from the paper's words and to skip regexes that cannot match; these tests hold it to
the plain way on real and synthetic papers, on random texts, and on the characters Python's
`re` folds onto ASCII letters.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.ingest.digest import parse_digest
from sitegen.taxonomy.regexread import lowered, needles, phrases, plain_literal, whole_words
from sitegen.taxonomy.tagindex import FOLD, fold
from sitegen.taxonomy.tags import parse_taxonomy
from tests.sites import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import gen  # noqa: E402

TAXONOMY = parse_taxonomy((ROOT / "content" / "taxonomy.yaml").read_text(encoding="utf-8"))


def _entries(folder: Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted(folder.glob("*.txt")):
        digest = parse_digest(path.read_text(encoding="utf-8"), path.name, year=2025)
        out.extend((e.title, e.abstract) for e in digest.entries)
    return out


def _quoted(pattern: str) -> str:
    """`pattern` as a YAML single-quoted scalar: backslashes stay as they are (a Python repr
    would double them, and the regex would look for a backslash)."""
    return "'" + pattern.replace("'", "''") + "'"


def _assert_same_scores(taxonomy, papers: list[tuple[str, str]]) -> None:
    plain = [taxonomy.scores(title, abstract, reference=True) for title, abstract in papers]
    for (title, abstract), expected in zip(papers, plain, strict=True):
        assert taxonomy.scores(title, abstract) == expected, title
        assert taxonomy.match(title, abstract) == taxonomy.match(title, abstract, reference=True), title
    # Scored as one batch, and in batches of a few, each paper keeps its own scores.
    assert taxonomy.scores_many(papers) == plain
    assert [s for start in range(0, len(papers), 7) for s in taxonomy.scores_many(papers[start : start + 7])] == plain


def test_bundled_digests_score_as_the_plain_way() -> None:
    papers = _entries(ROOT / "content" / "digests")
    assert len(papers) > 200
    _assert_same_scores(TAXONOMY, papers)
    tagged = {tag for title, abstract in papers for tag in TAXONOMY.match(title, abstract)}
    assert len(tagged) > 20  # the comparison covers most rules, not only the fallback


def test_1000_synthetic_papers_score_as_the_plain_way(tmp_path: Path) -> None:
    gen.generate(1000, tmp_path, seed=3, layouts=("A", "B", "C"))
    papers = _entries(tmp_path / "content" / "digests")
    assert len(papers) >= 1000
    _assert_same_scores(TAXONOMY, papers)


def test_re_folds_exactly_these_non_ascii_characters_onto_ascii() -> None:
    """FOLD must name every character `re.IGNORECASE` matches to an ASCII character, and
    `fold` must not make ASCII out of any other (a pattern's count in the folded text is
    its count in the text only then)."""
    everything = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    ascii_chars = [chr(c) for c in range(0x20, 0x7F)]
    found: dict[str, str] = {}
    for char in ascii_chars:
        for match in re.finditer(re.escape(char), everything, re.IGNORECASE):
            found[match[0]] = char.lower()
    assert found == {k: v for k, v in ((chr(k), v) for k, v in FOLD.items())}
    made_ascii = {c for c in everything if any(x.isascii() for x in fold(c))}
    assert made_ascii == set(found)


def test_dotted_capital_i_tags_as_re_matches_it() -> None:
    """'QUANTİZATION' (a Turkish keyboard's capital I) is a match of 'quantiz' for `re`:
    the tag follows the regex (the old literal prefilter, on casefold(), missed it)."""
    title = "QUANTİZATION of large models"
    abstract = "We study QUANTİZATION and QUANTİZED weights for cheaper inference."
    assert re.search("quantiz", title, re.IGNORECASE)
    assert TAXONOMY.match(title, abstract)[0] == "quantization"
    assert TAXONOMY.match(title, abstract, reference=True)[0] == "quantization"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bquantiz", ({"quantiz"},)),
        (r"moe training", ({"moe"}, {"training"})),
        (r"\b(?:int|fp)[2-8]\b", ({"int", "fp"},)),
        (r"scaling laws?", ({"scaling"}, {"law"})),
        (r"a|bcd", ({"a", "bcd"},)),
        (r"ab?cd", ({"a"}, {"cd"})),
        (r"(?:x|)abc", ({"abc"},)),
        (r"(?:x|)", ()),  # an empty alternative needs nothing
        (r"\bLLMs?\b", ({"llm"},)),
        (r"(?<!vision-)language", ({"language"},)),
        (r"(?i)abc", ()),  # inline flags: not read
        (r"(a)\1", ()),  # backreferences: not read
        (r"\x41bc", ()),  # an escaped letter: not read
        (r"a{2,}", ({"a"},)),
        (r"a{,2}bc", ({"bc"},)),
        (r"[abc]def", ({"def"},)),
        (r"é+tude", ({"tude"},)),
    ],
)
def test_needles_table(pattern: str, expected: tuple[set[str], ...]) -> None:
    assert needles(pattern) == tuple(frozenset(s) for s in expected)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bimages?\b", {"image", "images"}),
        (r"\bRL(?:HF)?\b", {"rl", "rlhf"}),
        (r"\b(?:int|fp)[2-8]\b", {f"{p}{d}" for p in ("int", "fp") for d in "2345678"}),
        (r"\boptimi[sz]ers?\b", {"optimizer", "optimiser", "optimizers", "optimisers"}),
        (r"\b[2-8]-bit\b", None),  # '-' is not a word character: not a single word
        (r"\bimages?", None),  # no closing \b
        (r"\bx+\b", None),  # not a finite set
        (r"\b(?:a|)\b", None),  # the empty word
        (r"\b[A-z]\b", None),  # a range across cases
    ],
)
def test_whole_words_table(pattern: str, expected: set[str] | None) -> None:
    assert whole_words(pattern) == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("scale of the (?:LM|model)", {"scale of the lm", "scale of the model"}),
        ("learning[- ]rates?", {"learning rate", "learning-rate", "learning rates", "learning-rates"}),
        (r"(?<!vision-)(?:language model|\bLLM)s?\b.*pre-?train", {"pretrain", "pre-train"}),
        (r"a\.b", {"a.b"}),
        (r"x|yz", {"x", "yz"}),
        (r"x|\d", None),  # an alternative with no literal at all
        (r"[^a]bc", {"bc"}),
        (r"[a-]x", {"ax", "-x"}),
        (r"[A-z]", None),
        (r"\bGANs?\b", {"gan", "gans"}),
    ],
)
def test_phrases_table(pattern: str, expected: set[str] | None) -> None:
    assert phrases(pattern) == (None if expected is None else frozenset(expected))


def test_plain_literal_table() -> None:
    assert plain_literal("Diffusion Model") == "diffusion model"
    assert plain_literal("low-bit") == "low-bit"
    assert plain_literal("low[- ]bit") is None
    assert plain_literal("a.b") is None


PATTERNS = [
    r"\bquantiz",
    r"scaling laws?",
    r"\bLLMs?\b",
    r"(?:int|fp)[48]",
    r"\b(?:int|fp)[48]\b",
    r"mixture[- ]of[- ]experts",
    r"\bk\b",
    r"ks",
    r"\bks?\b",
    r"s k",
    r"(?<!q)ik",
    r"\bik(?:s|q)?\b",
    r"q.*k",
    r"k[- ]s",
    r"(?:int|fp)[48]? (?:k|s)",
    r"a (?:novel )?k of\b",
]


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("abefgiklmnopqstvxIKLMQS 48-_é\u0130\u0131\u017f\u212a\u00df\u1e9e\u03a3\n")),
        max_size=60,
    ),
    st.text(alphabet=st.sampled_from(list("iksqIKSQ \u0130\u0131\u017f\u212a\u00df")), max_size=12),
    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=4),
    st.sampled_from(["title", "text", "exclude"]),
    st.integers(min_value=1, max_value=3),
)
def test_random_texts_score_as_the_plain_way(
    abstract: str, title: str, patterns: list[str], where: str, minimum: int
) -> None:
    rules = "".join(
        f"  r{n}:\n    {where}: [{_quoted(pattern)}]\n    {'text' if where != 'text' else 'title'}: ['k']\n    min: {minimum}\n"
        for n, pattern in enumerate(patterns)
    )
    taxonomy = parse_taxonomy(f"max_tags: 3\ntags:\n{rules}", f"random-{hash(rules)}.yaml")
    _assert_same_scores(taxonomy, [(title, abstract)])


WORDS = [
    "k",
    "ks",
    "K",
    "ik",
    "iks",
    "ikq",
    "s",
    "q",
    "LLM",
    "llms",
    "int4",
    "fp8",
    "FP4",
    "\u212a",
    "\u0130k",
    "\u017fk",
]
WORDS += ["scaling", "laws", "a", "novel", "of", "mixture-of-experts", "-", "\n", "k-s", "qk"]
"""Words the PATTERNS above match, or nearly: texts made of them give every paper of a batch hits."""


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join),
            st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
        ),
        min_size=2,
        max_size=12,
    ),
    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=4),
    st.sampled_from(["title", "text", "exclude"]),
)
def test_random_batches_score_each_paper_as_the_plain_way(
    papers: list[tuple[str, str]], patterns: list[str], where: str
) -> None:
    """Papers scored together share a batch's word and needle tables: none may take another's hit."""
    rules = "".join(
        f"  r{n}:\n    {where}: [{_quoted(pattern)}]\n    {'text' if where != 'text' else 'title'}: ['\\bk']\n    min: 1\n"
        for n, pattern in enumerate(patterns)
    )
    taxonomy = parse_taxonomy(f"max_tags: 3\ntags:\n{rules}", f"random-batch-{hash(rules)}.yaml")
    _assert_same_scores(taxonomy, papers)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("Scaling Laws?", "scaling laws?"),
        (r"\bGPT-[23]\b", r"\bgpt-[23]\b"),
        (r"\b\d+(?:\.\d+)?[BM] (?:parameters|tokens)", r"\b\d+(?:\.\d+)?[bm] (?:parameters|tokens)"),
        (
            r"(?<!vision-)(?:language model|\bLLM)s?\b.*pre-?train",
            r"(?<!vision-)(?:language model|\bllm)s?\b.*pre-?train",
        ),
        (r"[A-Z][a-z]\W\S\D", r"[a-z][a-z]\W\S\D"),
        (r"[^A-F0-9_-]x", r"[^a-f0-9_-]x"),
        (r"[]A]", r"[]a]"),
        (r"[!-/]A", r"[!-/]a"),
        (r"[A-z]", None),  # a range across cases
        (r"[0-Z]", None),  # a range holding letters from a non-letter
        (r"[\--Z]", None),  # a range from an escape
        (r"\x41", None),  # an escape spelling a letter
        (r"(a)\1", None),  # a backreference
        (r"(?i)A", None),  # inline flags
        (r"(?P<n>A)", None),  # named groups
        (r"(?-i:A)", None),
        (r"é", None),  # not ASCII
        (r"[ab", None),
    ],
)
def test_lowered_table(pattern: str, expected: str | None) -> None:
    assert lowered(pattern) == expected


def test_fold_keeps_every_characters_class_and_length() -> None:
    """`lowered` patterns run on the folded text: every character must keep its `\\w`, `\\d`,
    `\\s` and `.` class under `fold`, and fold to one character (the text keeps its length)."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    folded = "".join(fold(c) for c in everything)
    assert len(folded) == len(everything)
    for cls in (r"\w", r"\d", r"\s", r"."):
        regex = re.compile(cls, re.DOTALL if cls == "." else 0)
        assert [m.start() for m in regex.finditer(everything)] == [m.start() for m in regex.finditer(folded)]
    assert fold("ASCII Text, 2 Words") == "ascii text, 2 words"


LOWERED_PATTERNS = [
    *PATTERNS,
    r"[A-Z]\w+ [^a-k]",
    r"\b[2-8][- ]bits?\b",
    r"\bGPT-[23]\b",
    r"(?:introduce|present)[sd]? (?:a |an )?(?:[\w-]+ ){0,3}(?:dataset|benchmark)\b",
    r"\BK\B|S$|^I",
    r"(?<=k)s(?!i)",
]


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("abefgiklmnopqstvxIKLMQSZ 48-_é\u0130\u0131\u017f\u212a\u00df\u1e9e\u03a3\n")),
        max_size=80,
    ),
    st.sampled_from(LOWERED_PATTERNS),
)
def test_lowered_pattern_on_folded_text_matches_as_ignorecase(text: str, pattern: str) -> None:
    fast = lowered(pattern)
    assert fast is not None
    plain = re.compile(pattern, re.IGNORECASE)
    spans = [m.span() for m in plain.finditer(text)]
    assert [m.span() for m in re.compile(fast).finditer(fold(text))] == spans
