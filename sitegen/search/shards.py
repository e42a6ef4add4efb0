"""How the paper pages are split into search shards: pure functions, no disk.

Pagefind holds every page's index in memory until it writes (about 125 KB a page), so
one process over 100,000 papers needs 11-12 GB. The build instead splits the paper pages
into shards, each indexed by its own Pagefind process into its own bundle folder, and the
search page searches them together in the browser (a Pagefind web worker per core).

- A page's shard is a hash of its slug, so editing a page never moves it (nor any other
  page) to another shard: only its own shard is indexed again.
- The shard count is the smallest power of two whose shards each fit a quarter of the
  memory budget: two Pagefind runs at once (one per core of a common 2-core runner) in
  the half of the budget the sitegen process leaves them at its largest (it holds about
  1 GB of 2 at 100,000 papers); a power of two so that a list that outgrows it splits
  every shard in two.
- Whatever the budget, a shard holds at most SEARCH_SHARD_PAGES pages, up to
  MAX_SEARCH_SHARDS shards: Pagefind's time per page, indexing and searching, grows with
  the pages an index holds, so smaller shards answer faster in the browser and index
  faster, up to the point where each bundle's start-up on the search page costs more.
- Which shards changed is read from the search key: one fingerprint per shard.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

PAGEFIND_BASE_MB = 16.0
"""Pagefind's peak memory over no pages (measured: 78 MB at 520 pages, 330 MB at 2,546,
1,229 MB at 10,000 papers of tests/bench/gen.py, Pagefind 1.5.2: 13 MB + 0.1245 MB a page)."""
PAGEFIND_MB_PER_PAGE = 0.125
"""Pagefind's peak memory per indexed paper page, rounded up (see PAGEFIND_BASE_MB)."""
DEFAULT_MAX_MEMORY_MB = 2048
"""The default budget for the build at its peak, the sitegen process and the Pagefind
processes running at once (which get what sitegen does not hold: search/budget.py): 2 GB,
well within a 7 GB runner at 100,000 papers."""
MIN_MAX_MEMORY_MB = 32
"""The smallest budget accepted: below it not even a small shard fits."""
MIN_SHARD_PAGES = 16
"""No shard is planned smaller than this, whatever the budget: more shards cost the
browser a request each per search."""
SEARCH_SHARD_PAGES = 1000
"""The most pages a shard holds for the browser's sake, whatever the memory budget. Pagefind
scores each page a query finds by going through every page-and-word entry the query matched,
so a broad query's search time grows with the square of the index's pages. The slowest
recorded query at 10,000 papers (`training data`, 79% of the pages match) takes Pagefind
338 ms of search summed over 4 shards of 2,500 pages, 266 ms over 8 of 1,250 and 212 ms over
16 of 625 (each shard searched alone, headless Chromium, 2 cores); the 16 shards also index
in the same time as 4 and at under half the peak memory (tests/bench/shard_bench.py)."""
MAX_SEARCH_SHARDS = 32
"""SEARCH_SHARD_PAGES splits a list into at most this many shards (only the memory budget
splits further): the search page loads each bundle's entry, meta and filter files when it
opens (at 10,000 papers: 0.90 s with 4 bundles, 1.08 s with 16, 1.47 s with 32,
tests/bench/search_latency.py)."""
BUDGET_SHARES = 4
"""Each shard is sized to fit the budget divided by this: two runs at once in half the budget."""
BROWSE_WORD = "\ua66esitegen"
"""A word every paper page holds, hidden (templates/paper.html), for the search page to
browse by. Pagefind's filter-only search (no query) loads every index chunk of every shard,
5.9 MB at 10,000 papers and 59 MB at 100,000; a search for one word loads the chunk that holds
it. It starts with U+A66E, a letter no reader types, so no query or prefix of one matches it."""

KEY_VERSION = "s1"


def bundle_name(shard: int) -> str:
    """The site folder of a shard's bundle: `pagefind` for the first (where a one-shard
    site has always had it), `pagefind-N` for the others."""
    return "pagefind" if shard == 0 else f"pagefind-{shard}"


def estimated_peak_mb(pages: int) -> float:
    """Pagefind's peak memory, in MB, indexing this many paper pages."""
    return PAGEFIND_BASE_MB + PAGEFIND_MB_PER_PAGE * pages


def shard_capacity(max_memory_mb: int) -> int:
    """Paper pages a shard may hold under the budget (a BUDGET_SHARES-th of it)."""
    per_run = max_memory_mb / BUDGET_SHARES
    return max(MIN_SHARD_PAGES, math.floor((per_run - PAGEFIND_BASE_MB) / PAGEFIND_MB_PER_PAGE))


def shard_count(pages: int, max_memory_mb: int) -> int:
    """The smallest power of two of shards whose average size fits the capacity, and
    SEARCH_SHARD_PAGES up to MAX_SEARCH_SHARDS shards. Hashing spreads pages evenly but not
    exactly: a shard may come out a few percent larger."""
    capacity = shard_capacity(max_memory_mb)
    shards = 1
    while pages > shards * capacity or (pages > shards * SEARCH_SHARD_PAGES and shards < MAX_SEARCH_SHARDS):
        shards *= 2
    return shards


def shard_of(slug: str, shards: int) -> int:
    """A page's shard: a hash of its slug (stable across builds and machines)."""
    if shards == 1:
        return 0
    return int.from_bytes(hashlib.sha1(slug.encode("utf-8", "surrogatepass")).digest()[:4], "big") % shards


def parallel_runs(sizes: list[int], max_memory_mb: int, cores: int) -> int:
    """How many Pagefind processes may run at once: one per core, as many shards as
    there are, and no more than the budget holds at the largest shard's estimate."""
    if not sizes:
        return 1
    fits = math.floor(max_memory_mb / estimated_peak_mb(max(sizes)))
    return max(1, min(cores, len(sizes), fits))


def paper_slug(path: str) -> str | None:
    """The slug of a paper page's site path (`papers/<slug>/index.html`), else None."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "papers" and parts[2] == "index.html":
        return parts[1]
    return None


@dataclass(frozen=True)
class ShardPlan:
    """The paper pages split into shards, and each shard's fingerprint."""

    slugs: tuple[tuple[str, ...], ...]
    """Per shard, its pages' slugs, sorted."""
    keys: tuple[str, ...]
    """Per shard, `MEMBERS.INPUTS`: a fingerprint of which pages it holds, and one of
    everything under their folders (each output's fingerprint)."""

    @property
    def shards(self) -> int:
        return len(self.slugs)

    @property
    def key(self) -> str:
        """The search key the build cache keeps: the shard count and every shard's key."""
        return f"{KEY_VERSION}:{self.shards}:" + ",".join(self.keys)


def plan_shards(outputs: Iterable[tuple[str, str]], max_memory_mb: int, version: str) -> ShardPlan:
    """Split the paper pages among shards. `outputs` are (site path, fingerprint) of the
    outputs under `papers/` (a page's folder may hold other files, such as its BibTeX:
    each counts for the page's shard); `version` is the search code's, in every key."""
    by_slug: dict[str, list[str]] = {}
    pages = set()
    for path, key in outputs:
        parts = path.split("/")
        if len(parts) < 3 or parts[0] != "papers":
            continue
        by_slug.setdefault(parts[1], []).append(f"{path}\0{key}\0")
        if paper_slug(path) is not None:
            pages.add(parts[1])
    shards = shard_count(len(pages), max_memory_mb)
    slugs: list[list[str]] = [[] for _ in range(shards)]
    for slug in sorted(pages):
        slugs[shard_of(slug, shards)].append(slug)
    keys = []
    for members in slugs:
        who = hashlib.sha1(f"{version}/{shards}/{'/'.join(members)}".encode("utf-8", "surrogatepass"))
        what = hashlib.sha1()
        for slug in members:
            what.update("".join(sorted(by_slug[slug])).encode("utf-8", "surrogatepass"))
        keys.append(f"{who.hexdigest()[:16]}.{what.hexdigest()[:24]}")
    return ShardPlan(tuple(tuple(s) for s in slugs), tuple(keys))


def plan_for(search_key: str, slugs: Iterable[str]) -> ShardPlan:
    """The plan a search key was made for, over these slugs (the paper pages a built site
    holds): what `serve` needs to re-index a site it built without its index."""
    keys = shard_keys(search_key)
    shards = max(1, len(keys))
    members: list[list[str]] = [[] for _ in range(shards)]
    for slug in sorted(slugs):
        members[shard_of(slug, shards)].append(slug)
    return ShardPlan(tuple(tuple(m) for m in members), tuple(keys) if keys else ("",))


def shard_keys(search_key: str) -> list[str]:
    """The per-shard keys inside a search key (none for a key of another form: an old
    cache's, or "" for no index), so that every shard counts as changed."""
    parts = search_key.split(":", 2)
    if len(parts) != 3 or parts[0] != KEY_VERSION:
        return []
    return parts[2].split(",")


def same_pages(plan: ShardPlan, previous_key: str) -> set[int]:
    """The shards that hold the same pages as under `previous_key` (their inputs may differ)."""
    before = shard_keys(previous_key)
    if len(before) != plan.shards:
        return set()
    return {i for i, key in enumerate(plan.keys) if key.split(".")[0] == before[i].split(".")[0]}


def changed_shards(plan: ShardPlan, previous_key: str) -> list[int]:
    """The shards whose pages changed since the index made under `previous_key`."""
    before = shard_keys(previous_key)
    if len(before) != plan.shards:
        return list(range(plan.shards))
    return [i for i, key in enumerate(plan.keys) if key != before[i]]
