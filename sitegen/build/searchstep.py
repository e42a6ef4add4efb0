"""Stage 5 of a build: the search index. Pagefind reads only the paper pages, split into
shards (search/shards.py) whose fingerprints decide which are indexed again; the
offline index is written just before Pagefind runs (the build's memory budget is
Pagefind's less what this process holds). This module only calls into sitegen/search.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.build.writing import write_jobs
from sitegen.site import urls

if TYPE_CHECKING:
    from sitegen.build.context import BuildContext
    from sitegen.build.render import Job
    from sitegen.search.shards import ShardPlan


def search_plan(jobs: list[Job], max_memory_mb: int) -> ShardPlan:
    """The paper pages in search shards. Pagefind reads only the paper pages, so their
    fingerprints decide which shards are indexed again (search/shards.py)."""
    from sitegen.search.index import SEARCH_VERSION
    from sitegen.search.shards import plan_shards

    papers = ((job.path, job.key) for job in jobs if urls.under_papers(job.path))
    return plan_shards(papers, max_memory_mb, SEARCH_VERSION)


def search_fingerprint(jobs: list[Job], max_memory_mb: int) -> str:
    """What the search index should cover: every shard's fingerprint."""
    return search_plan(jobs, max_memory_mb).key


def has_papers(jobs: list[Job]) -> bool:
    """Whether the site has a paper page: Pagefind, given none, fails rather than
    writing an empty index, and the search page falls back to the offline index."""
    return any(urls.is_paper_page(job.path) for job in jobs)


def split_offline_index(ctx: BuildContext, jobs: list[Job]) -> tuple[list[Job], list[Job]]:
    """(jobs to write now, jobs to write with the search index): the offline index is
    made just before Pagefind starts, its memory handed back then (index_fresh)."""
    if not ctx.index_now:
        return jobs, []
    from sitegen.search.index import OFFLINE_INDEX

    return [job for job in jobs if job.path != OFFLINE_INDEX], [job for job in jobs if job.path == OFFLINE_INDEX]


def index_fresh(ctx: BuildContext, staging: Path, jobs: list[Job], late: list[Job]) -> None:
    """The search index of the fresh folder `staging` (with every job written but
    `late`, written now): unchanged shards carried over from the last site, Pagefind run
    on the others; with the search deferred, the last site's index kept as it is."""
    from sitegen.search.budget import release as release_memory
    from sitegen.search.sharded import ShardedIndex, bundle_dirs, keep_bundles

    project, report = ctx.project, ctx.report
    plan = search_plan(jobs, project.max_memory) if ctx.search else None
    report.search_key = plan.key if plan is not None else ""
    shard_timings: list[tuple[str, float]] = []
    if ctx.options.defer_search and bundle_dirs(project.output):
        keep_bundles(project.output, staging)
        report.search = "search index: unchanged"
    elif ctx.index_now and not has_papers(jobs):
        report.search = "search index: offline only (no papers to index)"  # Pagefind fails on no pages
    elif ctx.index_now and plan is not None:
        previous = project.output if project.output.is_dir() else None
        # Memory (search/budget.py): the offline index first, its memory handed back, so
        # that Pagefind gets the budget less only what this process holds from then on.
        write_jobs(staging, late)
        late = []
        release_memory()
        index = ShardedIndex(
            staging, plan, ctx.cache.search, previous=previous, home=project.output, max_memory_mb=project.max_memory
        )
        report.search = index.wait()
        shard_timings = index.timings
    write_jobs(staging, late)  # the search index was kept: the offline index too is made now
    report.lap("search index")
    report.timings.extend(shard_timings)


def plan_in_place(ctx: BuildContext, jobs: list[Job]) -> ShardPlan | None:
    """For a build in place, the shard plan when the site has a search index; with the
    search deferred, its fingerprint is left for the caller to ask for (report.search_keyer)."""
    if not ctx.search:
        return None
    if ctx.options.defer_search:
        max_memory = ctx.project.max_memory
        ctx.report.search_keyer = lambda: search_fingerprint(jobs, max_memory)
        return None
    plan = search_plan(jobs, ctx.project.max_memory)
    ctx.report.search_key = plan.key
    return plan


def index_in_place(ctx: BuildContext, jobs: list[Job], plan: ShardPlan | None, written: list[str]) -> None:
    """The search index of a site changed in place: Pagefind runs again only on the shards
    whose pages were `written` (or whose bundle is gone)."""
    from sitegen.search.sharded import ShardedIndex, remove_bundles

    out = ctx.project.output
    if ctx.index_now and not has_papers(jobs):
        remove_bundles(out)
    elif ctx.index_now and plan is not None:
        index = ShardedIndex(  # a page whose bytes came out the same needs no re-index: `touched`
            out, plan, ctx.cache.search, previous=out, home=out, max_memory_mb=ctx.project.max_memory, touched=written
        )
        if index.redo:
            ctx.report.search = index.wait()
            ctx.report.lap("search index")
            ctx.report.timings.extend(index.timings)
    elif not ctx.search and not ctx.options.defer_search:
        remove_bundles(out)
