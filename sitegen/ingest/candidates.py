"""What the look-up services answer, read into candidates, and the choice of the candidate
that is the paper (`sitegen enrich`, `sitegen add`). Pure: bytes in, values out; the
network is lookup.py's, the run enrich.py's.

Confident means: the normalised titles are equal, or nearly equal (a typo, a dropped
subtitle mark) with the same first author (when the page names its authors) or the
same number of authors (when the digest gave the count). Anything else is listed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sitegen.core.identifiers import parse_arxiv
from sitegen.core.keys import paper_key

NEAR = 0.93
"""Title similarity (difflib ratio of the normalised titles) above which a candidate
with the same first author, or the same number of authors, is the paper."""
WANTED = ("arxiv", "authors", "published")
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Candidate:
    """A paper as a service describes it."""

    title: str
    arxiv: str
    authors: tuple[str, ...] = ()
    published: str | None = None
    """YYYY-MM-DD."""
    upvotes: int | None = None
    summary: str = ""
    """The abstract (used only when a page is made for the paper: `sitegen add`)."""

    def facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {"arxiv": self.arxiv}
        if self.authors:
            facts["authors"] = list(self.authors)
        if self.published:
            facts["published"] = dt.date.fromisoformat(self.published)
        facts["pdf"] = f"https://arxiv.org/pdf/{self.arxiv}"
        facts["hf"] = f"https://huggingface.co/papers/{self.arxiv}"
        return facts


class Malformed(ValueError):
    """A service's answer is not what it documents."""


# --------------------------------------------------------------------------- answers


def hf_candidates(body: bytes) -> list[Candidate]:
    """Hugging Face `/api/papers/search` (and `/api/daily_papers`): a JSON list of
    objects whose `paper` holds `id`, `title`, `authors[].name`, `publishedAt`, `upvotes`."""
    try:
        items = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise Malformed(f"not JSON ({err})") from None
    if not isinstance(items, list):
        raise Malformed("not a list of papers")
    found = []
    for item in items:
        paper = item.get("paper", item) if isinstance(item, dict) else None
        if (
            not isinstance(paper, dict)
            or not isinstance(paper.get("id"), str)
            or not isinstance(paper.get("title"), str)
        ):
            raise Malformed("a paper without an id or a title")
        arxiv = arxiv_id(paper["id"])
        if arxiv is None:
            continue
        authors = tuple(
            a["name"].strip()
            for a in paper.get("authors") or []
            if isinstance(a, dict) and isinstance(a.get("name"), str)
        )
        upvotes = paper.get("upvotes")
        found.append(
            Candidate(
                " ".join(paper["title"].split()),
                arxiv[0],
                authors,
                _day(paper.get("publishedAt")),
                upvotes if isinstance(upvotes, int) else None,
                " ".join(str(paper.get("summary") or "").split()),
            )
        )
    return found


def arxiv_candidates(body: bytes) -> list[Candidate]:
    """The arXiv API's Atom feed: an `entry` per paper."""
    import xml.etree.ElementTree as ET  # here: every sitegen command imports this module

    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise Malformed(f"not XML ({err})") from None
    if root.tag != f"{ATOM}feed":
        raise Malformed("not an Atom feed")
    found = []
    for entry in root.iter(f"{ATOM}entry"):
        parsed = arxiv_id(entry.findtext(f"{ATOM}id") or "")
        title = entry.findtext(f"{ATOM}title")
        if parsed is None or not title:
            continue
        authors = tuple((a.findtext(f"{ATOM}name") or "").strip() for a in entry.iter(f"{ATOM}author"))
        found.append(
            Candidate(
                " ".join(title.split()),
                parsed[0],
                tuple(a for a in authors if a),
                _day(entry.findtext(f"{ATOM}published")),
                summary=" ".join((entry.findtext(f"{ATOM}summary") or "").split()),
            )
        )
    return found


def arxiv_id(text: str) -> tuple[str, int | None] | None:
    """(id without version, version) from an arXiv id, or an arXiv or Hugging Face URL."""
    parsed = parse_arxiv(text.strip())
    return (parsed.id, parsed.version) if parsed is not None else None


def _day(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- the choice


@dataclass(frozen=True)
class Choice:
    match: Candidate | None
    """The paper, when one candidate is confidently it."""
    close: tuple[Candidate, ...] = ()
    """Candidates that may be it (ambiguous when there is no match)."""


def choose(title: str, candidates: Sequence[Candidate], first_author: str | None, author_count: int | None) -> Choice:
    """The candidate that is this paper, if one confidently is."""
    import difflib

    key = paper_key(title)
    exact = {c.arxiv: c for c in candidates if paper_key(c.title) == key}
    if len(exact) == 1:
        return Choice(next(iter(exact.values())))
    if len(exact) > 1:
        return Choice(None, tuple(exact.values()))
    near = [c for c in candidates if difflib.SequenceMatcher(None, key, paper_key(c.title)).ratio() >= NEAR]
    sure = [c for c in near if _same_people(c, first_author, author_count)]
    if len({c.arxiv for c in sure}) == 1:
        return Choice(sure[0])
    return Choice(None, tuple(near))


def _same_people(candidate: Candidate, first_author: str | None, author_count: int | None) -> bool:
    if first_author and candidate.authors:
        return _surname(candidate.authors[0]) == _surname(first_author)
    return author_count is not None and author_count == len(candidate.authors)


def _surname(name: str) -> str:
    return paper_key(name.split(",")[0] if "," in name else (name.split() or [""])[-1])
