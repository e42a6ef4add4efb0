"""Stage 1 of a build: the digests imported when they changed, then the page files read
(an unchanged file, by size and mtime, comes from the cache; many are parsed by
several processes).
"""

from __future__ import annotations

import bisect
import operator
import os
import stat
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.build import parallel
from sitegen.build.cache import BuildCache
from sitegen.build.output import read_bytes
from sitegen.core.errors import BuildError
from sitegen.core.layout import PAPERS_DIR

if TYPE_CHECKING:
    from sitegen.build.context import BuildContext
    from sitegen.site.library import LibraryPaper


def import_digests(ctx: BuildContext, digests_key: str) -> None:
    """Import the digests when their fingerprint (`digests_key`, taken before the import
    reads them) differs from the last import's."""
    if digests_key == ctx.cache.digests:
        return
    from sitegen.ingest.importer import run_import

    # With `--jobs` a large import parses, tags and writes in forked processes as
    # `sitegen import -j` does (serve's later builds run with one: they never fork).
    ctx.report.imported = run_import(ctx.project.content, ctx.config, workers=ctx.options.workers)
    ctx.report.problems.extend(ctx.report.imported.problems)
    # The fingerprint taken before the import read the digests: a digest saved while
    # it ran differs from it, so the next build imports again (never marked as read).
    ctx.cache.digests = digests_key


def read_pages(ctx: BuildContext, stats: list[tuple[str, int, int]]) -> list[LibraryPaper]:
    """The published pages (drafts only with `--drafts`), parsed."""
    from sitegen.site.drafts import published

    papers = load_papers(ctx.project.content, ctx.cache, stats, ctx.options.workers)
    return published(papers, ctx.project.drafts)


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
    if workers > 1 and len(todo) >= parallel.PARALLEL_MIN_PAGES and parallel.CAN_FORK:
        from sitegen.site import library  # noqa: F401 - imported once, before forking, not in each process

        def parse(start: int, stop: int) -> list[tuple[int, list[LibraryPaper | BuildError]]]:
            return [(start, _parse_pages(content, todo[start:stop]))]

        # Taken in chunks as the processes go (share_out), so neither waits for the other
        # when one shares its core with another process (the related papers' standby).
        parsed = _joined(sorted(parallel.share_out(len(todo), workers, parse, chunk=PARSE_CHUNK), key=_first))
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
