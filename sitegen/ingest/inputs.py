"""Every kind of file `content/digests/` may hold, told apart by its content.

- a pasted listing (digest.py): titles, abstracts, author counts, dates;
- a list of arXiv ids or arXiv / Hugging Face paper URLs, one per line (`#` comments):
  id-only papers, titled `arXiv:<id>` until an input or a look-up gives the title;
- the JSON Hugging Face's API returns for daily papers (`/api/daily_papers`) and paper
  search (`/api/papers/search`): a list of objects whose `paper` holds `id`, `title`,
  `summary`, `authors[].name`, `publishedAt`, `upvotes` (a list of bare paper objects,
  or one paper as `/api/papers/<id>` gives it, are read too);
- BibTeX (`@article{...}`) and CSL-JSON (a list of items with a `type`), see bibinputs;
- a Hugging Face papers page saved from the browser (daily, weekly, monthly, trending,
  search, collection pages): the paper objects in the JSON its components are hydrated
  from (`data-props` attributes), read as data; the page's scripts are never run and its
  visual layout is not looked at.

A file of a recognised kind with a broken part (invalid JSON, a line that is not an id,
an item with neither title nor id) is refused whole, with its file and line: nothing
is imported from it. Pure: text in, Digest out.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

from sitegen.core.identifiers import hf_url, parse_arxiv, parse_arxiv_id
from sitegen.core.latex import clean_latex
from sitegen.core.models import Digest, Entry, Identifiers, Problem
from sitegen.ingest.bibinputs import RecordError, bibtex_entries, csl_entry, is_csl, looks_like_bibtex
from sitegen.ingest.digest import parse_digest
from sitegen.ingest.filedates import filename_date

_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def parse_input(text: str, source: str, *, year: int | None = None, mtime_year: int | None = None) -> Digest:
    """The entries of one file in `content/digests/`, whatever its kind."""
    body = text.lstrip("\ufeff \t\r\n")
    if body[:15].lower().startswith(("<!doctype html", "<html")):
        return parse_hf_html(text, source)
    if body.startswith(("[", "{")):
        return parse_hf_json(text, source)
    if looks_like_bibtex(body):
        return parse_bibtex(text, source)
    first = next((line.strip() for line in text.splitlines() if line.strip() and not _comment(line)), "")
    if first and parse_arxiv(first) is not None:
        return parse_id_list(text, source)
    return parse_digest(text, source, year=year, mtime_year=mtime_year)


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _refused(source: str, line: int, why: str) -> Digest:
    return Digest(source, (), (Problem(source, line, f"{why}; nothing imported from this file"),), None, False)


def _capture(source: str) -> str | None:
    day = filename_date(source)
    return day.isoformat() if day else None


def parse_id_list(text: str, source: str) -> Digest:
    """One arXiv id or arXiv / Hugging Face paper URL per line; blank lines and `#`
    comments are skipped. The same id twice is one entry."""
    entries: list[Entry] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        line = raw.strip()
        if not line or _comment(line):
            continue
        found = parse_arxiv(line)
        if found is None:
            return _refused(source, number, f"not an arXiv id or arXiv/Hugging Face paper URL: {line[:80]!r}")
        if found.id in seen:
            continue
        seen.add(found.id)
        ids = Identifiers(arxiv=found.id, arxiv_version=found.version)
        entries.append(Entry(title="", abstract="", source=source, line=number, ids=ids))
    return Digest(source, tuple(entries), (), _capture(source))


def parse_hf_json(text: str, source: str) -> Digest:
    """Hugging Face API JSON: a list of daily-paper or search items, or one paper."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as err:
        return _refused(source, err.lineno, f"invalid JSON ({err.msg}, column {err.colno})")
    lines = _item_lines(text.lstrip("\ufeff")) if isinstance(data, list) else []
    items = data if isinstance(data, list) else [data]
    csl = is_csl(items)
    entries: list[Entry] = []
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else 1
        try:
            entry = csl_entry(item, source, line) if csl else _hf_entry(item, source, line)
        except RecordError as err:
            entry = str(err)
        if isinstance(entry, str):
            return _refused(source, line, f"item {index + 1}: {entry}")
        entries.append(entry)
    return Digest(source, tuple(entries), (), _capture(source))


def parse_hf_html(text: str, source: str) -> Digest:
    """A saved Hugging Face papers page: every paper object found in its `data-props`
    JSON, in page order, each arXiv id once."""
    found = _PropsReader.read(text)
    entries: list[Entry] = []
    seen: set[str] = set()
    for props, line in found:
        for item in _paper_items(props):
            entry = _hf_entry(item, source, line)
            if isinstance(entry, str):
                continue  # a paper-shaped object the page uses for something else
            key = entry.ids.arxiv or entry.title
            if key not in seen:
                seen.add(key)
                entries.append(entry)
    if not entries:
        return _refused(source, 1, "an HTML page without Hugging Face paper data (save a huggingface.co/papers page)")
    return Digest(source, tuple(entries), (), _capture(source))


class _PropsReader(HTMLParser):
    """The JSON of every `data-props` attribute, with the line of its tag. Attribute
    values are unescaped by the parser; nothing in the page is run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[Any, int]] = []

    @classmethod
    def read(cls, text: str) -> list[tuple[Any, int]]:
        reader = cls()
        reader.feed(text)
        reader.close()
        return reader.found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "data-props" and value:
                with contextlib.suppress(json.JSONDecodeError, RecursionError):  # not JSON: no papers
                    self.found.append((json.loads(value), self.getpos()[0]))


def _paper_items(value: Any, depth: int = 0) -> list[Any]:
    """Objects shaped like Hugging Face papers (`{paper: {id, title}}`, or a bare paper with
    an `id`, a `title` and `authors` or a `summary`) anywhere in `value`."""
    if depth > 40:
        return []
    if isinstance(value, list):
        return [item for element in value for item in _paper_items(element, depth + 1)]
    if not isinstance(value, dict):
        return []
    paper = value.get("paper")
    if isinstance(paper, dict) and isinstance(paper.get("id"), str) and isinstance(paper.get("title"), str):
        return [value]
    bare = isinstance(value.get("id"), str) and isinstance(value.get("title"), str)
    if bare and ("authors" in value or "summary" in value) and parse_arxiv_id(value["id"]) is not None:
        return [value]
    return [item for element in value.values() for item in _paper_items(element, depth + 1)]


def parse_bibtex(text: str, source: str) -> Digest:
    """A `.bib` file's records (see bibinputs)."""
    try:
        entries = bibtex_entries(text.lstrip("\ufeff"), source)
    except RecordError as err:
        return _refused(source, err.line, f"BibTeX: {err}")
    return Digest(source, tuple(entries), (), _capture(source))


def _item_lines(text: str) -> list[int]:
    """The line each top-level list item starts on (json gives values, not positions)."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    lines: list[int] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)


def _hf_entry(item: Any, source: str, line: int) -> Entry | str:
    """One item as an entry, or why it cannot be one."""
    if not isinstance(item, dict):
        return "expected an object with a paper's `id` and `title`"
    paper: dict[str, Any] = item["paper"] if isinstance(item.get("paper"), dict) else item
    title = _text(paper.get("title")) or _text(item.get("title"))
    raw_id = paper.get("id")
    arxiv = parse_arxiv_id(raw_id) if isinstance(raw_id, str) else None
    if raw_id is not None and arxiv is None:
        return f"`id` is not an arXiv id: {str(raw_id)[:40]!r}"
    if not title and arxiv is None:
        return "neither a `title` nor an arXiv `id`"
    abstract = _text(paper.get("summary")) or _text(item.get("summary"))
    names = tuple(
        name
        for author in paper.get("authors") or []
        if isinstance(author, dict) and (name := _text(author.get("name")))
    )
    published = _day(paper.get("publishedAt")) or _day(item.get("publishedAt"))
    upvotes = paper.get("upvotes")
    upvotes = upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) and upvotes >= 0 else None
    ids = Identifiers(
        arxiv=arxiv.id if arxiv else None,
        arxiv_version=arxiv.version if arxiv else None,
        authors=names,
        published=published,
        hf=hf_url(arxiv.id) if arxiv else None,
    )
    return Entry(
        title=title,
        abstract=clean_latex(abstract),
        source=source,
        line=line,
        authors=len(names) or None,
        date=published,
        upvotes=upvotes,
        ids=ids,
    )


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _day(value: Any) -> str | None:
    """`2024-03-13T01:23:45.000Z` -> `2024-03-13` (a real date, or None)."""
    if not isinstance(value, str) or not (match := _ISO_DAY.match(value)):
        return None
    try:
        return date.fromisoformat(match[1]).isoformat()
    except ValueError:
        return None
