"""`sitegen build`, top to bottom: read this first.

content/digests --import--> content/papers --load--> Library --jobs--> files in site/
--> search index (Pagefind over the paper pages, plus the offline index)

A full build writes a fresh folder beside `site/` and swaps it in when complete. An
incremental build (the cache knows what is in `site/`) renders only the jobs whose
fingerprint changed, writes each file atomically in place, deletes outputs that no
longer exist, and re-runs Pagefind only when a paper page changed. Both produce the
same bytes: a job's fingerprint covers all of its inputs (see render.Job).

Each numbered stage below is a call into a small module: loading (import, pages),
jobs (library, views, every output as a job), writing (render, write), searchstep
(the search index), incremental (fingerprints, no-op checks, the in-place path).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from pathlib import Path

from sitegen.build import incremental, loading
from sitegen.build.cache import BuildCache, Stamp
from sitegen.build.context import BuildContext, BuildOptions, BuildReport, Project
from sitegen.build.output import clean_stale_staging, discard, staging_dir, swap_in
from sitegen.build.relatedstep import RelatedStandby, related_standby
from sitegen.core import devices
from sitegen.core.collector import collector_paused
from sitegen.core.errors import BuildError

__all__ = ["BuildError", "BuildOptions", "BuildReport", "Project", "build", "run"]


def build(
    project: Project,
    *,
    run_importer: bool = True,
    search: bool | None = None,
    progress: Callable[[int], None] | None = None,
    full: bool = False,
    state: BuildCache | None = None,
    defer_search: bool = False,
    workers: int = 1,
    save: bool = True,
    changed: Collection[Path] | None = None,
) -> BuildReport:
    """Build the site; the keyword arguments are BuildOptions' fields (see there)."""
    options = BuildOptions(
        run_importer=run_importer,
        search=search,
        defer_search=defer_search,
        full=full,
        workers=workers,
        save=save,
        state=state,
        changed=changed,
        progress=progress,
    )
    return run(project, options)


def run(project: Project, options: BuildOptions) -> BuildReport:
    """Build the site as `options` say."""
    if not devices.workers:
        options = dataclasses.replace(options, workers=1)
    with collector_paused():
        standby = related_standby(project, options)
        try:
            return _build(BuildContext.start(project, options), standby)
        finally:
            if standby is not None:
                standby.cancel()  # not wanted after all (a table in the cache, an error): ended


def _build(ctx: BuildContext, standby: RelatedStandby | None) -> BuildReport:
    project, options, report = ctx.project, ctx.options, ctx.report

    # 0. Nothing changed since the last build, as the saved cache's stamp tells: stop here.
    seen, noop = incremental.check_stamp(ctx)
    if noop:
        return ctx.finish("input fingerprints (the cache's stamp)")
    ctx.cache = incremental.open_cache(ctx)
    last = Stamp.of(ctx.cache)

    # 1. Import, when a digest (or the taxonomy, or the configuration) changed.
    digests_key = incremental.digests_key(ctx, seen)
    if options.run_importer:
        loading.import_digests(ctx, digests_key)
    report.lap("cache and import")

    # Nothing changed since the last build of this site (the cache tells): stop here.
    seen = incremental.current_inputs(ctx, seen, digests_key)
    if incremental.unchanged(ctx, last, seen.inputs_key):
        incremental.up_to_date(ctx)
        return ctx.finish("input fingerprints")
    report.lap("input fingerprints")

    # 2. The pages.
    papers = loading.read_pages(ctx, seen.stats)
    report.lap("pages read")

    # A site not known to the cache is written into a fresh folder, swapped in when complete.
    staging = None
    if not incremental.site_ok(project, last):
        clean_stale_staging(project.output)
        staging = staging_dir(project.output)
    from jinja2 import TemplateError

    from sitegen.build import jobs as describing
    from sitegen.build import searchstep, writing

    try:
        try:
            # 3. The library, its views, then every output as a job with a fingerprint
            # (a full build with workers writes listings while related papers are computed).
            jobs, done = describing.describe(ctx, papers, seen, staging, standby)

            if staging is None:
                # 4. Render the jobs whose fingerprint changed and write them in place.
                plan = searchstep.plan_in_place(ctx, jobs)
                written = incremental.write_changed(ctx, jobs)
                # 5. Index again the search shards whose paper pages changed.
                searchstep.index_in_place(ctx, jobs, plan, written)
            else:
                # 4. Render and write every job into the fresh folder, but the offline
                # search index, made while Pagefind runs (neither reads what the other writes).
                now, late = searchstep.split_offline_index(ctx, jobs[done:])
                writing.write_full(ctx, staging, jobs, now)
                # 5. The search index: unchanged shards carried over, Pagefind on the others.
                searchstep.index_fresh(ctx, staging, jobs, late)
                # 6. Swap the fresh folder in for the old site.
                swap_in(staging, project.output)
                report.lap("swapped in")
        except TemplateError as err:
            raise describing.template_error(err, project) from None
    except BaseException:
        if staging is not None:
            discard(staging)
        raise

    # 7. Remember what the site holds now, for the next build.
    incremental.remember(ctx, jobs, seen.inputs_key, in_place=staging is None)
    report.seconds = ctx.elapsed()
    return report
