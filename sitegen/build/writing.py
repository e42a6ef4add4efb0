"""Stage 4 of a build: the jobs rendered and their files written, by one process or by
the worker pool (build/parallel.py) that a full and an incremental build share.

A full build writes into a fresh folder (write_full), early listings included
(EarlyWriter); an incremental one renders the changed jobs into a work folder beside
the site (stage_changed) and then moves them into place (incremental.write_changed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sitegen.build import parallel
from sitegen.build.output import safe_join, same_bytes, write_files, write_new_file

if TYPE_CHECKING:
    from sitegen.build.context import BuildContext
    from sitegen.build.render import Fingerprinted, Job


class EarlyWriter:
    """Writes jobs into the staging folder before the rest of the site is described
    (while a child process computes the related papers), fingerprinting them as the
    render workers do; `done` jobs at the front of the list are written."""

    CHUNK = 16

    def __init__(self, staging: Path) -> None:
        self.staging = staging
        self.done = 0

    def write(self, jobs: list[Job], until: Callable[[], bool]) -> None:
        while self.done < len(jobs) and not until():
            chunk = jobs[self.done : self.done + self.CHUNK]
            write_jobs(self.staging, chunk)
            for job in chunk:
                job.key  # noqa: B018 - fingerprinted now, while waiting anyway, not after rendering
            self.done += len(chunk)


def write_jobs(staging: Path, jobs: list[Job], progress: Callable[[int], None] | None = None) -> None:
    """Render the jobs and write their files into the fresh `staging` folder."""
    write_files(staging, ((job.path, job.render()) for job in jobs), progress)


def in_workers(ctx: BuildContext, jobs: list[Job]) -> bool:
    """Whether `jobs` are rendered by the worker pool rather than by this process alone."""
    return ctx.options.workers > 1 and len(jobs) >= parallel.PARALLEL_MIN_JOBS and parallel.CAN_FORK


def write_full(ctx: BuildContext, staging: Path, jobs: list[Job], rest: list[Job]) -> None:
    """Write the `rest` of the site's `jobs` into the fresh `staging` folder (the others
    are written already, by an EarlyWriter, or later, with the search index)."""
    progress = ctx.options.progress
    if progress is not None:  # told the files written so far: shown with their total
        progress = functools.partial(cast("Callable[..., None]", progress), total=len(rest))
    if in_workers(ctx, rest):
        render_parallel(rest, staging, ctx.options.workers, progress)
    else:
        write_jobs(staging, rest, progress)
    ctx.report.files = len(jobs)
    ctx.report.lap("rendered and written")
    ctx.report.changed = [job.path for job in jobs]


def render_parallel(jobs: list[Job], staging: Path, workers: int, progress: Callable[[int], None] | None) -> int:
    """Render and write jobs in `workers` forked processes, which share them out as
    they go (parallel.share_out): listings come first in `jobs`, paper pages after.
    Each process also computes the fingerprints of the jobs it renders; the children's
    come back to this process with their results."""

    def work(start: int, stop: int) -> list[tuple[int, Fingerprinted]]:
        share = jobs[start:stop]
        write_jobs(staging, share)
        return [(index, job.fingerprinted()) for index, job in enumerate(share, start)]

    for index, fingerprinted in parallel.share_out(len(jobs), workers, work, progress=progress):
        jobs[index].set_fingerprint(fingerprinted)
    return len(jobs)


def stage_changed(ctx: BuildContext, jobs: list[Job], live: Path, side: Path) -> list[str]:
    """Render every job, by the worker pool when there are as many as a full build shares
    out (a base-template edit re-renders every page), else in this process, and write each
    file whose bytes differ from its file in `live` into the work folder `side`, at the same
    site path. The paths staged, in the jobs' order. Nothing in `live` changes, so a render
    error leaves the site as it was; and no rendered file is held in memory (at 100,000
    papers, every page rendered again is 3 GB)."""

    def stage(job: Job) -> bool:
        data = job.render()
        target = safe_join(live, job.path)
        if same_bytes(target, data):
            return False  # its inputs changed, its bytes did not (papers.json after a note)
        write_new_file(safe_join(side, job.path), data, shown=target)
        return True

    if not in_workers(ctx, jobs):
        return [job.path for job in jobs if stage(job)]

    def work(start: int, stop: int) -> list[int]:
        return [index for index in range(start, stop) if stage(jobs[index])]

    return [jobs[index].path for index in sorted(parallel.share_out(len(jobs), ctx.options.workers, work))]
