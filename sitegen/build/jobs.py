"""Stages 2 and 3 of a build: the library made from the pages, then every output file as
a job (render.Job: a site path, a fingerprint of its inputs, and how to render it):
listings, paper pages, data files (feeds, papers.json, sitemap), the theme's static
files and the offline search index.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.build import parallel
from sitegen.build.relatedstep import RelatedStandby, related_table
from sitegen.build.writing import EarlyWriter
from sitegen.core import devices
from sitegen.core.errors import BuildError
from sitegen.core.layout import PAPERS_DIR

if TYPE_CHECKING:
    from jinja2 import TemplateError

    from sitegen.build.context import BuildContext, Project
    from sitegen.build.incremental import InputsSeen
    from sitegen.build.render import Job
    from sitegen.site.library import LibraryPaper


def describe(
    ctx: BuildContext,
    papers: list[LibraryPaper],
    seen: InputsSeen,
    staging: Path | None,
    standby: RelatedStandby | None,
) -> tuple[list[Job], int]:
    """(every job, how many at its front are written already): by the fast path when only
    what papers' own views show changed (incremental.patched_jobs), else afresh; a full
    build with workers writes listings into `staging` while the related papers are computed."""
    from sitegen.build.incremental import patched_jobs

    jobs = patched_jobs(ctx.cache, seen.frame_key, papers)
    ctx.report.patched = jobs is not None
    early = None
    if jobs is None:
        fork = ctx.options.workers > 1 and parallel.CAN_FORK
        early = EarlyWriter(staging) if staging is not None and fork and devices.early_writer else None
        jobs = all_jobs(ctx, papers, seen.templates_key, seen.frame_key, early, standby)
    ctx.report.papers = len(papers)
    ctx.report.total = len(jobs)
    ctx.report.lap("jobs described" if ctx.report.patched else "static files and search index described")
    return jobs, early.done if early is not None else 0


def all_jobs(
    ctx: BuildContext,
    papers: list[LibraryPaper],
    templates_key: str,
    frame_key: str,
    early: EarlyWriter | None = None,
    standby: RelatedStandby | None = None,
) -> list[Job]:
    """Every job, made from the library: tags, years, digests, related papers. With
    `early`, a child process computes the related papers while this one describes the
    listings and writes them with `early`, until the related papers are ready."""
    from sitegen.build.patch import record
    from sitegen.build.render import Job, Renderer
    from sitegen.build.templating import make_environment
    from sitegen.ingest.importer import load_taxonomy
    from sitegen.site.library import make_library

    project, config, cache, report = ctx.project, ctx.config, ctx.cache, ctx.report
    cache.memo.pop("graph", None)  # the views memo is about to change under it
    # Related papers take seconds at 10,000 papers; a child process computes them while
    # this one makes the views and describes every page but the papers' own. It is handed
    # the papers first, before the taxonomy is read: it has been waiting for them.
    fork = early is not None and len(papers) >= parallel.PARALLEL_MIN_PAGES
    related = related_table(papers, config.related, cache, fork=fork, standby=standby if fork else None)
    try:
        folder = f"{project.content.name}/{PAPERS_DIR}"
        library = make_library(papers, load_taxonomy(project.content), {}, folder=folder)
        report.problems.extend(library.problems)  # a tag spelled more than one way
        # The environment (and the templates it compiled) is kept by `serve` while every
        # template file's bytes are the same: a rebuild then parses no template again.
        if cache.memo.get("env_key") == templates_key:
            env = cache.memo["env"]
        else:
            env = make_environment(project.template_dirs())
            cache.memo.update(env=env, env_key=templates_key)
        report.lap("library")
        # papers.json entries are kept for the next build when the cache stays in memory (serve).
        json_memo = cache.memo.setdefault("papers_json", {}) if ctx.options.state is not None else None
        renderer = Renderer(library, config, env, cache.views, json_memo)
        report.lap("views")
        jobs = list(renderer.listing_jobs())
        report.lap("listings described")
        paper_jobs = list(renderer.paper_jobs(related_later=True))  # the related papers put in below
        report.lap("paper pages described")
        if early is not None:
            early.write(jobs, until=related.pending.ready)
            report.lap(f"{early.done} listings written while related papers were computed")
        renderer.set_related(related.result(), related.key)
        report.lap("related papers (the rest of the time they took)")
    finally:
        related.pending.cancel()
    jobs += paper_jobs
    jobs += renderer.data_jobs([job.path for job in jobs])
    report.lap("data files described")
    library = renderer.library
    jobs += static_jobs(project.template_dirs())
    if ctx.search:
        from sitegen.search.index import OFFLINE_INDEX, offline_index, offline_index_key

        jobs.append(Job(OFFLINE_INDEX, offline_index_key(library), lambda: offline_index(library)))
    cache.memo["graph"] = record(frame_key, library, renderer, jobs)
    return jobs


def static_jobs(template_dirs: list[Path]) -> list[Job]:
    """The theme's `static/` files; a file in an earlier folder overrides a later one's."""
    from sitegen.build.render import Job
    from sitegen.site import urls

    found: dict[str, Path] = {}
    for folder in reversed(template_dirs):
        static = folder / "static"
        for path in sorted(static.rglob("*")) if static.is_dir() else []:
            rel = path.relative_to(static)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                found[urls.static(rel.as_posix())] = path
    jobs = []
    for site_path, source in sorted(found.items()):
        data = source.read_bytes()
        jobs.append(Job(site_path, hashlib.sha1(data).hexdigest(), functools.partial(bytes, data)))  # the bytes read
    return jobs


TEMPLATE_SUFFIXES = (".html", ".xml", ".txt")
"""The file names of templates, as Jinja puts them in its frames (not site paths)."""


def template_error(err: TemplateError, project: Project) -> BuildError:
    """A template's error as a BuildError naming the template file and line."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    if isinstance(err, TemplateSyntaxError):
        name = err.filename or err.name or "template"
        return BuildError(f"{name}:{err.lineno}: template syntax error: {err.message}")
    if isinstance(err, TemplateNotFound):
        return BuildError(f"template not found: {err.name} (looked in {', '.join(map(str, project.template_dirs()))})")
    # A runtime error (an undefined variable, say): Jinja rewrites the traceback so its
    # frames carry the template's file name and line; report the innermost one.
    where = ""
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(TEMPLATE_SUFFIXES):
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return BuildError(f"{where}template error: {err}")
