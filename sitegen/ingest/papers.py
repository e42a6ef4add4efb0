"""Merge digest entries into papers: identity, richest facts, links, slugs."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sitegen.core.identifiers import placeholder_title
from sitegen.core.keys import base_slug, key_hash, paper_key
from sitegen.core.links import find_links
from sitegen.core.models import Digest, Entry, Identifiers, Paper
from sitegen.ingest.grouping import group_entries
from sitegen.ingest.tagmemo import paper_key as memo_key
from sitegen.taxonomy.parallel import match_all
from sitegen.taxonomy.tags import Taxonomy


def assign_slugs(keys: Mapping[str, str], existing: Mapping[str, str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """Give every paper key a slug.

    `keys` maps key -> title; `existing` maps the keys of pages already on disk to
    their slugs, which never change. A new paper takes its plain slug when no page
    holds it and no other new paper wants it; otherwise every paper wanting it gets
    the slug plus a hash of its own key. The result never depends on input order.
    """
    slugs = {k: s for k, s in existing.items() if k in keys}
    # Compared without case: on macOS and Windows `Foo.md` and `foo.md` are one file.
    taken = {s.casefold() for s in (*existing.values(), *reserved)}
    wanted: dict[str, list[str]] = defaultdict(list)
    for key, title in keys.items():
        if key not in slugs:
            wanted[base_slug(title) or "paper"].append(key)
    for base, group in wanted.items():
        plain_ok = len(group) == 1 and base not in taken and base != "paper"
        for key in group:
            slug = base if plain_ok else f"{base}-{key_hash(key)}"
            n = 6
            while slug in taken:  # a hash prefix collision: lengthen it (then count, past the hash's 40 digits)
                n += 2
                slug = f"{base}-{key_hash(key, n)}" if n <= 40 else f"{base}-{key_hash(key, 40)}-{n - 40}"
            slugs[key] = slug
            taken.add(slug)
    return slugs


def slug_fits(slug: str, key: str, title: str) -> bool:
    """Whether `slug` is one assign_slugs could have given this paper, now or before
    letters outside ASCII were spelled out (then `π0 Flow` gave `0-flow`)."""
    return any(_slug_fits_base(slug, key, base) for base in {base_slug(title) or "paper", _old_base_slug(title)})


def _old_base_slug(title: str) -> str:
    """The slug before transliteration: every letter NFKD could not make ASCII dropped."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return base_slug(ascii_title) or "paper"


def _slug_fits_base(slug: str, key: str, base: str) -> bool:
    if slug == base:
        return True
    suffix = slug[len(base) + 1 :]
    return slug.startswith(base + "-") and 6 <= len(suffix) <= 40 and suffix == key_hash(key, len(suffix))


def _richness(entry: Entry) -> tuple[int, str, int]:
    facts = sum(x is not None for x in (entry.authors, entry.date, entry.upvotes)) + bool(entry.abstract)
    return (-facts, entry.source, entry.line)


def tag_input(entries: list[Entry]) -> tuple[str, str]:
    """The (title, abstract) a paper of these entries is tagged by: its first entry's title
    and the longest abstract (see merged_facts)."""
    titled = [e for e in entries if e.title]
    first = min(titled or entries, key=lambda e: (e.source, e.line))
    return first.title, max((e.abstract for e in entries), key=lambda a: (len(a), a))


def merged_facts(entries: list[Entry], capture_dates: Mapping[str, str]) -> dict[str, Any]:
    """One paper from all the entries that share its identity, keeping the richest facts:
    the Paper's fields but its tags (the taxonomy's for its `tag_input`, worked out
    meanwhile by other processes), as keyword arguments."""
    ranked = sorted(entries, key=_richness)
    ids = merge_identifiers(sorted(entries, key=lambda e: (e.source, e.line)))
    titled = [e for e in entries if e.title]
    first = min(titled or entries, key=lambda e: (e.source, e.line))
    title = first.title or placeholder_title(ids.arxiv or "")

    def pick(attr: str) -> object:
        return next((getattr(e, attr) for e in ranked if getattr(e, attr) is not None), None)

    abstract = max((e.abstract for e in entries), key=lambda a: (len(a), a))
    dated = [e for e in ranked if e.date is not None]
    upvotes = [e.upvotes for e in entries if e.upvotes is not None]
    sources = tuple(sorted({e.source for e in entries}))
    captured = sorted(capture_dates[s] for s in sources if capture_dates.get(s))
    return dict(
        key=paper_key(title),
        title=title,
        abstract=abstract,
        sources=sources,
        authors=pick("authors") if ids.authors == () else len(ids.authors),
        date_text=dated[0].date_text if dated else pick("date_text"),
        date=dated[0].date if dated else None,
        upvotes=max(upvotes) if upvotes else None,
        links=find_links(abstract),
        added=captured[0] if captured else None,
        ids=ids,
        entries=tuple(sorted(entries, key=lambda e: (e.source, e.line))),
    )


def merge_identifiers(entries: list[Entry]) -> Identifiers:
    """The identifiers of one paper's entries (in source order): the first of each that
    any entry gives, the longest list of author names, the highest arXiv version."""

    def first(attr: str) -> object:
        return next((getattr(e.ids, attr) for e in entries if getattr(e.ids, attr)), None)

    arxiv = first("arxiv")
    versions = [e.ids.arxiv_version for e in entries if e.ids.arxiv == arxiv and e.ids.arxiv_version]
    return Identifiers(
        arxiv=arxiv,  # type: ignore[arg-type]
        arxiv_version=max(versions) if versions else None,
        doi=first("doi"),  # type: ignore[arg-type]
        authors=max((e.ids.authors for e in entries), key=len, default=()),
        published=first("published"),  # type: ignore[arg-type]
        pdf=first("pdf"),  # type: ignore[arg-type]
        hf=first("hf"),  # type: ignore[arg-type]
    )


def merge_digests(
    digests: Iterable[Digest],
    taxonomy: Taxonomy,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    memo: dict[str, tuple[str, ...]] | None = None,
) -> list[Paper]:
    """All papers across digests, one per identity (see grouping), sorted by key. Two
    papers with the same title but different identifiers get keys told apart by them.
    `progress` is told (papers tagged, papers) as they are tagged, in `workers` processes
    when there are many (taxonomy/parallel.py): tagging is an import's longest step.
    `memo` (ingest/tagmemo.py) holds tags already known by tagging input: only the others
    are tagged, and on return it holds this call's papers' tags and no others."""
    entries: list[Entry] = []
    capture_dates: dict[str, str] = {}
    for digest in digests:
        if digest.capture_date:
            capture_dates[digest.source] = digest.capture_date
        entries.extend(e for e in digest.entries if paper_key(e.title) or e.ids.arxiv or e.ids.doi)
    groups = group_entries(entries, paper_key)
    inputs = [tag_input(group) for group in groups]
    facts: list[dict[str, Any]] = []

    def merge() -> None:  # while the forked processes tag (match_all)
        facts.extend(merged_facts(group, capture_dates) for group in groups)

    if memo is None:
        tags = match_all(taxonomy, inputs, workers, progress, meanwhile=merge)
    else:
        keys = [memo_key(title, abstract) for title, abstract in inputs]
        todo = [n for n, key in enumerate(keys) if key not in memo]
        tagged = match_all(taxonomy, [inputs[n] for n in todo], workers, progress, meanwhile=merge)
        fresh = {keys[n]: tag for n, tag in zip(todo, tagged, strict=True)}
        tags = [fresh[key] if key in fresh else memo[key] for key in keys]
        memo.clear()
        memo.update(zip(keys, tags, strict=True))
    papers = [Paper(**fields, tags=tagged) for fields, tagged in zip(facts, tags, strict=True)]
    by_key: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        by_key[paper.key].append(paper)
    out: list[Paper] = []
    for key, same in by_key.items():
        if len(same) == 1:
            out.append(same[0])
            continue
        for paper in same:  # same title, different identifiers: two papers
            first = paper.entries[0]
            ident = (
                f"arxiv:{paper.ids.arxiv}"
                if paper.ids.arxiv
                else f"doi:{paper.ids.doi}"
                if paper.ids.doi
                else f"{first.source}:{first.line}"
            )
            out.append(dataclasses.replace(paper, key=f"{key} [{ident}]"))
    return sorted(out, key=lambda p: p.key)
