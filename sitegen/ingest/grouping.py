"""Which entries are the same paper: by identifier when both have one, else by title.

Two entries are one paper when they share an arXiv id or a DOI. Two entries whose
identifiers of one kind differ (`2403.00001` and `2403.00002`) are two papers even
under the same title. Otherwise (one or both has no identifier of a kind the other
has) equal normalised titles make them one paper, as for text digests. Pure functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sitegen.core.models import Entry, Identifiers


class _Group:
    """Entries found to be one paper, and the identifiers they carry."""

    def __init__(self, first: Entry) -> None:
        self.entries = [first]
        self.arxiv = {first.ids.arxiv} - {None}
        self.doi = {first.ids.doi} - {None}

    def conflicts(self, other: _Group) -> bool:
        """Both have arXiv ids (or both DOIs) and none is shared: different papers."""
        return bool(self.arxiv and other.arxiv and not self.arxiv & other.arxiv) or bool(
            self.doi and other.doi and not self.doi & other.doi
        )

    def absorb(self, other: _Group) -> None:
        self.entries += other.entries
        self.arxiv |= other.arxiv
        self.doi |= other.doi


def group_entries(entries: Iterable[Entry], title_key: Callable[[str], str]) -> list[list[Entry]]:
    """The entries grouped into papers, in a stable order (first entry by source and line)."""
    ordered = sorted(entries, key=lambda e: (e.source, e.line))
    # Shared identifiers first: they are certain (a shared arXiv id or DOI is one paper).
    parent = list(range(len(ordered)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(ordered):
        for key in _id_keys(entry.ids):
            j = first_with.setdefault(key, i)
            a, b = sorted((root(i), root(j)))
            parent[b] = a
    groups: list[_Group] = []
    at: dict[int, _Group] = {}
    for i, entry in enumerate(ordered):
        r = root(i)
        if r in at:
            at[r].absorb(_Group(entry))
        else:
            at[r] = _Group(entry)
            groups.append(at[r])
    # Then titles: a group joins the first earlier group of the same title it does not contradict.
    by_title: dict[str, list[_Group]] = defaultdict(list)
    merged: list[_Group] = []
    for group in groups:
        keys = {k for k in (title_key(e.title) for e in group.entries if e.title) if k}
        target = next(
            (g for k in sorted(keys) for g in by_title[k] if not g.conflicts(group)),
            None,
        )
        if target is None:
            merged.append(group)
            target = group
        else:
            target.absorb(group)
        for title in keys:
            if target not in by_title[title]:
                by_title[title].append(target)
    return [sorted(g.entries, key=lambda e: (e.source, e.line)) for g in merged]


def _id_keys(ids: Identifiers) -> list[tuple[str, str]]:
    return [(kind, value) for kind, value in (("arxiv", ids.arxiv), ("doi", ids.doi)) if value]
