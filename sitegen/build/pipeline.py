"""`sitegen build`, top to bottom: read this first.

content/digests --import--> content/papers --load--> Library --jobs--> files in site/
--> search index (Pagefind over the paper pages, plus the offline index)

A full build writes a fresh folder beside `site/` and swaps it in when complete. An
incremental build (the cache knows what is in `site/`) renders only the jobs whose
fingerprint changed, writes each file atomically in place, deletes outputs that no
longer exist, and re-runs Pagefind only when a paper page changed. Both produce the
same bytes: a job's fingerprint covers all of its inputs (see render.Job).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import gc
import hashlib
import operator
import os
import stat
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

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
from sitegen.build.output import (
    clean_stale_staging,
    discard,
    read_bytes,
    remove_file,
    safe_join,
    staging_dir,
    swap_in,
    write_files,
    write_if_changed,
)
from sitegen.build.parallel import CAN_FORK, Forked, Later, Standby, share_out
from sitegen.config import Config, load_config, with_base_url
from sitegen.core import devices
from sitegen.core.codeprint import code_fingerprint
from sitegen.core.errors import BuildError
from sitegen.core.layout import DIGESTS_DIR, PAPERS_DIR, TAXONOMY_FILE
from sitegen.core.models import Problem
from sitegen.core.resources import default_templates_dir
from sitegen.core.wording import count

if TYPE_CHECKING:  # the heavy modules are imported only by a build that has work to do
    from jinja2 import TemplateError

    from sitegen.build.render import Fingerprinted, Job
    from sitegen.ingest.importer import ImportReport
    from sitegen.search.shards import ShardPlan
    from sitegen.site.library import LibraryPaper


@dataclass(frozen=True)
class Project:
    """Where a build reads and writes."""

    content: Path = Path("content")
    templates: Path = Path("templates")
    output: Path = Path("site")
    cache: Path | None = None
    """Build cache folder; default `.sitegen-cache/` beside the output folder."""
    base_url: str = ""
    """`--base-url`: overrides the configuration's base_url when set."""
    drafts: bool = False
    """`--drafts`: publish draft and private pages and private notes too (a local preview)."""
    max_memory: int = 0
    """`--max-memory` in MB: the search indexing's budget; 0 for the configuration's."""

    def template_dirs(self) -> list[Path]:
        dirs = [self.templates] if self.templates.is_dir() else []
        default = default_templates_dir()
        if default.is_dir() and all(default.resolve() != d.resolve() for d in dirs):
            dirs.append(default)
        return dirs

    @property
    def cache_file(self) -> Path:
        folder = self.cache or self.output.parent / ".sitegen-cache"
        return folder / f"{self.output.name}.pickle"


@dataclass
class BuildReport:
    files: int = 0
    """Output files written (rendered) by this build."""
    total: int = 0
    """Output files the site has."""
    papers: int = 0
    seconds: float = 0.0
    incremental: bool = False
    removed: int = 0
    imported: ImportReport | None = None
    problems: list[Problem] = field(default_factory=list)
    search: str = ""
    changed: list[str] = field(default_factory=list)
    """Site paths written by this build (for live reload)."""
    rendered: list[str] = field(default_factory=list)
    """Site paths an incremental build rendered (their fingerprint changed); the ones
    whose bytes came out the same were not written again."""
    search_key: str = ""
    """Fingerprint of what the search index should cover (see search_fingerprint); a
    build that leaves the index to its caller (defer_search) leaves it to `search_keyer`."""
    search_keyer: Callable[[], str] | None = field(default=None, repr=False)
    """Computes search_key when asked (`serve` asks once builds settle, not after each)."""
    patched: bool = False
    """The jobs came from the last build's, remade where papers' views changed (patch.py)."""
    timings: list[tuple[str, float]] = field(default_factory=list)
    """(stage, seconds) in the order the stages ran: `sitegen build --timings`."""
    base_url: str = ""
    """The base URL the site was built with ("" when none: feeds and the sitemap then hold
    root-relative URLs). `sitegen build` warns about that; `serve`, a local preview, does not."""
    _lap: float = field(default_factory=time.perf_counter, repr=False)

    def search_fingerprint(self) -> str:
        """search_key, computed now if it was left for later ("" when nothing was built)."""
        if self.search_keyer is not None:
            self.search_key, self.search_keyer = self.search_keyer(), None
        return self.search_key

    def lap(self, stage: str) -> None:
        """Record that `stage` ended now (it began when the last one ended)."""
        now = time.perf_counter()
        self.timings.append((stage, now - self._lap))
        self._lap = now

    def summary(self) -> str:
        extra = f", {self.search}" if self.search else ""
        if self.papers == 0:
            extra += f"\n{NO_PAPERS_HINT}"
        if self.incremental:
            return (
                f"built {count(self.papers, 'paper')}: {self.files} of {count(self.total, 'file')} rewritten, "
                f"{self.removed} removed in {self.seconds:.2f} s{extra}"
            )
        return f"built {count(self.papers, 'paper')} into {count(self.total, 'file')} in {self.seconds:.2f} s{extra}"


NO_PAPERS_HINT = (
    f"no papers yet: paste a Hugging Face listing into content/{DIGESTS_DIR}/ (a .txt file) and build again"
)
"""Said after a build of an empty list (a new one from `sitegen init`): the site is valid, only empty."""


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


def page_stats(content: Path) -> list[tuple[str, int, int]]:
    """(file name, size, mtime) of every page, sorted by name."""
    folder = content / PAPERS_DIR
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".md") and e.is_file()]
    except FileNotFoundError:
        return []
    stats = []
    for entry in entries:
        st = entry.stat()
        stats.append((entry.name, st.st_size, st.st_mtime_ns))
    return sorted(stats)


MAX_HINTS = 200
"""More changed files than this, and the page folder is scanned instead."""


def current_stats(content: Path, cache: BuildCache, changed: Collection[Path] | None) -> list[tuple[str, int, int]]:
    """page_stats(content); with the files `changed` since the last call with this cache,
    made from that call's result and those files alone (10,000 pages take 50 ms to scan)."""
    last = cache.memo.get("stats")
    stats = None if last is None or changed is None else restat(last, content / PAPERS_DIR, changed)
    if stats is None:
        stats = page_stats(content)
    cache.memo["stats"] = stats
    return stats


def restat(
    last: list[tuple[str, int, int]], folder: Path, changed: Collection[Path]
) -> list[tuple[str, int, int]] | None:
    """`last` (page_stats of `folder`) updated for the `changed` paths, or None when
    they cannot tell (too many, or the folder itself or a parent of it among them)."""
    if len(changed) > MAX_HINTS:
        return None
    here, there = Path(os.path.abspath(folder)), folder.resolve()
    names = set()
    for path in (Path(os.path.abspath(p)) for p in changed):  # absolute, without `..`
        if path.parent in (here, there) or path.parent.resolve() == there:
            names.add(path.name)
        elif path in (here, there) or here.is_relative_to(path) or there.is_relative_to(path):
            return None
    stats = list(last)
    for name in sorted(names):
        at = bisect.bisect_left(stats, (name,))
        known = at < len(stats) and stats[at][0] == name
        try:
            st = (folder / name).stat()
            page = name.endswith(".md") and stat.S_ISREG(st.st_mode)
        except OSError:
            page = False
        if page and known:
            stats[at] = (name, st.st_size, st.st_mtime_ns)
        elif page:
            stats.insert(at, (name, st.st_size, st.st_mtime_ns))
        elif known:
            del stats[at]
    return stats


PARALLEL_MIN_PAGES = 1000
"""Pages to parse before parsing is shared out between processes (YAML is most of a
cold build's loading time: 3 s for 10,000 pages on one core)."""


def load_papers(
    content: Path, cache: BuildCache, stats: list[tuple[str, int, int]] | None = None, workers: int = 1
) -> list[LibraryPaper]:
    """Every page, parsed; an unchanged file (same size and mtime) comes from the cache.
    `stats` is page_stats(content) when the caller has it already. With `workers` > 1
    and many pages to parse, forked processes parse them; the result, and the error
    for a bad page, are those of a serial load."""
    stats = page_stats(content) if stats is None else stats
    last = cache.memo.get("loaded")  # (stats, papers) of the last load with this cache
    if last is not None and len(last[0]) == len(stats):
        changed = [i for i, (old, new) in enumerate(zip(last[0], stats, strict=True)) if old != new]
        if all(last[0][i][0] == stats[i][0] for i in changed):  # the same pages, some edited
            return _reload_pages(content, cache, stats, last[1], changed)
    todo = [name for name, size, mtime in stats if cache.pages.get(name, (None, None))[:2] != (size, mtime)]
    if workers > 1 and len(todo) >= PARALLEL_MIN_PAGES and CAN_FORK:
        from sitegen.site import library  # noqa: F401 - imported once, before forking, not in each process

        def parse(start: int, stop: int) -> list[tuple[int, list[LibraryPaper | BuildError]]]:
            return [(start, _parse_pages(content, todo[start:stop]))]

        # Taken in chunks as the processes go (share_out), so neither waits for the other
        # when one shares its core with another process (the related papers' standby).
        parsed = _joined(sorted(share_out(len(todo), workers, parse, chunk=PARSE_CHUNK), key=_first))
    else:
        parsed = _parse_pages(content, todo)
    if parsed and isinstance(parsed[-1], BuildError):
        raise parsed[-1]
    fresh_papers = dict(zip(todo, parsed, strict=True))
    papers = []
    fresh: dict[str, tuple[int, int, LibraryPaper]] = {}
    for name, size, mtime in stats:
        paper = fresh_papers[name] if name in fresh_papers else cache.pages[name][2]
        fresh[name] = (size, mtime, paper)  # type: ignore[assignment]
        papers.append(paper)
    cache.pages = fresh
    cache.memo["loaded"] = (stats, papers)
    return papers  # type: ignore[return-value]


def _reload_pages(
    content: Path, cache: BuildCache, stats: list[tuple[str, int, int]], papers: list[LibraryPaper], changed: list[int]
) -> list[LibraryPaper]:
    """load_papers when the page files are those of the last load and only the ones at
    `changed` differ: those are parsed, the rest come from the last load's list."""
    parsed = _parse_pages(content, [stats[i][0] for i in changed])
    if parsed and isinstance(parsed[-1], BuildError):
        raise parsed[-1]
    papers = list(papers)
    for i, paper in zip(changed, parsed, strict=True):
        name, size, mtime = stats[i]
        papers[i] = paper  # type: ignore[assignment]
        cache.pages[name] = (size, mtime, paper)  # type: ignore[assignment]
    cache.memo["loaded"] = (stats, papers)
    return papers


def _parse_pages(content: Path, names: list[str]) -> list[LibraryPaper | BuildError]:
    """The pages parsed, in order; at the first page that cannot be read, its BuildError
    (naming the file and line) ends the list."""
    from sitegen.pagefile.pages import PageError
    from sitegen.site.library import paper_from_page

    folder = os.fspath(content / PAPERS_DIR)
    out: list[LibraryPaper | BuildError] = []
    for name in names:
        source = f"{content.name}/{PAPERS_DIR}/{name}"
        try:
            out.append(paper_from_page(_read_text(os.path.join(folder, name)), name.removesuffix(".md"), source))
        except UnicodeDecodeError as err:
            out.append(BuildError(f"{source}: not UTF-8 text ({err.reason})"))
            break
        except PageError as err:
            out.append(BuildError(str(err.problem)))
            break
    return out


def _read_text(path: str) -> str:
    """Path.read_text(encoding="utf-8"), without its file objects (10,000 pages: 0.4 s
    less): UTF-8, with universal newlines as text mode gives them."""
    text = read_bytes(path).decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


PARSE_CHUNK = 64
"""Pages a process parses at a time when several share the work."""
_first = operator.itemgetter(0)


def _joined(chunks: list[tuple[int, list[LibraryPaper | BuildError]]]) -> list[LibraryPaper | BuildError]:
    """The parsed chunks (by first index, covering every page) as one list, up to the first
    error: each chunk stops at its own first error, so this is what a serial load gives."""
    joined: list[LibraryPaper | BuildError] = []
    for _, chunk in chunks:
        joined += chunk
        if chunk and isinstance(chunk[-1], BuildError):
            break
    return joined


def related_table(
    papers: list[LibraryPaper], k: int, cache: BuildCache, fork: bool = False, standby: RelatedStandby | None = None
) -> RelatedTable:
    """The related-papers table, to be taken with `.result()`: the cached one while no
    title or abstract changed, else computed afresh; with `fork`, in a child process
    that starts now (or in `standby`, forked earlier), so this one can go on describing
    the pages that do not show it."""
    ordered = sorted(papers, key=lambda p: p.slug)
    docs = [(p.slug, f"{p.title} {p.title} {p.abstract}") for p in ordered]
    h = hashlib.sha1(str(k).encode())
    for slug, text in docs:
        h.update(f"{slug}\0{text}\0".encode())
    key = h.hexdigest()
    if cache.related[0] == key:
        table = cache.related[1]
        return RelatedTable(key, Later(lambda: table), cache)
    from sitegen.site.related import related_papers

    def compute() -> dict[str, tuple[str, ...]]:
        return related_papers(docs, k)

    if standby is not None:
        return RelatedTable(key, standby.submit((docs, k)), cache)
    return RelatedTable(key, Forked(compute) if fork else Later(compute), cache)


RelatedStandby = Standby[tuple[list[tuple[str, str]], int], dict[str, tuple[str, ...]]]


@dataclass
class RelatedTable:
    key: str
    """Fingerprint of the text the table is computed from."""
    pending: Forked[dict[str, tuple[str, ...]]] | Later[dict[str, tuple[str, ...]]]
    cache: BuildCache

    def result(self) -> dict[str, tuple[str, ...]]:
        """The table, kept in the cache."""
        if self.cache.related[0] != self.key:
            self.cache.related = (self.key, self.pending.result())
        return self.cache.related[1]


def static_jobs(template_dirs: list[Path]) -> list[Job]:
    """The theme's `static/` files; a file in an earlier folder overrides a later one's."""
    from sitegen.build.render import Job

    found: dict[str, Path] = {}
    for folder in reversed(template_dirs):
        static = folder / "static"
        for path in sorted(static.rglob("*")) if static.is_dir() else []:
            rel = path.relative_to(static)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                found[f"static/{rel.as_posix()}"] = path
    jobs = []
    for site_path, source in sorted(found.items()):
        data = source.read_bytes()
        jobs.append(Job(site_path, hashlib.sha1(data).hexdigest(), functools.partial(bytes, data)))  # the bytes read
    return jobs


def _template_error(err: TemplateError, project: Project) -> BuildError:
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
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return BuildError(f"{where}template error: {err}")


def search_plan(jobs: list[Job], max_memory_mb: int) -> ShardPlan:
    """The paper pages in search shards. Pagefind reads only the paper pages, so their
    fingerprints decide which shards are indexed again (search/shards.py)."""
    from sitegen.search.index import SEARCH_VERSION
    from sitegen.search.shards import plan_shards

    papers = ((job.path, job.key) for job in jobs if job.path.startswith("papers/"))
    return plan_shards(papers, max_memory_mb, SEARCH_VERSION)


def search_fingerprint(jobs: list[Job], max_memory_mb: int) -> str:
    """What the search index should cover: every shard's fingerprint."""
    return search_plan(jobs, max_memory_mb).key


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
    config: Config, with_search: bool, digests_key: str, templates_key: str, content: Path, drafts: bool = False
) -> str:
    """Every input of the site but the pages: templates and static files by content
    (`templates_key` is templates_fingerprint(project)), the taxonomy, the settings, the
    search and drafts switches and the code."""
    h = hashlib.sha1(f"{code_fingerprint()}/{with_search}/{drafts}/{config!r}/{digests_key}".encode())
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


def _inputs_seen(project: Project, config: Config, run_importer: bool, with_search: bool) -> InputsSeen:
    digests_key = digests_fingerprint(project.content, config) if run_importer else ""
    stats = page_stats(project.content)
    templates_key = templates_fingerprint(project)
    frame_key = frame_fingerprint(config, with_search, digests_key, templates_key, project.content, project.drafts)
    return InputsSeen(digests_key, stats, templates_key, frame_key, inputs_fingerprint(frame_key, stats))


def _site_ok(project: Project, last: Stamp) -> bool:
    """Whether the output folder is the one the last build (`last`) wrote, with its outputs."""
    return last.outputs > 0 and last.site_id is not None and site_identity(project.output) == last.site_id


def _unchanged(project: Project, last: Stamp, inputs_key: str, with_search: bool, defer_search: bool) -> bool:
    """Whether the last build's site is up to date: it is the one the cache describes,
    every input is as it was, and the search index is there if wanted. The inputs'
    fingerprint holds the digests' (when importing): no digest changed either."""
    return _site_ok(project, last) and inputs_key == last.inputs and (not with_search or defer_search or last.search)


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
    """Build the site. `state` is a cache kept in memory between builds (by `serve`);
    `defer_search` leaves the Pagefind index as it is, for the caller to refresh later;
    without `save`, the caller saves `state` later (a site changed in place is marked
    on disk as not matching the saved cache until then). `changed` lists every file
    changed since the last build with this `state` (serve's watcher reports them): the
    page folder is then not scanned, only those pages are looked at again."""
    # Python's cycle collector would walk the whole library again and again while a
    # build allocates its views and jobs (0.6 s of a 10 s build at 10,000 papers); the
    # build makes few reference cycles, so it runs without it and the collector resumes after.
    collecting = gc.isenabled()
    if devices.gc_pause:
        gc.disable()
    if not devices.workers:
        workers = 1
    standby = _related_standby(project, full, state, workers)
    try:
        options = (search, progress, full, state, defer_search)
        return _build(project, run_importer, *options, workers, save, changed, standby)
    finally:
        if standby is not None:
            standby.cancel()  # not wanted after all (a table in the cache, an error): ended
        if collecting:
            gc.enable()


def _related_standby(project: Project, full: bool, state: BuildCache | None, workers: int) -> RelatedStandby | None:
    """For a build that will compute the related papers in a child process (a first or
    `--full` build of a list big enough for several processes), that child, forked now:
    it imports NumPy while this process starts up on the other core,
    and computes the table once the pages are read."""
    if not devices.related_standby:
        return None
    if workers < 2 or not CAN_FORK or state is not None or (project.cache_file.exists() and not full):
        return None
    try:
        with os.scandir(project.content / PAPERS_DIR) as entries:
            pages = sum(1 for entry in entries if entry.name.endswith(".md"))
    except OSError:
        return None
    if pages < PARALLEL_MIN_PAGES:
        return None
    from sitegen.site.related import prepare, related_of

    return Standby(prepare, related_of)


def _build(
    project: Project,
    run_importer: bool,
    search: bool | None,
    progress: Callable[[int], None] | None,
    full: bool,
    state: BuildCache | None,
    defer_search: bool,
    workers: int,
    save: bool,
    changed: Collection[Path] | None,
    standby: RelatedStandby | None = None,
) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    config: Config = load_config(project.content)
    if project.base_url:
        config = with_base_url(config, project.base_url)
    report.base_url = config.base_url
    # `--max-memory` wins over the setting; in the configuration it is an input of the build.
    config = dataclasses.replace(config, max_memory=project.max_memory or config.max_memory)
    project = dataclasses.replace(project, max_memory=config.max_memory)
    with_search = config.search if search is None else search
    seen = None
    if not full and state is None:
        stamp = load_stamp(project.cache_file)
        if stamp is not None:
            seen = _inputs_seen(project, config, run_importer, with_search)
            if _unchanged(project, stamp, seen.inputs_key, with_search, defer_search):
                report.incremental = True
                report.total, report.papers = stamp.outputs, stamp.pages
                report.seconds = time.perf_counter() - started
                report.lap("input fingerprints (the cache's stamp)")
                return report
    if full:
        cache = BuildCache()
    elif state is not None:
        cache = state
    else:
        cache = load_cache(project.cache_file)
    last = Stamp.of(cache)
    site_ok = _site_ok(project, last)

    # 1. Import, when a digest (or the taxonomy, or the configuration) changed.
    digests_key = ""
    if run_importer:
        digests_key = seen.digests_key if seen is not None else digests_fingerprint(project.content, config)
        if digests_key != cache.digests:
            from sitegen.ingest.importer import run_import

            report.imported = run_import(project.content, config)
            report.problems.extend(report.imported.problems)
            # The fingerprint taken before the import read the digests: a digest saved while
            # it ran differs from it, so the next build imports again (never marked as read).
            cache.digests = digests_key
    report.lap("cache and import")

    # Nothing changed since the last build of this site: stop here.
    if seen is not None and not report.imported:  # the stamp's check looked at the same files
        stats, templates_key, frame_key, inputs_key = seen.stats, seen.templates_key, seen.frame_key, seen.inputs_key
        cache.memo["stats"] = stats
    else:
        stats = current_stats(project.content, cache, None if report.imported else changed)
        templates_key = templates_fingerprint(project)
        frame_key = frame_fingerprint(config, with_search, digests_key, templates_key, project.content, project.drafts)
        inputs_key = inputs_fingerprint(frame_key, stats)
    if _unchanged(project, last, inputs_key, with_search, defer_search):
        if state is None and project.cache_file.is_file():
            write_stamp(project.cache_file, cache)  # the stamp was missing or stale: the next no-op uses it
        report.incremental = True
        report.total = len(cache.outputs)
        report.papers = len(cache.pages)
        report.seconds = time.perf_counter() - started
        report.lap("input fingerprints")
        return report

    from jinja2 import TemplateError

    # 2. The pages, then every output as a job with a fingerprint: by the fast path
    # when only what papers' own views show changed (patch.py), else afresh.
    report.lap("input fingerprints")
    from sitegen.site.drafts import published

    papers = published(load_papers(project.content, cache, stats, workers), project.drafts)
    report.lap("pages read")
    # A site not known to the cache is written into a fresh folder, swapped in when complete.
    staging = None
    if not site_ok:
        clean_stale_staging(project.output)
        staging = staging_dir(project.output)
    try:
        try:
            jobs = _patched_jobs(cache, frame_key, papers)
            report.patched = jobs is not None
            if jobs is None:
                fork = workers > 1 and CAN_FORK
                early = EarlyWriter(staging) if staging is not None and fork and devices.early_writer else None
                kept = state is not None
                jobs = _all_jobs(
                    project,
                    config,
                    cache,
                    papers,
                    templates_key=templates_key,
                    frame_key=frame_key,
                    with_search=with_search,
                    early=early,
                    report=report,
                    kept=kept,
                    standby=standby,
                )
            report.papers = len(papers)
            report.total = len(jobs)
            report.lap("jobs described" if report.patched else "static files and search index described")

            # 3. Write: in place when the cache knows the site, else into the fresh folder.
            # Either sets report.search_key, the fingerprint of what the search index covers.
            run_search = with_search and not defer_search
            if staging is None:
                # A patched job list is the last one with some jobs remade: only those can differ.
                remade = cache.memo["graph"].remade if report.patched else None
                _write_incremental(project, cache, jobs, remade, report, with_search, run_search, defer_search)
            else:
                done = early.done if early is not None else 0
                searched = (with_search, run_search, defer_search)
                _write_full(project, cache, staging, jobs, done, report, *searched, progress, workers)
        except TemplateError as err:
            raise _template_error(err, project) from None
    except BaseException:
        if staging is not None:
            discard(staging)
        raise
    if report.patched and staging is None:
        cache.outputs.update((jobs[index].path, jobs[index].key) for index in cache.memo["graph"].remade)
    else:
        cache.outputs = {job.path: job.key for job in jobs}
    if not defer_search:
        cache.search = report.search_key
    cache.site_id = site_identity(project.output)
    cache.inputs = inputs_key
    if save:
        save_cache(project.cache_file, cache)
        report.lap("cache saved")
    report.seconds = time.perf_counter() - started
    return report


def _patched_jobs(cache: BuildCache, frame_key: str, papers: list[LibraryPaper]) -> list[Job] | None:
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


def _all_jobs(
    project: Project,
    config: Config,
    cache: BuildCache,
    papers: list[LibraryPaper],
    templates_key: str,
    frame_key: str,
    with_search: bool,
    early: EarlyWriter | None = None,
    report: BuildReport | None = None,
    kept: bool = False,
    standby: RelatedStandby | None = None,
) -> list[Job]:
    """Every job, made from the library: tags, years, digests, related papers. With
    `early`, a child process computes the related papers while this one describes the
    listings and writes them with `early`, until the related papers are ready. `kept`:
    the cache stays in memory for the next build (serve's `state`)."""
    from sitegen.build.patch import record
    from sitegen.build.render import Job, Renderer
    from sitegen.build.templating import make_environment
    from sitegen.site.library import make_library

    cache.memo.pop("graph", None)  # the views memo is about to change under it
    from sitegen.ingest.importer import load_taxonomy

    # Related papers take seconds at 10,000 papers; a child process computes them while
    # this one makes the views and describes every page but the papers' own. It is handed
    # the papers first, before the taxonomy is read: it has been waiting for them.
    fork = early is not None and len(papers) >= PARALLEL_MIN_PAGES
    related = related_table(papers, config.related, cache, fork=fork, standby=standby if fork else None)
    lap = report.lap if report is not None else lambda stage: None
    try:
        folder = f"{project.content.name}/{PAPERS_DIR}"
        library = make_library(papers, load_taxonomy(project.content), {}, folder=folder)
        if report is not None:
            report.problems.extend(library.problems)  # a tag spelled more than one way
        # The environment (and the templates it compiled) is kept by `serve` while every
        # template file's bytes are the same: a rebuild then parses no template again.
        if cache.memo.get("env_key") == templates_key:
            env = cache.memo["env"]
        else:
            env = make_environment(project.template_dirs())
            cache.memo.update(env=env, env_key=templates_key)
        lap("library")
        # papers.json entries are kept for the next build when the cache stays in memory (serve).
        json_memo = cache.memo.setdefault("papers_json", {}) if kept else None
        renderer = Renderer(library, config, env, cache.views, json_memo)
        lap("views")
        jobs = list(renderer.listing_jobs())
        lap("listings described")
        paper_jobs = list(renderer.paper_jobs(related_later=True))  # the related papers put in below
        lap("paper pages described")
        if early is not None:
            early.write(jobs, until=related.pending.ready)
            lap(f"{early.done} listings written while related papers were computed")
        renderer.set_related(related.result(), related.key)
        lap("related papers (the rest of the time they took)")
    finally:
        related.pending.cancel()
    jobs += paper_jobs
    jobs += renderer.data_jobs([job.path for job in jobs])
    lap("data files described")
    library = renderer.library
    jobs += static_jobs(project.template_dirs())
    if with_search:
        from sitegen.search.index import OFFLINE_INDEX, offline_index, offline_index_key

        jobs.append(Job(OFFLINE_INDEX, offline_index_key(library), lambda: offline_index(library)))
    cache.memo["graph"] = record(frame_key, library, renderer, jobs)
    return jobs


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


def _write_full(
    project: Project,
    cache: BuildCache,
    staging: Path,
    jobs: list[Job],
    done: int,
    report: BuildReport,
    searchable: bool,
    with_search: bool,
    keep_bundle: bool,
    progress: Callable[[int], None] | None,
    workers: int = 1,
) -> None:
    """Write the jobs into the fresh `staging` folder (the first `done` are written
    already) and swap it in. `searchable`: the site has a search index (`with_search`:
    make it now); `keep_bundle`: keep the old search index, for the caller to refresh."""
    rest, late = jobs[done:], []
    if with_search:  # the offline index is made just before Pagefind runs (see below)
        from sitegen.search.index import OFFLINE_INDEX

        late = [job for job in rest if job.path == OFFLINE_INDEX]
        rest = [job for job in rest if job.path != OFFLINE_INDEX]
    if progress is not None:  # told the files written so far: shown with their total
        progress = functools.partial(cast("Callable[..., None]", progress), total=len(rest))
    if workers > 1 and len(rest) >= PARALLEL_MIN_JOBS and CAN_FORK:
        render_parallel(rest, staging, workers, progress)
    else:
        write_jobs(staging, rest, progress)
    report.files = len(jobs)
    report.lap("rendered and written")
    report.changed = [job.path for job in jobs]
    plan = search_plan(jobs, project.max_memory) if searchable else None
    report.search_key = plan.key if plan is not None else ""
    shard_timings: list[tuple[str, float]] = []
    from sitegen.search.budget import release as release_memory
    from sitegen.search.sharded import ShardedIndex, bundle_dirs, keep_bundles

    if keep_bundle and bundle_dirs(project.output):
        keep_bundles(project.output, staging)
        report.search = "search index: unchanged"
    elif with_search and not _has_papers(jobs):
        report.search = "search index: offline only (no papers to index)"  # Pagefind fails on no pages
    elif with_search and plan is not None:
        # Unchanged shards are carried over from the last site; Pagefind runs on the others.
        previous = project.output if project.output.is_dir() else None
        # Memory (search/budget.py): the offline index first, its memory handed back, so
        # that Pagefind gets the budget less only what this process holds from then on.
        write_jobs(staging, late)
        late = []
        release_memory()
        index = ShardedIndex(
            staging, plan, cache.search, previous=previous, home=project.output, max_memory_mb=project.max_memory
        )
        report.search = index.wait()
        shard_timings = index.timings
    write_jobs(staging, late)  # the search index was kept: the offline index too is made now
    report.lap("search index")
    report.timings.extend(shard_timings)
    swap_in(staging, project.output)
    report.lap("swapped in")


def _has_papers(jobs: list[Job]) -> bool:
    """Whether the site has a paper page: Pagefind, given none, fails rather than
    writing an empty index, and the search page falls back to the offline index."""
    return any(job.path.startswith("papers/") and job.path.endswith("/index.html") for job in jobs)


PARALLEL_MIN_JOBS = 300
"""Below this many files a second process costs more than it saves. (At 1,000 papers,
1,300 files, two processes took 1.7 s where one took 1.9-2.1; at the bundled list's 340
files they were no slower.)"""


def render_parallel(jobs: list[Job], staging: Path, workers: int, progress: Callable[[int], None] | None) -> int:
    """Render and write jobs in `workers` forked processes, which share them out as
    they go (parallel.share_out): listings come first in `jobs`, paper pages after.
    Each process also computes the fingerprints of the jobs it renders; the children's
    come back to this process with their results."""
    from sitegen.build.parallel import share_out

    def work(start: int, stop: int) -> list[tuple[int, Fingerprinted]]:
        share = jobs[start:stop]
        write_jobs(staging, share)
        return [(index, job.fingerprinted()) for index, job in enumerate(share, start)]

    for index, fingerprinted in share_out(len(jobs), workers, work, progress=progress):
        jobs[index].set_fingerprint(fingerprinted)
    return len(jobs)


def _write_incremental(
    project: Project,
    cache: BuildCache,
    jobs: list[Job],
    remade: list[int] | None,
    report: BuildReport,
    searchable: bool,
    with_search: bool,
    keep_bundle: bool = False,
) -> None:
    """Render the jobs whose fingerprint changed and replace their files in place; with
    `remade`, the indexes of the only jobs that may have changed (the others, and the
    set of paths, are the last build's). `searchable`, `with_search`, `keep_bundle` as
    for _write_full; with the search left to the caller, so is the search fingerprint."""
    report.incremental = True
    plan = None
    if searchable and keep_bundle:
        report.search_keyer = lambda: search_fingerprint(jobs, project.max_memory)
    elif searchable:
        plan = search_plan(jobs, project.max_memory)
        report.search_key = plan.key
    candidates = jobs if remade is None else [jobs[index] for index in remade]
    changed = [job for job in candidates if cache.outputs.get(job.path) != job.key]
    report.rendered = [job.path for job in changed]
    report.lap("fingerprints compared")
    rendered = [(job.path, job.render()) for job in changed]  # a render error stops here: nothing written yet
    report.lap("rendered")
    stale = [] if remade is not None else sorted(set(cache.outputs) - {job.path for job in jobs})
    if rendered or stale:
        forget_outputs(project.cache_file, cache)
        written = _write_all(project.output, rendered)
        for path in stale:
            remove_file(project.output, path)
    else:
        written = []
    report.lap("written")
    report.files = len(written)
    report.removed = len(stale)
    report.changed = written
    from sitegen.search.sharded import ShardedIndex, remove_bundles

    if with_search and not _has_papers(jobs):
        remove_bundles(project.output)
    elif with_search and plan is not None:
        # Pagefind runs again only on the shards whose pages changed (or whose bundle is gone).
        out = project.output
        index = ShardedIndex(  # a page whose bytes came out the same needs no re-index: `touched`
            out, plan, cache.search, previous=out, home=out, max_memory_mb=project.max_memory, touched=written
        )
        if index.redo:
            report.search = index.wait()
            report.lap("search index")
            report.timings.extend(index.timings)
    elif not with_search and not keep_bundle:
        remove_bundles(project.output)


WRITE_THREADS = 8
"""Files written at once by an incremental build: replacing a file on ext4 starts its
write-back (auto_da_alloc), a few milliseconds each, which threads overlap."""


def _write_all(root: Path, files: list[tuple[str, bytes]]) -> list[str]:
    """Replace each file atomically unless it holds the same bytes; the paths written."""
    if len(files) < 4:
        wrote = [write_if_changed(safe_join(root, path), data) for path, data in files]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(WRITE_THREADS, len(files))) as pool:
            wrote = list(pool.map(lambda item: write_if_changed(safe_join(root, item[0]), item[1]), files))
    return [path for (path, _), did in zip(files, wrote, strict=True) if did]
