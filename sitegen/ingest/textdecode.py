"""A digest file's bytes to text: which encodings are read (UTF-8 with or without BOM,
UTF-16/32 with a BOM, BOM-less UTF-16 and Windows-1252 when the bytes show them), what is
refused as binary or too big, and the warnings for what was read with a caveat. Pure:
bytes in, text or a Problem (naming the file) out. The parsing is digest.py's."""

from __future__ import annotations

import re

from sitegen.core.models import Problem

MAX_DIGEST_BYTES = 64 * 1024 * 1024
"""Digests above this size are refused (a pasted listing is well under 1 MB)."""
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def decode(data: bytes, source: str) -> tuple[str | None, Problem | None]:
    """Bytes to text, or None and the reason it was refused (naming the file).

    Read: UTF-8 (with or without BOM); UTF-16 and UTF-32 with a BOM; UTF-16 without a
    BOM when its zero bytes show it (Latin text); and, when the bytes are not UTF-8 and
    hold no UTF-8 sequence at all, Windows-1252 (a superset of Latin-1) if that reads
    as plain text. A few stray control characters (a NUL, an escape sequence) are
    allowed: normalise_line removes them. Text read with such a caveat comes back
    with a Problem (a warning) too.
    Refused (None and the reason): anything over MAX_DIGEST_BYTES; binary data (more
    than 1 control character in 100, or a run of three NULs); UTF-8 with broken sequences.
    """
    if len(data) > MAX_DIGEST_BYTES:
        return None, too_big(source, len(data))
    utf8_bom = data.startswith(b"\xef\xbb\xbf")
    if utf8_bom:
        data = data[3:]
    for bom, codec in _BOMS if not utf8_bom else ():
        if data.startswith(bom):
            try:
                return _text_or_binary(data[len(bom) :].decode(codec), source)
            except UnicodeDecodeError as err:
                return None, Problem(source, 0, f"not imported: invalid {codec.upper()} text ({err.reason})")
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            try:
                return _text_or_binary(data.decode(utf16), source)
            except UnicodeDecodeError as err:
                return None, Problem(source, 0, f"not imported: invalid {utf16.upper()} text ({err.reason})")
        if _is_binary(data, len(_ODD_CONTROL_BYTES.findall(data))):  # before any decoding error: say what it is
            return None, _binary(source, data.count(b"\n", 0, data.index(b"\x00")) + 1)
    try:
        return _text_or_binary(data.decode("utf-8"), source)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start]
    if not utf8_bom and not _UTF8_SEQUENCE.search(data):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = None
        if text is not None and _plausible_text(text) and _text_or_binary(text, source)[0] is not None:
            return text, Problem(
                source, line, f"not UTF-8 (byte 0x{bad:02x}): read as Windows-1252/Latin-1; save it as UTF-8 to be sure"
            )
    return None, Problem(source, line, f"not imported: not UTF-8 text (byte 0x{bad:02x}); save it as UTF-8")


def too_big(source: str, size: int) -> Problem:
    return Problem(
        source, 0, f"not imported: {size} bytes is over the {MAX_DIGEST_BYTES // 2**20} MB limit for a digest"
    )


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),  # before UTF-16 LE, whose BOM it starts with
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# A well-formed multi-byte UTF-8 sequence: text holding one is UTF-8 with damage, not Latin-1.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_ODD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_ODD_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _binary(source: str, line: int) -> Problem:
    return Problem(source, line, "not imported: binary data (NUL or control bytes), not a digest")


def _text_or_binary(text: str, source: str) -> tuple[str | None, Problem | None]:
    """Text with a few stray control characters (a NUL, an escape sequence) is read, and
    they are removed from its lines with a warning; with more than 1 in 100 characters,
    or a run of NULs as binary formats have, it is binary data and refused."""
    first = _ODD_CONTROL.search(text)
    if first is None:
        return text, None
    line = len(_LINE_BREAK.findall(text, 0, first.start())) + 1
    controls = len(_ODD_CONTROL.findall(text))
    if _is_binary(text, controls):
        return None, _binary(source, line)
    return text, Problem(source, line, f"{controls} control character(s) such as NUL removed (first: {first[0]!r})")


def _is_binary(data: str | bytes, controls: int) -> bool:
    """More than 1 control character in 100, or a run of NULs as binary formats have."""
    nuls = "\x00\x00\x00" if isinstance(data, str) else b"\x00\x00\x00"
    return controls > len(data) / 100 or nuls in data  # type: ignore[operator]


def _utf16_without_bom(data: bytes) -> str | None:
    """`utf-16-le`/`-be` when the zero bytes fall on one side of most code units, as in
    UTF-16 text that is mostly ASCII; None for anything else (binary data)."""
    if len(data) % 2:
        return None
    sample = data[: 1 << 16]
    units = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * units and even <= 0.01 * units:
        return "utf-16-le"
    if even >= 0.3 * units and odd <= 0.01 * units:
        return "utf-16-be"
    return None


def _plausible_text(text: str) -> bool:
    """Prose, not binary: hardly any control characters, mostly ASCII."""
    if len(_ODD_CONTROL.findall(text)) > len(text) / 100:
        return False
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return non_ascii <= 0.2 * len(text)
