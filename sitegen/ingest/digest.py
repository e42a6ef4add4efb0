"""Parse a pasted Hugging Face paper listing (a "digest") into entries.

Three layouts are known (see README, "Digest formats"):

A. boilerplate, a capture date, then entries: title, abstract, `• N authors`, `·`,
   a date (`Mar 13, 2024` or `Apr 3`) optionally followed by an upvote count;
B. boilerplate, a capture date, then title / abstract pairs;
C. no blank lines, the first title glued to `Subscribe`, titles and abstracts alternating.

The parser works on the non-blank lines, classifies each one, and pairs titles with
abstracts by position: after a title comes its abstract, whatever its shape (a one-sentence
abstract, one shorter than its title). Where blank lines separate the fields (A and B),
a text line with no blank line before it continues the abstract above it; in C the lines
simply alternate. Shape only re-synchronises a broken alternation: a line in a title's
place that reads as an abstract means the line taken as the previous abstract was a
title whose abstract was lost (or, if that was abstract-shaped too, the same abstract
pasted over several lines).
The function is pure: text in, `Digest` out; every skipped fragment is a `Problem`.
Reading the file's bytes as text is textdecode.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sitegen.core.identity import IGNORABLE_CLASS
from sitegen.core.latex import clean_latex
from sitegen.core.models import Digest, Entry, Problem
from sitegen.ingest.textdecode import MAX_DIGEST_BYTES, decode, too_big  # noqa: F401 - imported from here

MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
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
_SPECIAL = re.compile(
    "|".join(
        f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})"
        for p in (BOILERPLATE, _AUTHORS, _DOT, _DATE)
    )
)
"""Matches where one of the four does: a line it does not match is plain text, in one `match`."""
_FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_FILENAME_MONTH = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!\d)(?!-\d)")
_CAPTURED_LINE = re.compile(r"^#\s*captured:?\s+(\d{4})-(\d{2})-(\d{2})$", re.IGNORECASE)
# Odd spaces, and the characters other programs take for line breaks inside a line
# (form feed, vertical tab, NEL, U+2028/9), become one plain space. Zero-width ones
# (U+200B) are not spaces: they stay, and paper identity ignores them.
_ODD_SPACE = r"\t\x0b\x0c\x1c-\x1e\x85\u00a0\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Only runs that are not already one plain space match: re.sub keeps every match as a
# separate piece, and a 50 MB line of single spaces cost 17 times its size in memory.
_SPACES = re.compile(f"[{_ODD_SPACE}][ {_ODD_SPACE}]*| [ {_ODD_SPACE}]+")
_NON_BLANK = re.compile(r"[^\r\n]+")
# Removed: control characters, bidirectional embeddings/overrides/isolates (they can
# reverse the text around a title on the page), byte order marks (a pasted file's, or
# the obsolete zero-width no-break space), non-characters and lone surrogates.
_CONTROL = re.compile(
    r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)
# A character that shows: anything but white space and the default-ignorable code points.
_VISIBLE = re.compile(f"[^\\s{IGNORABLE_CLASS}]")
_MARKUP_START = re.compile(r"^(#{1,6}\s|[-*+>]\s|```|\d+\.\s|\|)")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?$")


@dataclass(frozen=True)
class Line:
    number: int
    kind: str
    """`text`, `boiler`, `authors`, `dot` or `date`."""
    text: str
    gap_before: bool = False
    """A blank line (or the start of the file) comes before it."""


def normalise_line(raw: str) -> str:
    """Tabs, non-breaking and other odd spaces become one space, control and bidi
    override characters go, ends are trimmed; a line with nothing visible is blank.

    A line of printable ASCII without a double space (most lines of a digest) has nothing
    to remove or join: only its ends are trimmed, without the two passes of `re.sub` over
    abstracts of a thousand characters (tests/test_digest_normalise.py holds the two ways equal)."""
    if raw.isascii() and raw.isprintable() and "  " not in raw:
        return raw.strip(" ")
    return normalise_line_fully(raw)


def normalise_line_fully(raw: str) -> str:
    """`normalise_line` for any line."""
    line = _SPACES.sub(" ", _CONTROL.sub("", raw)).strip()
    return line if _VISIBLE.search(line) else ""


def classify(text: str, number: int, gap_before: bool = False) -> Line:
    if not _SPECIAL.match(text):  # most lines: titles and abstracts
        return Line(number, "text", text, gap_before)
    if BOILERPLATE.match(text):
        return Line(number, "boiler", text, gap_before)
    if _AUTHORS.match(text):
        return Line(number, "authors", text, gap_before)
    if _DOT.match(text):
        return Line(number, "dot", text, gap_before)
    if _DATE.match(text) and 1 <= int(_DATE.match(text).group(2)) <= 31:  # type: ignore[union-attr]
        return Line(number, "date", text, gap_before)
    return Line(number, "text", text, gap_before)


def split_lines(text: str) -> list[Line]:
    """Non-blank lines, normalised and classified; `SubscribeTitle` is split in two.
    Empty lines are skipped without being visited (a paste of 50 MB of line breaks is
    not 40 million Python iterations); line numbers count CRLF, CR and LF breaks."""
    out: list[Line] = []
    number, pos, last = 1, 0, 0
    for match in _NON_BLANK.finditer(text):
        start = match.start()
        if start - pos == 1:  # one break, LF or CR, between two lines: most of them
            number += 1
        elif start > pos:
            number += text.count("\n", pos, start) + text.count("\r", pos, start) - text.count("\r\n", pos, start)
        pos = match.end()
        line = normalise_line(match.group())
        if not line:
            continue
        gap = number - last > 1
        last = number
        if _GLUED_SUBSCRIBE.match(line):
            out.append(Line(number, "boiler", "Subscribe", gap))
            line = line[len("Subscribe") :].strip()
            gap = False
            if not _VISIBLE.search(line):  # `Subscribe` + a zero-width joiner: nothing glued on
                continue
        out.append(classify(line, number, gap))
    return out


def blank_lines_separate_fields(lines: list[Line]) -> bool:
    """Layouts A and B: most text lines have a blank line before them. In C none has,
    and then lines alternate and no line continues another."""
    texts = [line for line in lines if line.kind == "text"]
    return 2 * sum(line.gap_before for line in texts) > len(texts)


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


def filename_month_end(source: str) -> date | None:
    """The last day of a `YYYY-MM` month in the file name (`2025-06-hf-daily.txt`): the
    latest the listing can have been captured."""
    match = _FILENAME_MONTH.search(source)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    year, month = int(match[1]), int(match[2])
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def filename_year(source: str) -> int | None:
    """The year of a `YYYY-MM-DD` or `YYYY-MM` in the file name."""
    named = filename_date(source) or filename_month_end(source)
    return named.year if named else None


def captured_line(lines: list[Line], source: str) -> tuple[date | None, Problem | None]:
    """A first line `# captured 2025-06-14` states the capture date; an impossible
    date there is a warning, not a silent guess."""
    match = _CAPTURED_LINE.match(lines[0].text) if lines and lines[0].kind == "text" else None
    if not match:
        return None, None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])), None
    except ValueError:
        return None, Problem(source, lines[0].number, f"ignored {lines[0].text!r}: not a real date")


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


def _capture_date(header_date: str | None, source: str, year: int | None, stated: date | None) -> date | None:
    """The listing's capture date: a `# captured` first line; else its own `Dec 15` line
    plus the year from the file name, else the configured year; else the file name's
    full date, or the last day of its `YYYY-MM` month."""
    if stated:
        return stated
    named = filename_date(source)
    year = filename_year(source) or year
    if header_date and year:
        match = _DATE.match(header_date)
        assert match
        try:
            return date(year, MONTHS[match[1]], int(match[2]))
        except ValueError:
            return None
    if named:
        return named
    month_end = filename_month_end(source)
    if month_end:
        return month_end
    if year:
        return date(year, 12, 31)
    return None


@dataclass
class _Draft:
    title: Line
    abstract: list[Line] = field(default_factory=list)
    """The abstract's lines (one, unless it was pasted over several lines)."""
    authors: int | None = None
    date_text: str | None = None
    upvotes: int | None = None


def parse_digest(text: str, source: str, *, year: int | None = None, mtime_year: int | None = None) -> Digest:
    """Parse a digest's text. `year` (the configured year) resolves year-less dates when
    neither a `# captured YYYY-MM-DD` first line nor a `YYYY-MM(-DD)` in the file name
    states the year; `mtime_year` (the file's modification year) is the last resort,
    and using it is a warning, since a copied or touched file has the wrong one."""
    lines = split_lines(text)
    problems: list[Problem] = []
    stated, bad_line = captured_line(lines, source)
    if stated or bad_line:
        lines = lines[1:]
        problems.extend([bad_line] if bad_line else [])
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

    gapped = blank_lines_separate_fields(lines)
    current: _Draft | None = None  # the entry that metadata lines attach to
    expect_abstract = False
    previous: Line | None = None  # the line before, when it was the current abstract's last
    while i < len(lines):
        line = lines[i]
        i += 1
        last_abstract, previous = previous, None
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
        # A text line: by position, the abstract after a title, whatever its shape.
        if expect_abstract and current is not None:
            current.abstract.append(line)
            expect_abstract, previous = False, line
            continue
        open_abstract = current is not None and bool(current.abstract) and current.authors is None
        if gapped and open_abstract and last_abstract is not None and not line.gap_before:
            current.abstract.append(line)  # type: ignore[union-attr]  # no blank line: the same field
            previous = line
            continue
        if looks_like_abstract(line.text):
            # Re-synchronise: an abstract where a title belongs.
            if open_abstract and (len(current.abstract) > 1 or looks_like_abstract(current.abstract[-1].text)):  # type: ignore[union-attr]
                current.abstract.append(line)  # type: ignore[union-attr]  # pasted over several lines
                previous = line
            elif open_abstract and current.date_text is None:  # type: ignore[union-attr]
                # The line taken for the abstract was a title whose own abstract was lost.
                moved = current.abstract.pop()  # type: ignore[union-attr]
                current = _Draft(title=moved, abstract=[line])
                drafts.append(current)
                previous = line
            else:
                problems.append(Problem(source, line.number, "skipped fragment: abstract text with no title"))
                current = None
            continue
        if not drafts and _is_sentence_tail(line.text) and (i == len(lines) or lines[i].kind != "text"):
            # The paste starts in an abstract's last words: no title has an abstract after it.
            problems.append(Problem(source, line.number, "skipped fragment: the end of an abstract with no title"))
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

    guessed = year is None and stated is None and filename_year(source) is None and mtime_year is not None
    if guessed:
        year = mtime_year
        year_less = [d.date_text for d in drafts if d.date_text and not _DATE.match(d.date_text)[3]]  # type: ignore[index]
        if header_date or year_less:
            problems.append(
                Problem(
                    source,
                    0,
                    f"no year stated: year-less dates such as {(header_date or year_less[0])!r} take {year}, "
                    "the file's modification year; name the file YYYY-MM-DD-... or start it with "
                    "'# captured YYYY-MM-DD'",
                )
            )
    capture = _capture_date(header_date, source, year, stated)
    return Digest(
        source=source,
        entries=tuple(
            Entry(
                title=clean_latex(d.title.text),
                abstract=clean_latex(" ".join(line.text for line in d.abstract)),
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
        capture_date=capture.isoformat() if capture and (stated or header_date or filename_date(source)) else None,
    )


def _is_sentence_tail(text: str) -> bool:
    """The end of a sentence, as a paste cut mid-abstract starts: lower case first, a
    full stop last. No title in the bundled listings ends with one."""
    return text[:1].islower() and bool(_SENTENCE_END.search(text))


MIN_MARKERLESS_ABSTRACT = 400
"""Median abstract length (characters) a file with no listing marker needs to be read as
a digest. Listings carry arXiv abstracts: the bundled 221 are 543 to 1,900 characters
long. Paragraphs of notes or a README under headings are shorter, and were imported."""


def _looks_like_paper_list(lines: list[Line], drafts: list[_Draft]) -> bool:
    """Without any listing marker, accept a file only when it reads as title/abstract
    pairs: no Markdown structure, most lines belong to entries with abstracts, and the
    abstracts are abstract-sized."""
    if not drafts or any(_MARKUP_START.match(line.text) for line in lines):
        return False
    lengths = sorted(sum(len(line.text) for line in d.abstract) for d in drafts if d.abstract)
    if not lengths or lengths[len(lengths) // 2] < MIN_MARKERLESS_ABSTRACT:
        return False
    return 2 * len(lengths) >= 0.7 * len(lines)
