"""What a build can skip: the fingerprints of its inputs, the no-op checks (by the
cache's stamp, then by the cache), the patch fast path for serve, and writing only the
files whose fingerprint changed, in place.

Correctness first: a job's fingerprint covers all of its inputs (render.Job), so an
incremental build writes the bytes a clean build would; tests/test_incremental.py
compares the two after every kind of edit.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.build.cache import (
    BuildCache,
    Stamp,
    forget_outputs,
    load_cache,
    load_stamp,
    save_cache,
    site_identity,
    write_stamp,
)
from sitegen.build.loading import current_stats, page_stats
from sitegen.build.output import move_into, remove_file, safe_join, work_dir, write_if_changed
from sitegen.config import Config
from sitegen.core import devices
from sitegen.core.codeprint import code_fingerprint
from sitegen.core.layout import DIGESTS_DIR, TAXONOMY_FILE

if TYPE_CHECKING:
    from collections.abc import Callable

    from sitegen.build.context import BuildContext, Project
    from sitegen.build.render import Job
    from sitegen.site.library import LibraryPaper


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha1()
    for path in paths:
        st = path.stat()
        h.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def digests_fingerprint(content: Path, config: Config) -> str:
    """Changes when a digest, the taxonomy or the configuration may import differently."""
    folder = content / DIGESTS_DIR
    digests = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    extra = [p for p in (content / TAXONOMY_FILE,) if p.is_file()]
    return hashlib.sha1(f"{_hash_files(digests + extra)}{config!r}{code_fingerprint()}".encode()).hexdigest()


def templates_fingerprint(project: Project) -> str:
    """Every template and static file by content, and the folders they come from."""
    h = hashlib.sha1()
    for directory in project.template_dirs():
        h.update(str(directory.resolve()).encode())
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                h.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def frame_fingerprint(
    config: Config, search: bool, digests_key: str, templates_key: str, content: Path, drafts: bool = False
) -> str:
    """Every input of the site but the pages: templates and static files by content
    (`templates_key` is templates_fingerprint(project)), the taxonomy, the settings, the
    search and drafts switches and the code."""
    h = hashlib.sha1(f"{code_fingerprint()}/{search}/{drafts}/{config!r}/{digests_key}".encode())
    h.update(templates_key.encode())
    taxonomy = content / TAXONOMY_FILE
    if taxonomy.is_file():
        h.update(taxonomy.read_bytes())
    return h.hexdigest()


def inputs_fingerprint(frame_key: str, stats: list[tuple[str, int, int]]) -> str:
    """Every input of the site in one digest: the frame and the pages by size and mtime
    (`stats` is page_stats(content))."""
    pages = "".join([f"{name}\0{size}\0{mtime}\0" for name, size, mtime in stats])
    return hashlib.sha1(f"{frame_key}{pages}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class InputsSeen:
    """The fingerprints of a build's inputs, as the no-op check by the stamp made them
    (reused by the build when that check finds a change and nothing is imported)."""

    digests_key: str
    stats: list[tuple[str, int, int]]
    templates_key: str
    frame_key: str
    inputs_key: str


def inputs_seen(ctx: BuildContext, digests_key: str, stats: list[tuple[str, int, int]]) -> InputsSeen:
    """The fingerprints of the inputs, with the digests' and the pages' given."""
    project = ctx.project
    templates_key = templates_fingerprint(project)
    frame_key = frame_fingerprint(ctx.config, ctx.search, digests_key, templates_key, project.content, project.drafts)
    return InputsSeen(digests_key, stats, templates_key, frame_key, inputs_fingerprint(frame_key, stats))


def site_ok(project: Project, last: Stamp) -> bool:
    """Whether the output folder is the one the last build (`last`) wrote, with its outputs."""
    return last.outputs > 0 and last.site_id is not None and site_identity(project.output) == last.site_id


def unchanged(ctx: BuildContext, last: Stamp, inputs_key: str) -> bool:
    """Whether the last build's site is up to date: it is the one the cache describes,
    every input is as it was, and the search index is there if wanted. The inputs'
    fingerprint holds the digests' (when importing): no digest changed either."""
    search_ok = not ctx.search or ctx.options.defer_search or last.search
    return site_ok(ctx.project, last) and inputs_key == last.inputs and search_ok


def check_stamp(ctx: BuildContext) -> tuple[InputsSeen | None, bool]:
    """(the inputs' fingerprints, whether nothing changed), told by the saved cache's
    stamp alone, without unpickling the cache (None when there is no stamp to ask: a
    `--full` build, serve's cache in memory, no saved cache)."""
    options = ctx.options
    stamp = load_stamp(ctx.project.cache_file) if not options.full and options.state is None else None
    if stamp is None:
        return None, False
    digests_key = digests_fingerprint(ctx.project.content, ctx.config) if options.run_importer else ""
    seen = inputs_seen(ctx, digests_key, page_stats(ctx.project.content))
    if not unchanged(ctx, stamp, seen.inputs_key):
        return seen, False
    ctx.report.incremental = True
    ctx.report.total, ctx.report.papers = stamp.outputs, stamp.pages
    return seen, True


def digests_key(ctx: BuildContext, seen: InputsSeen | None) -> str:
    """The digests' fingerprint ("" when the build does not import): the stamp check's
    when it took one, else taken now."""
    if not ctx.options.run_importer:
        return ""
    return seen.digests_key if seen is not None else digests_fingerprint(ctx.project.content, ctx.config)


def open_cache(ctx: BuildContext) -> BuildCache:
    """The cache this build starts from: none for `--full`, serve's, else the saved one."""
    if ctx.options.full:
        return BuildCache()
    return ctx.options.state if ctx.options.state is not None else load_cache(ctx.project.cache_file)


def current_inputs(ctx: BuildContext, seen: InputsSeen | None, digests_key: str) -> InputsSeen:
    """The inputs' fingerprints now: the stamp check's when it looked at the same files
    (nothing was imported since), else taken again (from the changed files alone when
    serve's watcher listed them)."""
    if seen is not None and not ctx.report.imported:
        ctx.cache.memo["stats"] = seen.stats
        return seen
    changed = None if ctx.report.imported else ctx.options.changed
    return inputs_seen(ctx, digests_key, current_stats(ctx.project.content, ctx.cache, changed))


def up_to_date(ctx: BuildContext) -> None:
    """Report a build that found nothing to do (the cache's answer, not the stamp's)."""
    if ctx.options.state is None and ctx.project.cache_file.is_file():
        write_stamp(ctx.project.cache_file, ctx.cache)  # the stamp was missing or stale: the next no-op uses it
    ctx.report.incremental = True
    ctx.report.total = len(ctx.cache.outputs)
    ctx.report.papers = len(ctx.cache.pages)


def patched_jobs(cache: BuildCache, frame_key: str, papers: list[LibraryPaper]) -> list[Job] | None:
    """The last build's jobs brought up to date, when only papers' views changed."""
    from sitegen.build.patch import patch
    from sitegen.build.templating import clear_memo

    graph = cache.memo.get("graph")
    if graph is None or not devices.patch:
        return None
    clear_memo(graph.renderer.env)
    try:
        if not patch(graph, frame_key, papers):
            return None
    except BaseException:
        del cache.memo["graph"]  # half-patched: no longer describes any library
        raise
    return list(graph.jobs)


def remade(ctx: BuildContext) -> list[int] | None:
    """For a patched job list, the indexes of the only jobs that may have changed."""
    return ctx.cache.memo["graph"].remade if ctx.report.patched else None


def write_changed(ctx: BuildContext, jobs: list[Job]) -> list[str]:
    """Render the jobs whose fingerprint changed and replace their files in place (by the
    worker pool when they are many); delete the files no job makes any more. The paths
    written (a file whose bytes came out the same is not written again)."""
    from sitegen.build.writing import stage_changed  # a no-op build never gets here

    project, cache, report = ctx.project, ctx.cache, ctx.report
    report.incremental = True
    indexes = remade(ctx)  # the others, and the set of paths, are the last build's
    candidates = jobs if indexes is None else [jobs[index] for index in indexes]
    changed = [job for job in candidates if cache.outputs.get(job.path) != job.key]
    report.rendered = [job.path for job in changed]
    report.lap("fingerprints compared")
    if len(changed) < ASIDE_MIN_FILES:  # a few files (a saved note): rendered in memory
        rendered = [(job.path, job.render()) for job in changed]  # a render error stops here
        report.lap("rendered")
        return _commit(ctx, jobs, indexes, bool(rendered), lambda: _write_all(project.output, rendered))
    side = work_dir(project.output, "changed")
    try:
        staged = stage_changed(ctx, changed, project.output, side)  # a render error stops here
        report.lap("rendered")
        return _commit(ctx, jobs, indexes, bool(staged), lambda: _move_all(side, project.output, staged))
    finally:
        shutil.rmtree(side, ignore_errors=True)


ASIDE_MIN_FILES = 300
"""Changed files from which an incremental build writes each into a work folder as it is
rendered (writing.stage_changed) rather than holding them all in memory until the last is
rendered: a template edit at 100,000 papers re-renders 125,000 files, 3 GB of them."""


def _commit(
    ctx: BuildContext, jobs: list[Job], indexes: list[int] | None, pending: bool, commit: Callable[[], list[str]]
) -> list[str]:
    """Every changed file rendered: `commit` puts them in the site and says which it wrote;
    then the files no job makes any more are deleted. The paths written."""
    project, cache, report = ctx.project, ctx.cache, ctx.report
    stale = [] if indexes is not None else sorted(set(cache.outputs) - {job.path for job in jobs})
    written: list[str] = []
    if pending or stale:
        forget_outputs(project.cache_file, cache)
        written = commit()
        for path in stale:
            remove_file(project.output, path)
    report.lap("written")
    report.files = len(written)
    report.removed = len(stale)
    report.changed = written
    return written


WRITE_THREADS = 8
"""Files replaced at once by an incremental build: replacing a file on ext4 starts its
write-back (auto_da_alloc), a few milliseconds each, which threads overlap."""


def _move_all(side: Path, root: Path, paths: list[str]) -> list[str]:
    """Move each staged file into the site, replacing the old one; the paths moved."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(WRITE_THREADS, len(paths) or 1)) as pool:
        list(pool.map(lambda path: move_into(side, root, path), paths))
    return paths


def _write_all(root: Path, files: list[tuple[str, bytes]]) -> list[str]:
    """Replace each file atomically unless it holds the same bytes; the paths written."""
    if len(files) < 4:
        wrote = [write_if_changed(safe_join(root, path), data) for path, data in files]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(WRITE_THREADS, len(files))) as pool:
            wrote = list(pool.map(lambda item: write_if_changed(safe_join(root, item[0]), item[1]), files))
    return [path for (path, _), did in zip(files, wrote, strict=True) if did]


def remember(ctx: BuildContext, jobs: list[Job], inputs_key: str, in_place: bool) -> None:
    """Record in the cache what the site now holds (and save it, unless the caller will)."""
    cache = ctx.cache
    if ctx.report.patched and in_place:
        cache.outputs.update((jobs[index].path, jobs[index].key) for index in cache.memo["graph"].remade)
    else:
        cache.outputs = {job.path: job.key for job in jobs}
    if not ctx.options.defer_search:
        cache.search = ctx.report.search_key
    cache.site_id = site_identity(ctx.project.output)
    cache.inputs = inputs_key
    if ctx.options.save:
        save_cache(ctx.project.cache_file, cache)
        ctx.report.lap("cache saved")
