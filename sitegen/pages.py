"""Per-paper Markdown pages: YAML front matter + the user's notes.

The digest owns a few facts (`DIGEST_KEYS`); everything else in a page belongs to
the user. A re-import rewrites a page only when a digest-owned fact or the
taxonomy's tags changed, and then through a round-trip YAML editor that keeps the
user's keys, order, comments and body byte for byte.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError as RuamelError

from .models import Paper, Problem

DIGEST_KEYS = ("title", "date", "date_written", "authors", "upvotes", "sources", "links", "abstract")
"""Front-matter keys the importer keeps in step with the digests."""
AUTO_TAGS = "auto_tags"
"""sitegen's record of the tags the taxonomy gave, to tell the user's tag edits from its own."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class PageError(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class PageText:
    """A page split into its parts; `front` and `body` keep the file's own bytes."""

    front: str
    body: str
    newline: str
    bom: bool
    body_line: int
    """1-based line number where the body starts."""


def split_page(text: str, source: str) -> PageText:
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    if not lines or lines[0].rstrip() != "---":
        raise PageError(Problem(source, 1, "front matter must start with a '---' line"))
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return PageText(
                front=newline.join(lines[1:i]),
                body=newline.join(lines[i + 1 :]),
                newline=newline,
                bom=bom,
                body_line=i + 2,
            )
    raise PageError(Problem(source, 1, "front matter is not closed by a '---' line"))


def _yaml_error(err: Exception, source: str) -> PageError:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening '---'
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return PageError(Problem(source, line, f"invalid front matter: {problem}"))


def parse_front(front: str, source: str) -> dict[str, Any]:
    try:
        meta = yaml.load(front, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        raise _yaml_error(err, source) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise PageError(Problem(source, 2, "front matter must be a mapping of keys to values"))
    return meta


def read_page(text: str, source: str) -> tuple[dict[str, Any], PageText]:
    """Front matter as plain values, and the page's parts."""
    parts = split_page(text, source)
    return parse_front(parts.front, source), parts


def digest_facts(paper: Paper) -> dict[str, Any]:
    """The digest-owned front matter of a paper, in the page's key order."""
    facts: dict[str, Any] = {"title": paper.title}
    if paper.date:
        facts["date"] = date.fromisoformat(paper.date)
    if paper.date_text:
        facts["date_written"] = paper.date_text
    if paper.authors is not None:
        facts["authors"] = paper.authors
    if paper.upvotes is not None:
        facts["upvotes"] = paper.upvotes
    facts["sources"] = list(paper.sources)
    if paper.links:
        facts["links"] = [{"url": link.url, "kind": link.kind} for link in paper.links]
    facts["abstract"] = paper.abstract
    return facts


def new_page(paper: Paper, today: str) -> str:
    """The first version of a paper's page; from then on it is the user's file."""
    facts = digest_facts(paper)
    meta: dict[str, Any] = {k: facts[k] for k in ("title", "date", "date_written", "authors", "upvotes") if k in facts}
    meta["tags"] = list(paper.tags)
    meta["added"] = date.fromisoformat(paper.added or today)
    meta.update({k: facts[k] for k in ("sources", "links", "abstract") if k in facts})
    meta[AUTO_TAGS] = list(paper.tags)
    front = yaml.dump(
        meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000_000, default_flow_style=False
    )
    return f"---\n{front}---\n"


def merge_tags(current: list[str], old_auto: list[str], new_auto: list[str]) -> list[str]:
    """Three-way merge: tags the user added stay, tags the user removed stay away,
    the taxonomy's new tags join, its dropped tags leave; the user's order is kept."""
    user_added = [t for t in current if t not in old_auto]
    user_removed = {t for t in old_auto if t not in current}
    kept = [t for t in current if t in new_auto or t in user_added]
    return kept + [t for t in new_auto if t not in kept and t not in user_removed]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, date) or isinstance(b, date):
        return str(a) == str(b)
    return bool(a == b)


def wanted_changes(meta: dict[str, Any], paper: Paper) -> dict[str, Any]:
    """Keys to set (value) or remove (None) so the page matches the digests."""
    facts = digest_facts(paper)
    changes: dict[str, Any] = {}
    for key in DIGEST_KEYS:
        if key in facts:
            if key not in meta or not _same(meta[key], facts[key]):
                changes[key] = facts[key]
        elif meta.get(key) is not None:
            changes[key] = None
    old_auto = _as_list(meta.get(AUTO_TAGS))
    if old_auto != list(paper.tags) or AUTO_TAGS not in meta:
        tags = merge_tags(_as_list(meta.get("tags")), old_auto, list(paper.tags))
        if tags != _as_list(meta.get("tags")):
            changes["tags"] = tags
        changes[AUTO_TAGS] = list(paper.tags)
    return changes


def _round_trip() -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1_000_000_000
    rt.indent(mapping=2, sequence=2, offset=0)
    return rt


def update_page(text: str, paper: Paper, source: str) -> str | None:
    """The page with digest-owned facts brought up to date, or None when nothing
    changed. Raises PageError (file and line) for a page it cannot read."""
    meta, parts = read_page(text, source)
    changes = wanted_changes(meta, paper)
    if not changes:
        return None
    rt = _round_trip()
    try:
        doc = rt.load(parts.front)
    except RuamelError as err:
        raise _yaml_error(err, source) from None
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    out = io.StringIO()
    rt.dump(doc, out)
    front = out.getvalue().replace("\n", parts.newline)
    nl = parts.newline
    return ("\ufeff" if parts.bom else "") + f"---{nl}{front}---{nl}{parts.body}"
