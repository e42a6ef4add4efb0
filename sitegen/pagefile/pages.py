"""Per-paper Markdown pages: YAML front matter + the user's notes.

The digest owns a few facts (`DIGEST_KEYS`); everything else in a page belongs to
the user. A re-import rewrites a page only when a digest-owned fact or the
taxonomy's tags changed, and then only the changed values' own text: the user's keys,
order, quoting, comments, line endings and body stay byte for byte.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from sitegen.core.identifiers import placeholder_title
from sitegen.core.models import Paper
from sitegen.pagefile.frontedit import replace_front
from sitegen.pagefile.frontwrite import dump_front
from sitegen.pagefile.pageread import (  # noqa: F401 - page reading, imported from here by most of sitegen
    PageError,
    PageText,
    _Loader,
    parse_front,
    read_page,
    split_page,
)

DIGEST_KEYS = ("title", "date", "date_written", "authors", "upvotes", "sources", "links", "abstract")
"""Front-matter keys the importer keeps in step with the digests."""
IDENTIFIER_KEYS = ("arxiv", "arxiv_version", "doi", "published", "pdf", "hf")
"""Facts richer inputs give (see identifiers.py): written when an input gives them and
updated when it changes them, never removed when none does (`sitegen enrich` or the
user may have written them)."""
AUTO_TAGS = "auto_tags"
"""sitegen's record of the tags the taxonomy gave, to tell the user's tag edits from its own."""
REMOVED_TAGS = "removed_tags"
"""Tags the user removed that the taxonomy no longer gives: without this record the
removal would be forgotten, and the tag put back when the taxonomy gave it again.
Written only when needed."""
ADDED_TAGS = "added_tags"
"""Tags the user added that the taxonomy now gives too: without this record they would
pass for the taxonomy's, and go when it stopped giving them. Written only when needed."""
BOOKKEEPING_KEYS = (AUTO_TAGS, REMOVED_TAGS, ADDED_TAGS)
"""Keys sitegen writes for itself (not the user's data, not shown on the site)."""

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def digest_facts(paper: Paper) -> dict[str, Any]:
    """The digest-owned front matter of a paper, in the page's key order."""
    facts: dict[str, Any] = {"title": paper.title}
    if paper.date:
        facts["date"] = date.fromisoformat(paper.date)
    if paper.date_text:
        facts["date_written"] = paper.date_text
    if paper.ids.authors:
        facts["authors"] = list(paper.ids.authors)
    elif paper.authors is not None:
        facts["authors"] = paper.authors
    if paper.upvotes is not None:
        facts["upvotes"] = paper.upvotes
    for key in IDENTIFIER_KEYS:
        value = getattr(paper.ids, key)
        if value:
            facts[key] = date.fromisoformat(value) if key == "published" else value
    facts["sources"] = list(paper.sources)
    if paper.links:
        facts["links"] = [{"url": link.url, "kind": link.kind} for link in paper.links]
    facts["abstract"] = paper.abstract
    return facts


def new_page_meta(paper: Paper, today: str) -> dict[str, Any]:
    """The front matter of a paper's first page, in its key order."""
    facts = digest_facts(paper)
    first = ("title", "date", "date_written", "authors", "upvotes", *IDENTIFIER_KEYS)
    meta: dict[str, Any] = {k: facts[k] for k in first if k in facts}
    meta["tags"] = list(paper.tags)
    meta["added"] = date.fromisoformat(paper.added or today)
    meta.update({k: facts[k] for k in ("sources", "links", "abstract") if k in facts})
    meta[AUTO_TAGS] = list(paper.tags)
    return meta


def new_page(paper: Paper, today: str) -> str:
    """The first version of a paper's page; from then on it is the user's file."""
    meta = new_page_meta(paper, today)
    front = dump_front(meta, _Dumper)  # yaml.dump's bytes, without its Python layers (0.4 ms a page)
    if front is None:
        front = yaml.dump(
            meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000_000, default_flow_style=False
        )
    return f"---\n{front}---\n"


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


def is_placeholder(meta: dict[str, Any]) -> bool:
    """Whether the page's title is the one an id-only paper gets (`arXiv:2403.12345`),
    which the real title replaces when an input gives it."""
    arxiv = meta.get("arxiv")
    return bool(arxiv) and str(meta.get("title")) == placeholder_title(str(arxiv))


def wanted_changes(meta: dict[str, Any], paper: Paper) -> dict[str, Any]:
    """Keys to set (value) or remove (None) so the page matches the digests."""
    facts = digest_facts(paper)
    changes: dict[str, Any] = {}
    for key in DIGEST_KEYS + IDENTIFIER_KEYS:
        if key == "title" and meta.get("title") not in (None, "") and not is_placeholder(meta):
            continue  # the page's title is the user's once written: a hand edit is kept
        if key == "authors" and isinstance(meta.get("authors"), list) and not isinstance(facts.get("authors"), list):
            continue  # names (from an input, a look-up or by hand) are not replaced by a mere count
        if key in IDENTIFIER_KEYS and key not in facts:
            continue
        if key in facts:
            if key not in meta or not _same(meta[key], facts[key]):
                changes[key] = facts[key]
        elif meta.get(key) is not None:
            changes[key] = None
    user_tags = meta.get("tags")
    if user_tags is not None and not isinstance(user_tags, (str, list)):
        return changes  # not a list of tags: the user's to sort out, left as it is
    current = _as_list(user_tags)
    old_auto = _as_list(meta.get(AUTO_TAGS))
    new_auto = list(paper.tags)
    # The user's tag edits, as of this import: what they added or removed against the
    # taxonomy's last tags, plus the edits recorded because a taxonomy change would
    # otherwise have hidden them (see REMOVED_TAGS and ADDED_TAGS).
    added = [t for t in current if t not in old_auto or t in _as_list(meta.get(ADDED_TAGS))]
    removed = [t for t in dict.fromkeys(old_auto + _as_list(meta.get(REMOVED_TAGS))) if t not in current]
    tags = [t for t in current if t in new_auto or t in added]
    tags += [t for t in new_auto if t not in tags and t not in removed]
    if tags != current:
        # The user's own values stay as written (a tag written 2024 stays an int).
        originals = dict(zip(current, user_tags if isinstance(user_tags, list) else [user_tags], strict=False))
        changes["tags"] = [originals.get(t, t) for t in tags]
    if old_auto != new_auto or AUTO_TAGS not in meta:
        changes[AUTO_TAGS] = new_auto
    for key, wanted in (
        (REMOVED_TAGS, [t for t in removed if t not in new_auto]),
        (ADDED_TAGS, [t for t in added if t in new_auto]),
    ):
        if _as_list(meta.get(key)) != wanted:
            changes[key] = wanted or None
    return changes


def update_page(
    text: str, paper: Paper, source: str, read: tuple[dict[str, Any], PageText] | None = None
) -> str | None:
    """The page with digest-owned facts brought up to date, or None when nothing
    changed. Raises PageError (file and line) for a page it cannot read or cannot
    change safely; such a page is left as it is. `read` is `read_page(text, source)`
    when the caller has it already (the importer reads every page first), left unchanged."""
    meta, parts = read_page(text, source) if read is None else read
    changes = wanted_changes(meta, paper)
    if not changes:
        return None
    return replace_front(text, parts, meta, changes, source)
