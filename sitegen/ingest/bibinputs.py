"""Bibliographies as inputs: BibTeX (`.bib`) and CSL-JSON (Zotero's and Better BibTeX's
export). Each record gives a title, authors, a date, an abstract and, where it says
so, an arXiv id (`eprint`, an arxiv.org URL, `arXiv:` in `number` or `journal`) and a
DOI. A file with a broken record is refused whole, with its file and line. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sitegen.core.identifiers import ArxivId, normalise_doi, parse_arxiv
from sitegen.core.latex import clean_latex
from sitegen.core.models import Entry, Identifiers

_ARXIV_IN_TEXT = re.compile(r"arxiv:\s*(\S+)", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


class RecordError(ValueError):
    """A record that cannot be read; `line` is where it is."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _arxiv_of(*texts: str) -> ArxivId | None:
    for text in texts:
        if not text:
            continue
        found = parse_arxiv(text)
        match = _ARXIV_IN_TEXT.search(text) if found is None else None
        found = found or (parse_arxiv(match[1].rstrip(".,;")) if match else None)
        if found:
            return found
    return None


def _entry(
    title: str,
    names: tuple[str, ...],
    day: str | None,
    abstract: str,
    arxiv: ArxivId | None,
    doi: str | None,
    **where: Any,
) -> Entry:
    ids = Identifiers(
        arxiv=arxiv.id if arxiv else None,
        arxiv_version=arxiv.version if arxiv else None,
        doi=doi,
        authors=names,
        published=day,
    )
    return Entry(
        title=title,
        abstract=abstract,
        authors=len(names) or None,
        date=day,
        ids=ids,
        source=where["source"],
        line=where["line"],
    )


# ----------------------------------------------------------------------------- CSL-JSON


def is_csl(items: list[Any]) -> bool:
    """CSL-JSON items have a `type` (`article`, `article-journal`, ...) and no `paper`."""
    return bool(items) and all(isinstance(i, dict) and "type" in i and "paper" not in i for i in items)


def csl_entry(item: dict[str, Any], source: str, line: int) -> Entry:
    title = _one_line(item.get("title"))
    if not title:
        raise RecordError(line, "a CSL-JSON item with no `title`")
    names = tuple(n for n in (_csl_name(a) for a in item.get("author") or [] if isinstance(a, dict)) if n)
    arxiv = _arxiv_of(*(_one_line(item.get(k)) for k in ("number", "URL", "container-title", "archive_location")))
    doi = normalise_doi(str(item["DOI"])) if item.get("DOI") else None
    return _entry(
        title,
        names,
        _csl_day(item.get("issued")),
        _one_line(item.get("abstract")),
        arxiv,
        doi,
        source=source,
        line=line,
    )


def _csl_name(author: dict[str, Any]) -> str:
    if author.get("literal"):
        return _one_line(author["literal"])
    return " ".join(p for p in (_one_line(author.get("given")), _one_line(author.get("family"))) if p)


def _csl_day(issued: Any) -> str | None:
    """The issued date when it has a day (`{"date-parts": [[2024, 3, 11]]}`)."""
    try:
        parts = issued["date-parts"][0]
        return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def _one_line(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


# ----------------------------------------------------------------------------- BibTeX


def looks_like_bibtex(text: str) -> bool:
    first = next((line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("%")), "")
    return re.match(r"@[A-Za-z]+\s*[{(]", first) is not None


def bibtex_entries(text: str, source: str) -> list[Entry]:
    """Every `@type{key, field = value, ...}` record (not `@string`, `@comment`,
    `@preamble`) as an entry; RecordError for a record that is not well formed."""
    out: list[Entry] = []
    for line, kind, fields in _records(text):
        if kind in ("string", "comment", "preamble"):
            continue
        title = _one_line(clean_latex(_unbrace(fields.get("title", ""))))
        if not title:
            raise RecordError(line, f"a @{kind} record with no title")
        names = tuple(_bib_name(n) for n in _split_authors(fields.get("author", "")) if n.strip())
        arxiv = _arxiv_of(
            fields.get("eprint", "") if fields.get("archiveprefix", "arxiv").lower() == "arxiv" else "",
            fields.get("url", ""),
            fields.get("journal", ""),
        )
        doi = normalise_doi(fields["doi"]) if fields.get("doi") else None
        abstract = _one_line(clean_latex(_unbrace(fields.get("abstract", ""))))
        out.append(_entry(title, names, _bib_day(fields), abstract, arxiv, doi, source=source, line=line))
    return out


def _records(text: str) -> list[tuple[int, str, dict[str, str]]]:
    records: list[tuple[int, str, dict[str, str]]] = []
    pos = 0
    line_at: Callable[[int], int] = lambda i: text.count("\n", 0, i) + 1  # noqa: E731
    while (at := text.find("@", pos)) >= 0:
        head = re.compile(r"@([A-Za-z]+)\s*([{(])").match(text, at)
        if head is None:
            raise RecordError(line_at(at), "expected `@type{` here")
        kind, close = head[1].lower(), "}" if head[2] == "{" else ")"
        i = head.end()
        if kind in ("comment", "preamble", "string"):
            end = _balanced(text, i - 1, line_at)
            records.append((line_at(at), kind, {}))
            pos = end
            continue
        key_end = text.find(",", i)
        if key_end < 0 or "\n\n" in text[i:key_end].strip():
            raise RecordError(line_at(at), f"@{kind} record with no key")
        fields: dict[str, str] = {}
        i = key_end + 1
        while True:
            i = _skip_space(text, i)
            if i < len(text) and text[i] == close:
                i += 1
                break
            name = re.compile(r"([A-Za-z][\w:-]*)\s*=\s*").match(text, i)
            if name is None:
                raise RecordError(line_at(i), f"expected `field = value` or `{close}` in the @{kind} record")
            value, i = _value(text, name.end(), line_at)
            fields[name[1].lower()] = value
            i = _skip_space(text, i)
            if i < len(text) and text[i] == ",":
                i += 1
            elif i >= len(text) or text[i] != close:
                raise RecordError(line_at(min(i, len(text) - 1)), f"expected `,` or `{close}` after {name[1]}")
        records.append((line_at(at), kind, fields))
        pos = i
    return records


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _balanced(text: str, start: int, line_at: Callable[[int], int]) -> int:
    """Index after the bracket that closes text[start] (`{` or `(`)."""
    opener = text[start]
    closer = "}" if opener == "{" else ")"
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            depth -= 1
            if depth == 0:
                return i + 1
    raise RecordError(line_at(start), f"`{opener}` never closed")


def _value(text: str, i: int, line_at: Callable[[int], int]) -> tuple[str, int]:
    """A field value: `{...}`, `"..."`, a number or a macro name, joined by `#`."""
    parts = []
    while True:
        if i < len(text) and text[i] == "{":
            end = _balanced(text, i, line_at)
            parts.append(text[i + 1 : end - 1])
        elif i < len(text) and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise RecordError(line_at(i), '`"` never closed')
            parts.append(text[i + 1 : end])
            end += 1
        else:
            match = re.compile(r"[\w.:-]+").match(text, i)
            if match is None:
                raise RecordError(line_at(i), "expected a value")
            parts.append(match[0])
            end = match.end()
        i = _skip_space(text, end)
        if i < len(text) and text[i] == "#":
            i = _skip_space(text, i + 1)
            continue
        return "".join(parts), i


def _unbrace(value: str) -> str:
    return value.replace("{", "").replace("}", "")


def _split_authors(value: str) -> list[str]:
    """`A and B and {C and D Inc.}`: split on `and` outside braces."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        token = match[0]
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return names


def _bib_name(name: str) -> str:
    """`Su, Hui` -> `Hui Su`; braces and LaTeX accents cleaned."""
    name = _one_line(clean_latex(name))
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    return _unbrace(name)


def _bib_day(fields: dict[str, str]) -> str | None:
    """`date = {2024-03-11}`, or `year`, `month` and `day` together (a year alone is no date)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields.get("date", "").strip()):
        try:
            return date.fromisoformat(fields["date"].strip()).isoformat()
        except ValueError:
            return None
    month = fields.get("month", "").strip().lower()[:3]
    try:
        number = int(month) if month.isdigit() else _MONTHS[month]
        return date(int(fields["year"]), number, int(fields["day"])).isoformat()
    except (KeyError, ValueError):
        return None
