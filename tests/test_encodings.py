"""Encodings: a digest in UTF-16, UTF-32 or Windows-1252/Latin-1 is read as the same
papers as its UTF-8 original (with a warning for the guessed Windows-1252); damaged
UTF-8 and binary data are refused with a message naming the file (and line), and the
other digests still import. Invalid bytes never crash the import.

Decision (see digest.decode): a BOM decides; without one, UTF-16 is recognised by its
zero bytes (text that is mostly ASCII), and bytes that are not UTF-8 *and hold no
well-formed UTF-8 sequence at all* are read as Windows-1252 when that gives plain
text. A file with some valid UTF-8 sequences and some broken ones is damaged UTF-8:
guessing would garble its titles (and a garbled title is a different paper), so it
is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.ingest.digest import decode, parse_digest
from tests.fuzz.fuzz_digest import DIGESTS, check_bytes
from tests.fuzz.helpers import ABSTRACT, BOILER, do_import, entry_text, make_content, pages

FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
LATIN = BOILER + entry_text(
    "Café au lait: naïve “smart quotes” – and Ærø", "Résumé: " + ABSTRACT + " Ça marche.", authors=None
)
REAL = DIGESTS[0].read_bytes().decode("utf-8-sig")


def titles(text: str) -> list[tuple[str, str]]:
    return [(e.title, e.abstract) for e in parse_digest(text, "2025-12-15-x.txt", year=2025).entries]


@pytest.mark.parametrize(
    "codec", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-32", "utf-32-le-bom", "utf-32-be-bom"]
)
def test_unicode_encodings_with_a_bom(codec: str) -> None:
    for text in (REAL, LATIN):
        if codec.endswith("-bom"):
            real = codec.removesuffix("-bom")
            data = "\ufeff".encode(real) + text.encode(real)
        else:
            data = text.encode(codec)
        assert decode(data, "d.txt") == (text, None)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_recognised(codec: str) -> None:
    for text in (REAL, LATIN):
        assert decode(text.encode(codec), "d.txt") == (text, None)


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_windows_1252_and_latin1_are_read_with_a_warning(codec: str) -> None:
    text = LATIN if codec == "cp1252" else LATIN.replace("“", '"').replace("”", '"').replace("–", "-")
    data = text.encode(codec)
    got, problem = decode(data, "latin.txt")
    assert got == text
    assert problem is not None and problem.source == "latin.txt" and problem.line == 11
    assert "Windows-1252" in problem.message and "UTF-8" in problem.message
    assert titles(got) == titles(text)
    assert "Ã" not in got  # not double-decoded


def test_damaged_utf8_is_refused_with_file_and_line() -> None:
    """Valid UTF-8 sequences (é) and a broken one: damaged UTF-8, not Latin-1."""
    data = (BOILER + entry_text("Café", ABSTRACT)).encode() + b"broken \xff byte\n"
    text, problem = decode(data, "damaged.txt")
    assert text is None and problem is not None
    assert str(problem) == "damaged.txt:21: not imported: not UTF-8 text (byte 0xff); save it as UTF-8"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        bytes(range(256)) * 4,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        b"\xff\xfe" + b"\x00\xd8" * 10,  # UTF-16 with lone surrogates
        b"\x00" * 64,
    ],
    ids=["png", "all-bytes", "zip", "bad-utf16", "nuls"],
)
def test_binary_data_is_refused(data: bytes) -> None:
    text, problem = decode(data, "blob.bin")
    assert text is None and problem is not None and problem.source == "blob.bin"
    assert "not imported" in problem.message


def test_a_stray_nul_in_text_is_dropped_with_a_warning() -> None:
    text = BOILER + entry_text("Title\x00 with a NUL", ABSTRACT)
    got, problem = decode(text.encode(), "d.txt")
    assert got == text and problem is not None and problem.line == 11 and "NUL" in problem.message
    assert titles(got)[0][0] == "Title with a NUL"


def test_the_import_reads_every_encoding_and_refuses_only_the_broken_file(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    base = BOILER + entry_text("Über café: a paper about “quotes”", ABSTRACT)
    (content / "digests" / "2025-12-15-utf16.txt").write_bytes(base.encode("utf-16"))
    (content / "digests" / "2025-12-15-cp1252.txt").write_bytes(
        (BOILER + entry_text("Déjà vu: another paper", ABSTRACT)).encode("cp1252")
    )
    (content / "digests" / "2025-12-15-damaged.txt").write_bytes(
        (BOILER + entry_text("Lost café", ABSTRACT)).encode() + b"\xc3("
    )
    (content / "digests" / "2025-12-15-image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 8)
    report = do_import(content)
    assert (report.digests, report.papers, report.unreadable) == (2, 2, 2)
    found = {p for p in pages(content)}
    assert found == {"ueber-cafe-a-paper-about-quotes", "deja-vu-another-paper"}
    page = (content / "papers" / "deja-vu-another-paper.md").read_bytes().decode("utf-8")  # pages are UTF-8
    assert "title: 'Déjà vu: another paper'" in page
    messages = [str(p) for p in report.problems]
    assert any(m.startswith("2025-12-15-cp1252.txt:11: not UTF-8 (byte 0xe9): read as Windows-1252") for m in messages)
    assert any(m.startswith("2025-12-15-damaged.txt:21: not imported: not UTF-8") for m in messages), messages
    assert any(m.startswith("2025-12-15-image.png:3: not imported: binary data") for m in messages), messages
    # The CLI says so and exits 1 (a digest could not be read), having imported the rest.
    assert main(["import", "--content", str(content), "-q"]) == 1


def test_an_unreadable_page_is_left_alone_and_its_paper_gets_no_second_page(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    (content / "digests" / "2025-12-15-a.txt").write_text(BOILER + entry_text("Café", ABSTRACT), encoding="utf-8")
    do_import(content)
    page = content / "papers" / "cafe.md"
    latin = page.read_bytes().decode("utf-8").encode("cp1252")  # an editor saved it as Windows-1252
    page.write_bytes(latin)
    report = do_import(content)
    assert page.read_bytes() == latin and sorted(pages(content)) == ["cafe"]
    assert any(str(p) == "papers/cafe.md:2: left untouched: not UTF-8 text" for p in report.problems)


# --------------------------------------------------------------------------- properties


@FUZZ
@given(st.binary(max_size=3000))
def test_any_bytes_are_read_or_refused_never_a_crash(data: bytes) -> None:
    check_bytes(data, "any.bin")


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=500).filter(lambda t: "\x00" not in t)


@FUZZ
@given(texts, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_unicode_text_round_trips(text: str, codec: str) -> None:
    """Text without control characters comes back exactly; with a few, it comes back
    with a warning (the parser drops them); with many, it is refused as binary."""
    got, problem = decode(text.encode(codec), "t.txt")
    expected = text.removeprefix("\ufeff") if codec in ("utf-8", "utf-8-sig") else text
    if got is None:
        assert problem is not None and "binary" in problem.message
    else:
        assert got == expected
        assert problem is None or "control character" in problem.message


latin_texts = st.text(st.characters(codec="cp1252", exclude_categories=("Cc", "Cs")), min_size=1, max_size=300)


@FUZZ
@given(latin_texts)
def test_windows_1252_text_is_read_exactly_when_it_is_not_utf8(text: str) -> None:
    data = text.encode("cp1252")
    got, problem = decode(data, "w.txt")
    try:
        data.decode("utf-8")
        is_utf8 = True
    except UnicodeDecodeError:
        is_utf8 = False
    if is_utf8:
        assert problem is None and got == data.decode("utf-8")
    elif got is not None:
        assert got == text and problem is not None and "Windows-1252" in problem.message
    else:  # refused: it held a UTF-8 sequence, or too much non-ASCII to be sure
        assert problem is not None and problem.source == "w.txt"
