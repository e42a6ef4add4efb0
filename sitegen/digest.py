"""Parse a pasted Hugging Face paper listing (a "digest") into entries.

Three layouts are known (see README, "Digest formats"):

A. boilerplate, a capture date, then entries: title, abstract, `• N authors`, `·`,
   a date (`Mar 13, 2024` or `Apr 3`) optionally followed by an upvote count;
B. boilerplate, a capture date, then title / abstract pairs;
C. no blank lines, the first title glued to `Subscribe`, titles and abstracts alternating.

Blank lines carry no meaning (C has none), so the parser works on the non-blank
lines, classifies each one, and pairs titles with abstracts by their shape.
The function is pure: text in, `Digest` out; every skipped fragment is a `Problem`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .latex import clean_latex
from .models import Digest, Entry, Problem

MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
MAX_DIGEST_BYTES = 64 * 1024 * 1024
"""Digests above this size are refused (a pasted listing is well under 1 MB)."""

BOILERPLATE = re.compile(
    r"^(new|subscribe|daily papers|byak and the research community|"
    r"get trending papers in your email inbox( once a day)?!?)$",
    re.IGNORECASE,
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[^\sa-z])")
_AUTHORS = re.compile(r"^[•·*-]?\s*(\d{1,5})\s+authors?$", re.IGNORECASE)
_DOT = re.compile(r"^[·•]$")
_DATE = re.compile(
    r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})"
    r"(?:,\s*(\d{4}))?(?:\s+(\d{1,7}))?$"
)
_FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP_START = re.compile(r"^(#{1,6}\s|[-*+>]\s|```|\d+\.\s|\|)")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?$")


@dataclass(frozen=True)
class Line:
    number: int
    kind: str
    """`text`, `boiler`, `authors`, `dot` or `date`."""
    text: str


def decode(data: bytes, source: str) -> tuple[str | None, Problem | None]:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused."""
    if len(data) > MAX_DIGEST_BYTES:
        return None, Problem(source, 0, f"not imported: {len(data)} bytes is over the {MAX_DIGEST_BYTES}-byte limit")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as err:
            return None, Problem(source, 0, f"not imported: invalid UTF-16 ({err.reason})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        return None, Problem(source, line, f"not imported: not UTF-8 text (byte 0x{data[err.start]:02x})")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, Problem(source, line, "not imported: binary data (NUL byte), not a digest")
    return text, None


def normalise_line(raw: str) -> str:
    """Tabs, non-breaking and other odd spaces become one space; ends are trimmed."""
    return _SPACES.sub(" ", _CONTROL.sub("", raw)).strip()


def classify(text: str, number: int) -> Line:
    if BOILERPLATE.match(text):
        return Line(number, "boiler", text)
    if _AUTHORS.match(text):
        return Line(number, "authors", text)
    if _DOT.match(text):
        return Line(number, "dot", text)
    if _DATE.match(text) and 1 <= int(_DATE.match(text).group(2)) <= 31:  # type: ignore[union-attr]
        return Line(number, "date", text)
    return Line(number, "text", text)


def split_lines(text: str) -> list[Line]:
    """Non-blank lines, normalised and classified; `SubscribeTitle` is split in two."""
    out: list[Line] = []
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        line = normalise_line(raw)
        if not line:
            continue
        if _GLUED_SUBSCRIBE.match(line):
            out.append(Line(number, "boiler", "Subscribe"))
            line = line[len("Subscribe") :].strip()
        out.append(classify(line, number))
    return out


def looks_like_abstract(text: str) -> bool:
    """Abstracts are long prose; titles are short and rarely end a sentence."""
    if len(text) >= 300:
        return True
    return len(text) >= 120 and bool(_SENTENCE_END.search(text)) and ". " in text


def filename_date(source: str) -> date | None:
    match = _FILENAME_DATE.search(source)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def resolve_date(text: str, capture: date | None) -> str | None:
    """`Mar 13, 2024` -> `2024-03-13`; `Apr 3` takes the capture year, or the year
    before when Apr 3 falls after the capture date."""
    match = _DATE.match(text)
    if not match:
        return None
    month, day = MONTHS[match[1]], int(match[2])
    if match[3]:
        year = int(match[3])
    elif capture is not None:
        year = capture.year - 1 if (month, day) > (capture.month, capture.day) else capture.year
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _capture_date(header_date: str | None, source: str, year: int | None) -> date | None:
    """The listing's capture date: its own `Dec 15` line plus the year from the file
    name, else the configured year; else the file name's full date."""
    named = filename_date(source)
    year = named.year if named else year
    if header_date and year:
        match = _DATE.match(header_date)
        assert match
        try:
            return date(year, MONTHS[match[1]], int(match[2]))
        except ValueError:
            return None
    if named:
        return named
    if year:
        return date(year, 12, 31)
    return None


@dataclass
class _Draft:
    title: Line
    abstract: str = ""
    authors: int | None = None
    date_text: str | None = None
    upvotes: int | None = None


def parse_digest(text: str, source: str, *, year: int | None = None) -> Digest:
    """Parse a digest's text. `year` resolves year-less dates when the file name
    has no `YYYY-MM-DD` (the caller passes the configured year or the file's mtime year)."""
    lines = split_lines(text)
    problems: list[Problem] = []
    drafts: list[_Draft] = []
    header_date: str | None = None
    markers = 0
    i = 0
    # Header: boilerplate and the capture date, before the first title.
    while i < len(lines) and lines[i].kind in ("boiler", "date"):
        if lines[i].kind == "boiler":
            markers += 1
        elif header_date is None and _DATE.match(lines[i].text)[3] is None:  # type: ignore[index]
            header_date = lines[i].text
        else:
            problems.append(Problem(source, lines[i].number, f"skipped date {lines[i].text!r} before any title"))
        i += 1

    current: _Draft | None = None  # the entry that metadata lines attach to
    expect_abstract = False
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.kind == "boiler":
            markers += 1
            expect_abstract = False
            continue
        if line.kind in ("authors", "dot", "date"):
            markers += 1
            expect_abstract = False
            if current is None:
                problems.append(
                    Problem(source, line.number, f"skipped {line.text!r}: metadata with no title before it")
                )
                continue
            if line.kind == "authors":
                current.authors = int(_AUTHORS.match(line.text)[1])  # type: ignore[index]
            elif line.kind == "date":
                match = _DATE.match(line.text)
                assert match
                current.date_text = line.text if not match[4] else line.text[: match.start(4)].strip()
                current.upvotes = int(match[4]) if match[4] else None
                current = None  # the date closes an entry
            continue
        # A text line: a title, an abstract, or a fragment.
        if looks_like_abstract(line.text):
            if expect_abstract and current is not None:
                current.abstract = line.text
                expect_abstract = False
            elif current is not None and current.abstract and current.date_text is None and current.authors is None:
                current.abstract += " " + line.text  # an abstract pasted over several lines
            else:
                problems.append(Problem(source, line.number, "skipped fragment: abstract text with no title"))
                current = None
            continue
        current = _Draft(title=line)
        drafts.append(current)
        expect_abstract = True

    for draft in drafts:
        if not draft.abstract:
            problems.append(Problem(source, draft.title.number, f"paper {draft.title.text!r} has no abstract"))
    if not markers and not _looks_like_paper_list(lines, drafts):
        what = "empty file" if not lines else "no paper listing found (not a digest?)"
        return Digest(source, (), (Problem(source, 0, f"not imported: {what}"),), None, is_digest=False)

    capture = _capture_date(header_date, source, year)
    return Digest(
        source=source,
        entries=tuple(
            Entry(
                title=clean_latex(d.title.text),
                abstract=clean_latex(d.abstract),
                source=source,
                line=d.title.number,
                authors=d.authors,
                date_text=d.date_text,
                date=resolve_date(d.date_text, capture) if d.date_text else None,
                upvotes=d.upvotes,
            )
            for d in drafts
        ),
        problems=tuple(problems),
        capture_date=capture.isoformat() if capture and (header_date or filename_date(source)) else None,
    )


def _looks_like_paper_list(lines: list[Line], drafts: list[_Draft]) -> bool:
    """Without any listing marker, accept a file only when it reads as title/abstract
    pairs: no Markdown structure, and most lines belong to entries with abstracts."""
    if not drafts or any(_MARKUP_START.match(line.text) for line in lines):
        return False
    with_abstract = sum(1 for d in drafts if d.abstract)
    return with_abstract >= 1 and 2 * with_abstract >= 0.7 * len(lines)
