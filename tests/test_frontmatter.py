"""The fast front-matter reader (sitegen.pagefile.frontmatter.load_simple) against YAML itself.

Whenever the fast reader answers, its answer must be exactly YAML's (values, key order,
types); whenever YAML fails, the fast reader must have declined. Set FRONTMATTER_EXAMPLES
for a longer, randomised run of the property test."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sitegen.pagefile.frontmatter import load_simple
from sitegen.pagefile.pages import _Loader, new_page, parse_front, split_page
from tests.test_pages import paper

PAPERS = Path(__file__).resolve().parents[1] / "content" / "papers"


def yaml_load(front: str) -> Any:
    return yaml.load(front, Loader=_Loader)  # noqa: S506 - a safe loader


def assert_same(got: Any, want: Any, path: str = "") -> None:
    """Equal, with the same types all the way down (`1 == True`, `date == date` are not enough)."""
    assert type(got) is type(want), f"{path}: {type(got).__name__} {got!r} != {type(want).__name__} {want!r}"
    if isinstance(want, dict):
        assert list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for key in want:
            assert_same(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert len(got) == len(want), f"{path}: {got!r} != {want!r}"
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"


def check(front: str) -> Any:
    """The fast reader's answer for `front` (None: declined), after checking it against YAML."""
    try:
        want = yaml_load(front)
    except Exception:  # YAMLError, and whatever else YAML lets out: the fast reader must decline
        got = load_simple(front, _Loader)
        assert got is None, f"YAML fails on {front!r} but the fast reader gave {got!r}"
        return None
    got = load_simple(front, _Loader)
    if got is not None:
        assert_same(got, want)
    return got


# --------------------------------------------------------------------------- grammar
#
# Fronts are built from entries that are mostly of the shape the fast reader takes, with
# tricky words, numbers, dates, characters and layouts mixed in at rates that leave a fair
# share of whole fronts readable by it (see the "fast" event with --hypothesis-show-statistics).

SPECIAL_WORDS = [
    *"yes Yes YES yEs no No NO nO on On ON oN off Off OFF oFF true True TRUE tRUE false False FALSE".split(),
    *"null Null NULL nUll ~ y Y n N = << - -- --- ... . ? : ! & * | > % @ ` , [] {} #".split(),
]
NUMBERS = [
    *"0 00 01 012 08 09 0o12 0x1F 0X1f 0b101 1_000 1__0 _1 1_ 1:30 -1:30 190:20:30 1:60 1e3 1E3 1.0e+3 1e+3".split(),
    *".5 1. -.5 +.5 -7 +3 -0 +0 - + 10 123 -123 +0x1A .inf -.Inf +.INF .nan .NaN 3.14 1,000 ０ ١٢".split(),
    "9" * 18,
    "9" * 19,
    "1" * 5000,
]
DATES = [
    *"2024-02-29 2023-02-29 2024-02-30 2024-13-01 2024-00-10 2024-01-00 0000-01-01 0001-01-01 9999-12-31".split(),
    *"2024-1-1 2024-01-1 24-01-01 2024-01-01T10:00:00 2024-01-01t1:00:00Z 2024-01-01T10:00:00.5+01:00".split(),
    *["2024-01-01 10:00:00", "2001-12-14 21:59:43.10 -5", "2024-01-01 x", "2024-01-01:"],
]
SAFE_PIECES = [
    *"a b Z word Title x1 é ß 中文 😀 http://x.org/a?b=c#d C# C++ a:b a.b a,b a/b it's 'a' \"q\" 1 2024".split(),
    *": , - ? & * ! % @ ` ' \" [ ] { } # | > < = \\ ~ . .. ---".split(),
    *[" ", " ", " ", "  ", "\xa0", "- ", "? "],
]
"""Characters and words that are text anywhere but at the start of a plain scalar."""
TRICKY_PIECES = [
    *[": ", " #", " # c", "\t", "\r", "\r\n", "\n", "\n  ", "\u2028", "\u2029", "\x85", "\ufeff"],
    *["\x00", "\x01", "\x1b", "\x7f", "\x9f", "\ud800", "\ufffe", "\U0001f600", "\u202e", "\U0010ffff"],
]
"""Comments, mapping indicators, YAML line breaks and characters YAML refuses or treats apart."""
ESCAPES = [
    *r"\\ \" \n \t \0 \a \b \v \f \r \e \/ \N \_ \L \P \x41 \xe9 \x4 \u00e9 \u263A \uD800 \uDFFF".split(),
    *r"\U0001F600 \U00110000 \U0000004 \x0g \q \' \z \x \u \U".split(),
    *["\\ ", "\\\t", "\\"],
]


def weighted(*options: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, chosen with the given weights."""
    return st.sampled_from([s for weight, s in options for _ in range(weight)]).flatmap(lambda s: s)


def _quote_single(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


WORDS = "a b Z word Title x1 é ß 中文 😀 http://x.org/a?b=c#d C# C++ a:b a.b it's 1 2024 -x --".split()
"""Starts of plain text (a plain scalar's first character is where indicators matter)."""
piece = weighted((25, st.sampled_from(SAFE_PIECES)), (1, st.sampled_from(TRICKY_PIECES)))
plain_text = weighted(
    (6, st.tuples(st.sampled_from(WORDS), st.lists(piece, max_size=5)).map(lambda t: t[0] + "".join(t[1]))),
    (1, st.lists(piece, min_size=1, max_size=5).map("".join)),
)
words = SPECIAL_WORDS + NUMBERS + DATES
scalar_text = weighted(
    (20, plain_text),
    (2, st.sampled_from(SPECIAL_WORDS)),
    (2, st.sampled_from(NUMBERS)),
    (2, st.sampled_from(DATES)),
    (6, plain_text.map(_quote_single)),
    (1, st.sampled_from(words).map(_quote_single)),
    (1, plain_text.map(lambda s: f"'{s}'")),  # quotes inside left as they are: often not valid
    (1, plain_text.map(lambda s: f'"{s}"')),
    (1, st.sampled_from(words).map(lambda s: f'"{s}"')),
    (
        2,
        st.lists(weighted((1, st.sampled_from(ESCAPES)), (1, plain_text)), max_size=4).map(
            lambda parts: '"' + "".join(parts) + '"'
        ),
    ),
    (1, st.sampled_from(["[]", "{}", "[ ]", "[]]", "[][]", "{}}", "[] x", "[]x", "[a, b]", "{a: 1}"])),
    (1, st.sampled_from(["&a x", "*a", "!!str 1", "!!int '3'", "|", ">-", "x # c", "'a", '"a', "'a'b'", "'a' b"])),
)
trailer = weighted((12, st.just("")), (3, st.sampled_from([" ", "  "])), (1, st.sampled_from([" # c", "#c", "\t"])))
value_text = st.tuples(scalar_text, trailer).map("".join)

GOOD_KEYS = [
    *"title tags date added abstract links sources auto_tags url kind a b c d e f g h _x k-1 a_b Title".split(),
    *"yess noo nulls ons x1 yes_ no_ _ A Z z9 date_written upvotes authors rating status read_on".split(),
]
BAD_KEYS = [
    *"yes no null on Off y n 1 012 1.5 2024-01-01 ~ << = -k k- ? !k &k *k %k @k".split(),
    *["'q'", '"q"', "two words", "é", "k ", " k", "k\t", "x" * 101, "x" * 100],
]
rarely = st.sampled_from([False] * 19 + [True])
sometimes = st.sampled_from([False] * 9 + [True])
key = weighted((15, st.sampled_from(GOOD_KEYS)), (1, st.sampled_from(BAD_KEYS)))


@st.composite
def list_item(draw: st.DrawFn, dash: str) -> list[str]:
    """The lines of one block-list item."""
    kind = draw(st.sampled_from(["scalar"] * 10 + ["empty", "mapping", "mapping", "mapping", "odd"]))
    inner = " " * (len(dash) + 1)
    if kind == "scalar":
        return [f"{dash} {draw(value_text)}"]
    if kind == "empty":
        return [draw(st.sampled_from([dash, dash + " ", dash + "  "]))]
    if kind == "mapping":
        keys = draw(st.lists(key, min_size=1, max_size=3))
        lines = [f"{dash} {keys[0]}: {draw(value_text)}"]
        for k in keys[1:]:
            indent = draw(weighted((12, st.just(inner)), (1, st.sampled_from([inner + " ", inner[:-1], "\t"]))))
            sep = draw(weighted((12, st.just(": ")), (1, st.sampled_from([":", ":  ", ": \n" + inner + "  - "]))))
            lines.append(f"{indent}{k}{sep}{draw(value_text)}")
        return lines
    return [  # nested lists, mappings with nested values, `-x`, `-  x`
        draw(
            st.sampled_from(
                [
                    f"{dash} - {draw(value_text)}",
                    f"{dash} {draw(key)}:\n{inner}  - {draw(value_text)}",
                    f"{dash} {draw(key)}:\n{inner}{draw(key)}: {draw(value_text)}",
                    f"{dash}{draw(value_text)}",
                    f"{dash}  {draw(value_text)}",
                    f"{dash}\n{inner}{draw(value_text)}",
                ]
            )
        )
    ]


@st.composite
def entry(draw: st.DrawFn) -> list[str]:
    """The lines of one top-level entry (or of something that is not one)."""
    k = draw(key)
    kind = draw(st.sampled_from(["scalar"] * 12 + ["empty", "list", "list", "list", "list", "list", "extra"]))
    if kind == "scalar":
        sep = draw(weighted((20, st.just(": ")), (1, st.sampled_from([":  ", ":", " : ", ":\t"]))))
        lines = [f"{k}{sep}{draw(value_text)}"]
        if draw(rarely):  # a continuation line: a multi-line scalar, or an error
            lines.append(draw(st.sampled_from(["  more", "more", " - x", "  # c", "  k: v", "", "  "])))
        return lines
    if kind == "empty":
        return [draw(st.sampled_from([f"{k}:", f"{k}: ", f"{k}:  "]))]
    if kind == "list":
        dash = draw(weighted((6, st.just("-")), (6, st.just("  -")), (1, st.sampled_from([" -", "   -", "\t-"]))))
        items = draw(st.lists(list_item(dash), min_size=0, max_size=4))
        if items and draw(rarely):  # another indentation for one item
            items[-1] = [" " + line for line in items[-1]]
        if items and draw(sometimes):  # a blank line between items
            items.insert(draw(st.integers(0, len(items))), [draw(st.sampled_from(["", " ", "    "]))])
        head = draw(weighted((12, st.just(f"{k}:")), (1, st.sampled_from([f"{k}: ", f"{k}: # c", f"{k}: x"]))))
        return [head] + [line for item in items for line in item]
    return [
        draw(
            st.sampled_from(
                ["", "", "", "   ", "# comment", "--- x", "...", "%YAML 1.1", "  indented", "\t", "\ufeff", "- x"]
                + ["? k", "k", "&a k: v", "!!str k: v", "[a]: b", "{a: b}"]
            )
        )
    ]


fronts = st.lists(entry(), min_size=0, max_size=7).map(lambda entries: "\n".join(sum(entries, [])))


# --------------------------------------------------------------------------- the property

EXAMPLES = int(os.environ.get("FRONTMATTER_EXAMPLES", "0"))


@settings(
    max_examples=EXAMPLES or 1000,
    deadline=None,
    derandomize=not EXAMPLES,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(fronts)
def test_fast_reader_agrees_with_yaml_or_declines(front: str) -> None:
    got = check(front)
    event("fast" if got is not None else "declined")


@settings(max_examples=EXAMPLES or 1500, deadline=None, derandomize=not EXAMPLES, database=None)
@given(value_text, st.sampled_from(["k: {}", "k:\n- {}", "k:\n  - {}", "k:\n- u: {}", "k:\n  - a: b\n    u: {}"]))
def test_one_value_in_every_place(value: str, layout: str) -> None:
    """Scalars on their own, where the fast reader takes them: many more of them per
    second than in whole fronts."""
    got = check(layout.format(value))
    event("fast" if got is not None else "declined")


# --------------------------------------------------------------------------- specific cases

DECLINED = None
CASES: list[tuple[str, Any]] = [
    # plain scalars and their YAML 1.1 types
    ("title: A paper", {"title": "A paper"}),
    ("n: 42\nm: -7\np: +3\nz: 0\nnz: -0", {"n": 42, "m": -7, "p": 3, "z": 0, "nz": 0}),
    ("d: 2024-02-29", {"d": dt.date(2024, 2, 29)}),
    ("b: yes\nc: No\nd: ON\ne: off\nf: true", {"b": True, "c": False, "d": True, "e": False, "f": True}),
    ("w: yEs\nx: nO\ny: y\nz: n", {"w": "yEs", "x": "nO", "y": "y", "z": "n"}),
    ("a: ~\nb: null\nc: NULL\nd:\ne: ", {"a": None, "b": None, "c": None, "d": None, "e": None}),
    ("a: 1e3\nb: 1.2.3\nc: 0x", {"a": "1e3", "b": "1.2.3", "c": "0x"}),  # not numbers in YAML 1.1
    ("a: C# and C++\nb: a:b\nc: x - y", {"a": "C# and C++", "b": "a:b", "c": "x - y"}),
    ("a: -x\nb: it's\nc: a [b] {c}, d", {"a": "-x", "b": "it's", "c": "a [b] {c}, d"}),
    ("a: trailing   \nb:    leading", {"a": "trailing", "b": "leading"}),
    ("a: é 中文 😀 \xa0x", {"a": "é 中文 😀 \xa0x"}),
    # quoted scalars
    ("t: 'A: b'", {"t": "A: b"}),
    ("t: 'it''s # not a comment'", {"t": "it's # not a comment"}),
    ("t: ''\nu: ''''", {"t": "", "u": "'"}),
    ("t: ' padded '  ", {"t": " padded "}),
    ("t: 'yes'\nu: '012'\nv: '2024-01-01'", {"t": "yes", "u": "012", "v": "2024-01-01"}),
    ('t: "a: b"\nu: "x \\U0001F600 \\t \\\\ \\" \\xe9"', {"t": "a: b", "u": 'x \U0001f600 \t \\ " \xe9'}),
    # lists and link mappings
    ("tags:\n- a\n- 2024\n- 'b: c'", {"tags": ["a", 2024, "b: c"]}),
    ("tags:\n  - a\n  - b\nx: 1", {"tags": ["a", "b"], "x": 1}),
    ("tags:\n\n- a\n\n- b\n", {"tags": ["a", "b"]}),
    ("tags:\n-\n- ~", {"tags": [None, None]}),
    ("tags: []\nx: {}\nl:\n- []\n- {}", {"tags": [], "x": {}, "l": [[], {}]}),
    ("tags: [ ]", DECLINED),
    (
        "links:\n- url: https://github.com/a/b\n  kind: code\n- url: 'https://x.org/#a: b'\nabstract: x",
        {"links": [{"url": "https://github.com/a/b", "kind": "code"}, {"url": "https://x.org/#a: b"}], "abstract": "x"},
    ),
    ("links:\n  - url: u\n    kind: project", {"links": [{"url": "u", "kind": "project"}]}),
    # declined: YAML errors
    ("d: 2024-02-30", DECLINED),
    ("a: b: c", DECLINED),
    ("a: b\na: c", DECLINED),  # YAML keeps the last; the fast reader does not decide
    ("a: 'x' y", DECLINED),
    ("a: 'x", DECLINED),
    ('a: "\\q"', DECLINED),
    ('a: "\\uD800"', DECLINED),
    ("a: x:", DECLINED),
    ("a: b\n- c", DECLINED),
    ("tags:\n- a\n  - b", DECLINED),
    ("a: \x01", DECLINED),
    # declined: valid YAML the fast reader leaves to YAML
    ("", DECLINED),
    ("\n\n", DECLINED),
    ("a: 1.5", DECLINED),
    ("a: 012\nb: 0x1F\nc: 1:30\nd: 1_000", DECLINED),
    ("a: 2024-01-01 10:00:00", DECLINED),
    ("a: 2024-01-01T10:00:00Z", DECLINED),
    ("a: x # comment", DECLINED),
    ("# comment\na: x", DECLINED),
    ("a: [x, y]", DECLINED),
    ("a: {x: 1}", DECLINED),
    ("a: &x 1\nb: *x", DECLINED),
    ("a: !!str 1", DECLINED),
    ("a: |\n  text", DECLINED),
    ("a: >\n  text", DECLINED),
    ("a: long\n  line", DECLINED),
    ("a:\n  b: 1", DECLINED),
    ("a:\n   - x", DECLINED),
    ("a:\n -  x", DECLINED),
    ("yes: 1", DECLINED),
    ("null: 1", DECLINED),
    ("'a': 1", DECLINED),
    ("a b: 1", DECLINED),
    ("<<: {a: 1}", DECLINED),
    ("a: <<", DECLINED),
    ("a:\tb", DECLINED),
    ("a: b\r\nc: d", DECLINED),
    ("a: b\u2028c", DECLINED),
    ("a: \ufeffb", DECLINED),
    ("--- \na: b", DECLINED),
    ("%YAML 1.1\n---\na: b", DECLINED),
    ("links:\n- url: x\n  kind:\n    - y", DECLINED),
    ("links:\n- url: x\n\n  kind: y", DECLINED),
    ("links:\n- url: x\n   kind: y", DECLINED),  # a continuation of `x`: YAML's error
    ("links:\n- url: x\n kind: y", DECLINED),
    ("links:\n  - url: x\n     kind: y", DECLINED),
    ("links:\n  - url: x\n  kind: y", DECLINED),
    ("a: " + "1" * 19, DECLINED),
    ("a: " + "1" * 5000, DECLINED),  # YAML lets a ValueError out (int's digit limit)
    ("tags:\n-  a", DECLINED),
    ("tags:\n  -  a", DECLINED),
]


@pytest.mark.parametrize(("front", "expected"), CASES, ids=[repr(c[0])[:40] for c in CASES])
def test_case(front: str, expected: Any) -> None:
    got = check(front)
    if expected is DECLINED:
        assert got is None
    else:
        assert got is not None
        assert_same(got, expected)


def test_the_loaders_own_resolvers_decide_types() -> None:
    class Yaml12Bools(_Loader):  # type: ignore[misc,valid-type]
        """A loader where only true/false are booleans, and `~x` is null."""

    Yaml12Bools.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in _Loader.yaml_implicit_resolvers.items()
    }
    Yaml12Bools.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
    Yaml12Bools.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^~x$"), ["~"])
    front = "yes: no\non: true\nt: false\nn: ~x"
    assert (
        load_simple(front, Yaml12Bools)
        == yaml.load(front, Loader=Yaml12Bools)
        == {  # noqa: S506
            "yes": "no",
            "on": True,
            "t": False,
            "n": None,
        }
    )

    class MoreBools(_Loader):  # type: ignore[misc,valid-type]
        """`y` a boolean: SafeConstructor has no value for it (KeyError)."""

    MoreBools.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^y$"), ["y"])
    assert load_simple("a: y", MoreBools) is None

    class Wildcard(_Loader):  # type: ignore[misc,valid-type]
        """A resolver for every first character: declined outright."""

    Wildcard.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[a-z]+[0-9]$"), None)
    assert load_simple("a: b", Wildcard) is None


def test_parse_front_falls_back_to_yaml_and_its_errors() -> None:
    assert parse_front("a: 1.5  # c", "p.md") == {"a": 1.5}
    assert parse_front("", "p.md") == {}
    with pytest.raises(ValueError, match=r"^p\.md:3: invalid front matter: .*2024-02-30.* is not a valid date"):
        parse_front("a: 1\nd: 2024-02-30", "p.md")


# --------------------------------------------------------------------------- real pages


def test_every_bundled_page_reads_the_same_and_fast() -> None:
    pages = sorted(PAPERS.glob("*.md"))
    assert len(pages) > 100
    fast = 0
    for page in pages:
        front = split_page(page.read_text("utf-8"), page.name).front
        got = check(front)
        fast += got is not None
    assert fast >= 0.98 * len(pages), f"only {fast} of {len(pages)} pages took the fast path"


def test_pages_sitegen_writes_read_fast() -> None:
    front = split_page(new_page(paper(), "2026-01-02"), "x.md").front
    assert check(front) is not None


def test_remembered_scalars_are_yamls_and_lists_are_never_shared() -> None:
    """Short scalars are remembered across pages (frontmatter._MEMO): a value read again is
    still YAML's, of YAML's type, and an empty list is a new list on every page."""
    from sitegen.pagefile import frontmatter

    front = "added: 2025-02-14\nupvotes: 12\ntags: []\nsources:\n- hf-papers-0001.txt\n- 'yes'\n- yes\n- ~\n"
    first = load_simple(front, _Loader)
    again = load_simple(front, _Loader)
    assert_same(first, yaml_load(front))
    assert_same(again, yaml_load(front))
    assert first["tags"] is not again["tags"]
    first["tags"].append("edited")
    assert load_simple(front, _Loader)["tags"] == []
    memo = frontmatter._MEMOS[id(_Loader.yaml_implicit_resolvers)][1]
    assert "2025-02-14" in memo  # remembered, so the second read used it
