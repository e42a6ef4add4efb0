"""The digest parser under fuzzing: it never raises, never hangs, never invents a paper.

Properties (checked by tests/fuzz/fuzz_digest.py:check_digest on every input): no
exception; no paper with an empty, white-space or invisible title; no control or
bidi-override character in a title or abstract; every entry's line number points at
the line holding its title (`SubscribeTitle` glue allowed); every problem names a
line of the file. Inputs: random bytes and text, mixtures of the bundled digests'
real lines, every truncation of every bundled digest, every line ending.
Hypothesis runs derandomized (same examples every run); SITEGEN_FUZZ_EXAMPLES=N
asks for more.
"""

from __future__ import annotations

import os
import random
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.config import Config
from sitegen.core.keys import paper_key
from sitegen.core.latex import clean_latex
from sitegen.core.links import find_links
from sitegen.ingest.digest import MAX_DIGEST_BYTES, decode, normalise_line, parse_digest
from sitegen.ingest.importer import read_digest
from tests.fuzz.fuzz_digest import (
    DIGESTS,
    ENDINGS,
    HOSTILE,
    LINE_BREAK,
    big_digest,
    check_bytes,
    check_digest,
    random_loop,
    real_lines,
)
from tests.fuzz.helpers import assert_linear

EXAMPLES = int(os.environ.get("SITEGEN_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REAL = real_lines()
BOILER = "Get trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\nDec 15\n\n"


def test_the_bundled_digests_are_there() -> None:
    assert len(DIGESTS) == 3 and len(REAL) > 500


# --------------------------------------------------------------------------- random input


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    check_bytes(data)


@FUZZ
@given(st.text(max_size=2000))
def test_random_text(text: str) -> None:
    check_digest(text)


@FUZZ
@given(st.lists(st.sampled_from([*HOSTILE, "\n", "\r\n", "\r", " ", "a", "A title", "."]), max_size=80).map("".join))
def test_hostile_fragments(text: str) -> None:
    check_digest(BOILER + text)
    check_digest(text)


line_from_digest = st.sampled_from(REAL)
mangled_line = st.one_of(
    line_from_digest,
    st.tuples(line_from_digest, st.integers(0, 400)).map(lambda t: t[0][: t[1]]),
    st.tuples(line_from_digest, st.sampled_from(HOSTILE), st.integers(0, 300)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
    ),
    st.sampled_from(HOSTILE),
)


@FUZZ
@given(st.lists(mangled_line, max_size=60), st.sampled_from(ENDINGS), st.booleans())
def test_mixtures_of_real_lines(lines: list[str], ending: str, with_header: bool) -> None:
    check_digest((BOILER if with_header else "") + ending.join(lines))


@FUZZ
@given(st.lists(st.tuples(line_from_digest, st.sampled_from(ENDINGS)), max_size=60))
def test_mixed_line_endings(lines: list[tuple[str, str]]) -> None:
    check_digest("".join(line + ending for line, ending in lines))


@FUZZ
@given(st.sampled_from(DIGESTS), st.data())
def test_byte_flips_in_real_digests(path: Path, data: st.DataObject) -> None:
    buf = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    check_bytes(bytes(buf))


def test_random_loop_of_the_fuzz_script() -> None:
    """The standalone fuzz target's own generator (other input shapes), briefly."""
    assert random_loop(800, seed=12345, quiet=True) == 800


# --------------------------------------------------------------------------- real digests, cut and re-ended


def _key(entry: object) -> tuple:
    e = entry
    return (e.title, e.abstract, e.line, e.authors, e.date_text, e.date, e.upvotes)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", DIGESTS, ids=lambda p: p.name)
def test_truncation_at_every_line(path: Path) -> None:
    """A paste cut after any line keeps the papers before the cut exactly, invents none,
    and every entry it reads is one the whole digest has (a cut can only drop facts)."""
    text = path.read_bytes().decode("utf-8-sig")
    lines = LINE_BREAK.split(text)
    full = check_digest(text, path.name)
    by_line = {e.line: e for e in full.entries}  # type: ignore[attr-defined]
    for cut in range(len(lines) + 1):
        ending = ENDINGS[cut % 3]  # each truncation in one of the three endings, all endings covered
        part = check_digest(ending.join(lines[:cut]), path.name)
        entries = part.entries  # type: ignore[attr-defined]
        for i, entry in enumerate(entries):
            whole = by_line.get(entry.line)
            assert whole is not None and whole.title == entry.title, f"cut at {cut}: {entry.title!r} invented"
            if i < len(entries) - 2:  # the last entries may have lost their abstract or metadata to the cut
                assert _key(entry) == _key(whole), f"cut at {cut}: {entry.title!r} changed"
        assert len(entries) >= len([e for e in full.entries if e.line < cut - 8]), f"cut at {cut}: papers lost"  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", DIGESTS, ids=lambda p: p.name)
def test_every_line_ending_reads_the_same(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig")
    lines = LINE_BREAK.split(text)
    expected = [_key(e) for e in check_digest(text, path.name).entries]  # type: ignore[attr-defined]
    rng = random.Random(path.name)
    variants = {ending: ending.join(lines) for ending in ENDINGS}
    mixed, previous = [], ""
    for line in lines:  # a CR then an empty line's LF would be one CRLF: one line break, not two
        previous = "\r" if previous == "\r" and not line else rng.choice(ENDINGS)
        mixed.append(line + previous)
    variants["mixed"] = "".join(mixed)
    variants["bom+crlf+trailing"] = "\ufeff" + "".join(line + " \t\u00a0\r\n" for line in lines)
    for name, variant in variants.items():
        got = [_key(e) for e in check_digest(variant, path.name).entries]  # type: ignore[attr-defined]
        assert got == expected, name


# --------------------------------------------------------------------------- regressions (each was a bug)


def test_titles_never_invisible_or_overridden() -> None:
    """Bug: a line of only U+200D (zero-width joiner) or U+202E (RTL override) was a
    paper title: an invisible page, or one whose title reversed the text around it."""
    digest = check_digest(BOILER + "\u200d\n\n\u202e\u2066\n\n\ufeff\u200b\n\nReal \u202etitle\u202c\n")
    assert [e.title for e in digest.entries] == ["Real title"]  # type: ignore[attr-defined]


def test_subscribe_glued_to_an_invisible_character_is_not_a_title() -> None:
    """Bug (found by tests/fuzz/fuzz_digest.py, input 8249 of seed 1): `Subscribe` + U+200D
    was split as `SubscribeTitle`, and the zero-width joiner became a paper's title."""
    for glued in ("\u200d", "\u2060", "\ufe0f\u200b"):
        digest = check_digest(f"Subscribe{glued}\nA title\n\n{'An abstract. ' * 20}\n")
        assert [e.title for e in digest.entries] == ["A title"]  # type: ignore[attr-defined]


def test_control_and_line_separator_characters_in_a_line() -> None:
    """Bug: NEL, U+2028 and form feed stayed inside titles (other tools take them for line breaks)."""
    assert normalise_line("A\x85B\u2028C\x0cD\x00E\x1b[0m\x9b") == "A B C DE[0m"
    digest = check_digest(BOILER + "Title\u2028with a break\x00\n")
    assert [e.title for e in digest.entries] == ["Title with a break"]  # type: ignore[attr-defined]


def _timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds `fn(*args)` took: on a busy machine wall time also counts the time
    slices other processes got, more of them in a long run than in a short one."""
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def test_abstract_over_many_lines_is_linear() -> None:
    """Bug: an abstract pasted over many lines was joined with `+=`, quadratic:
    6.7 MB took 6 s (a 50 MB paste: minutes). Now 8 MB take about a second."""
    line = "A sentence of abstract text that goes on for a while. " * 6 + "\n"
    text = BOILER + "A title\n\n" + line * 3
    digest = parse_digest(text, "x.txt")
    assert [e.abstract for e in digest.entries] == [" ".join([line.strip()] * 3)]
    assert_linear(
        "from sitegen.ingest.digest import parse_digest",
        f"text = {BOILER!r} + 'A title\\n\\n' + {line!r} * N\n"
        "assert len(parse_digest(text, 'x.txt').entries[0].abstract) > 300 * N",
        6_250,
    )


def test_unclosed_latex_quotes_are_linear() -> None:
    """Bug: ``` ``(.+?)'' ``` rescanned the line from every ``` `` ```: an 80 KB abstract of
    unclosed ``` `` ``` took 11 s. A 1 MB one now takes milliseconds."""
    assert clean_latex("``quoted'' and ``a ``b'' c''") == "\u201cquoted\u201d and ``a \u201cb\u201d c''"
    assert_linear("from sitegen.core.latex import clean_latex", "clean_latex('``x ' * N)", 62_500)


def test_link_trimming_is_linear() -> None:
    """Bug: each `)` dropped from a URL's end recounted the brackets: quadratic
    (20 K brackets: 0.2 s; 1 M: minutes)."""
    assert [link.url for link in find_links("see http://a.example/x)))).")] == ["http://a.example/x"]
    assert [link.url for link in find_links("(see http://a.example/f(x)).")] == ["http://a.example/f(x)"]
    assert_linear(
        "from sitegen.core.links import find_links", "find_links('see http://a.example/x' + ')' * N)", 250_000
    )


def test_paper_key_is_linear() -> None:
    """Bug: `[\\s.,;:!?]+$` backtracked on long runs of punctuation: 40 KB took 9 s."""
    assert paper_key("Title .!? ") == "title" and paper_key("...") == "..."
    assert_linear("from sitegen.core.keys import paper_key", "paper_key('a' + '. ' * N + 'b')", 125_000)


def test_a_paste_of_only_line_breaks_is_fast() -> None:
    """Bug: every empty line was a Python iteration with two regex substitutions:
    32 MB of line breaks (24 million lines) took 11 s, 50 MB over 15 s. Now 0.5 s."""
    check_digest(BOILER + "A title\r\n\r\n\n\r" * 50 + "Another\n")
    assert_linear(
        "from sitegen.ingest.digest import parse_digest",
        "text = 'Daily Papers\\nA title' + '\\r\\n\\r\\n\\n\\r' * N\n"
        "assert len(parse_digest(text, 'x.txt').entries) == 1",
        2_000_000,
    )


def test_long_lines_of_single_spaces_stay_small_in_memory() -> None:
    """Bug: `[ \\t...]+` also matched every single space, and re.sub kept each match as
    a separate piece: a 50 MB one-line paste peaked at 850 MiB (17 times its size)."""
    text = BOILER + "A title\n\n" + "word " * 1_000_000
    tracemalloc.start()
    try:
        digest = parse_digest(text, "x.txt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(digest.entries[0].abstract) == 5_000_000 - 1
    assert peak < 6 * len(text), f"peak {peak / 2**20:.0f} MiB for {len(text) / 2**20:.0f} MB"


def test_utf32_is_not_read_as_utf16() -> None:
    """Bug: a UTF-32 BOM starts with the UTF-16 LE one, so UTF-32 text was decoded as
    UTF-16: NUL characters everywhere, parsed as if they were text."""
    text = BOILER + "A title\n\nAn abstract.\n"
    for codec in ("utf-32", "utf-32-le", "utf-32-be"):
        data = text.encode(codec) if codec == "utf-32" else b"" + "\ufeff".encode(codec) + text.encode(codec)
        assert decode(data, "d.txt") == (text, None)


# --------------------------------------------------------------------------- size: linear time, bounded memory


def test_five_megabytes_parse_fast_in_bounded_memory() -> None:
    """Real lines repeated to 5 MB: seconds, and memory a small multiple of the input.
    (tests/fuzz/fuzz_digest.py --bench 5 20 50 gives the figures for larger sizes.)"""
    data = big_digest(5)
    start = time.perf_counter()
    text, problem = decode(data, "big.txt")
    assert problem is None and text is not None
    digest = parse_digest(text, "big.txt", year=2025)
    seconds = time.perf_counter() - start
    assert len(digest.entries) > 3000
    print(
        f"5 MB digest parsed in {seconds:.2f} s"
    )  # a figure, not a pass/fail: test_time_grows_linearly checks the scaling
    small = text[: len(text) // 5]  # memory on 1 MB (tracing is slow)
    tracemalloc.start()
    try:
        parse_digest(small, "big.txt", year=2025)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(small), f"peak {peak / 2**20:.0f} MiB for {len(small) / 2**20:.0f} MB"


def test_time_grows_linearly() -> None:
    """Four times the input may take four times as long (with slack for noise), not sixteen."""
    small, large = big_digest(0.5), big_digest(2)

    def parse(data: bytes) -> None:
        parse_digest(data.decode("utf-8"), "big.txt", year=2025)

    rounds = [(_timed(parse, small), _timed(parse, large)) for _ in range(3)]  # alternating
    t_small, t_large = min(r[0] for r in rounds), min(r[1] for r in rounds)
    assert t_large < 8 * t_small + 0.05, (t_small, t_large)


def test_over_the_limit_is_refused_clearly(tmp_path: Path) -> None:
    """Above MAX_DIGEST_BYTES a digest is refused, naming the file and the limit,
    without being read into memory (a sparse file: no disk or memory used)."""
    problem = decode(b"x" * (MAX_DIGEST_BYTES + 1), "huge.txt")[1]
    assert problem is not None and problem.source == "huge.txt" and "64 MB limit" in problem.message
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(20 * MAX_DIGEST_BYTES)
    tracemalloc.start()
    try:
        digest, problem = read_digest(path, Config())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest is None and problem is not None
    assert str(problem).startswith("huge.txt: not imported:") and "limit" in problem.message
    assert peak < 2**20
    assert decode(b"x" * MAX_DIGEST_BYTES, "ok.txt")[0] is not None  # the limit itself is allowed
