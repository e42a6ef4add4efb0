"""Benchmark `sitegen import`: wall time and time per paper, optionally against another checkout.

Usage:
    python tests/bench/import_bench.py [--sizes 1000,10000] [--src DIR ...] [--repeat K]
                                       [--profile] [--again] [--layouts A] [--work DIR] [--seed S]

For each N it generates format-A digests (tests/bench/gen.py; `--layouts ABC` for all three),
then for each sitegen checkout given with `--src` (default: this one) copies the content folder
into a fresh temporary folder (no content/papers yet) and runs `python -m sitegen import -q` there
as its own process, with PYTHONPATH pointing at that checkout. It prints the whole-process wall
time and the milliseconds per paper; with several `--src`, sources are interleaved round by round
(so drift on a shared machine hits each alike) and the table gives each one's median and its
ratio to the first source's, for the wall time and for the CPU time (user + system, of the
import and the processes it forks), which a loaded machine inflates less.

With --again, each run imports once untimed and times a second import over the pages the
first wrote (nothing changes: a re-import).

With --profile, one more run per size and source goes under cProfile and the ten functions with
the most time of their own (tottime) are printed, then the ten with the most cumulative time.
Profiled runs are slower than plain ones and are not in the table.

Example (the figures quoted in README's Performance section):
    git worktree add --detach /tmp/sitegen-base main
    python tests/bench/import_bench.py --sizes 1000,10000 --src /tmp/sitegen-base --src . --repeat 3
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path.insert(0, str(BENCH))
import gen  # noqa: E402

IMPORT_ARGS = ["import", "-q", "--content", "content"]
_PROFILED = "import cProfile, sys; from sitegen.cli import main; cProfile.run('main(sys.argv[2:])', sys.argv[1])"
"""`sitegen.cli.run` ends a one-shot command with os._exit, before `python -m cProfile` could
write its file; this calls `main` under the profiler instead."""


def import_command(profile_to: Path | None = None) -> list[str]:
    """The command that imports; under cProfile it writes its statistics to `profile_to`."""
    if profile_to is None:
        return [sys.executable, "-m", "sitegen", *IMPORT_ARGS]
    return [sys.executable, "-c", _PROFILED, str(profile_to), *IMPORT_ARGS]


def run_import(
    src: Path, content: Path, work: Path, profile_to: Path | None = None, again: bool = False
) -> tuple[float, float]:
    """Import a fresh copy of `content` with the sitegen under `src`; returns the wall seconds
    and the CPU seconds (user and system, of the process and any it forked: on a shared
    machine the wall time also measures the other jobs). The copy is made (and removed)
    outside the timed part. With `again`, the copy is imported once untimed and the second
    import, which reads every page and changes none, is timed."""
    site = Path(tempfile.mkdtemp(prefix="import-", dir=work))
    try:
        # Without content/papers: a page left there by a run by hand would make this a re-import.
        shutil.copytree(content, site / "content", ignore=lambda folder, names: _papers_in(content, folder, names))
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
        if again:
            subprocess.run(import_command(), cwd=site, env=env, capture_output=True, check=False)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(import_command(profile_to), cwd=site, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):  # 1: warnings only
            raise SystemExit(f"sitegen import failed ({done.returncode}) with {src}:\n{done.stderr[-2000:]}")
        return seconds, cpu
    finally:
        shutil.rmtree(site, ignore_errors=True)


def _papers_in(content: Path, folder: str, names: list[str]) -> list[str]:
    """copytree's `ignore`: the page folder at the top of `content`, nothing else."""
    return ["papers"] if Path(folder) == content and "papers" in names else []


def top_functions(stats_file: Path, key: str, limit: int = 10) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=out)
    stats.strip_dirs().sort_stats(key).print_stats(limit)
    text = out.getvalue()
    return text[text.find("   ncalls") :].rstrip()


def compile_bytecode(src: Path) -> None:
    """Compile the package first, as `pip install` does, so no run pays for it."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src / "sitegen")], check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated paper counts (default 1000,10000)")
    parser.add_argument(
        "--src", type=Path, action="append", help="a sitegen checkout to run (repeatable; default: this one)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per size and source (default 1)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile top 10 per size and source")
    parser.add_argument("--layouts", default="A", help="digest layouts (default A, as issue 20 measures)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "import-bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--again", action="store_true", help="time a second import over the pages the first wrote (a re-import)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    sources = [s.resolve() for s in (args.src or [REPO])]
    for src in sources:
        if not (src / "sitegen" / "__init__.py").is_file():
            parser.error(f"--src {src}: no sitegen package there")
        compile_bytecode(src)
    args.work.mkdir(parents=True, exist_ok=True)

    rows = []
    for n in sizes:
        root = args.work / f"n{n}"
        counts = gen.generate(n, root, args.seed, tuple(args.layouts))
        papers = counts["papers"]
        print(f"{n}: {papers} papers in {counts['entries']} entries, {counts['digests']} digests", flush=True)
        times: dict[Path, list[float]] = {src: [] for src in sources}
        cpus: dict[Path, list[float]] = {src: [] for src in sources}
        for round_ in range(args.repeat):
            for src in sources:
                seconds, cpu = run_import(src, root / "content", args.work, again=args.again)
                times[src].append(seconds)
                cpus[src].append(cpu)
                print(f"  round {round_ + 1} {src}: {seconds:.3f} s, CPU {cpu:.3f} s", flush=True)
        first, first_cpu = statistics.median(times[sources[0]]), statistics.median(cpus[sources[0]])
        for src in sources:
            median, cpu = statistics.median(times[src]), statistics.median(cpus[src])
            rows.append((n, src, median, median / papers * 1000, median / first, cpu, cpu / first_cpu))
        if args.profile:
            for src in sources:
                stats_file = args.work / f"profile-{n}.prof"
                seconds, _ = run_import(src, root / "content", args.work, profile_to=stats_file, again=args.again)
                print(f"\n== cProfile, {n} papers, {src} ({seconds:.2f} s under the profiler)")
                print("-- by own time (tottime)")
                print(top_functions(stats_file, "tottime"))
                print("-- by cumulative time")
                print(top_functions(stats_file, "cumulative"))
                stats_file.unlink()

    what = "re-import (every page there)" if args.again else "import"
    print(f"\n`sitegen {what}`, format {args.layouts} digests, median of {args.repeat} (wall time, whole process)")
    print(f"{'papers':>8}  {'seconds':>8}  {'ms/paper':>8}  {'ratio':>6}  {'CPU s':>8}  {'ratio':>6}  source")
    for n, src, median, per_paper, ratio, cpu, cpu_ratio in rows:
        print(f"{n:>8}  {median:>8.3f}  {per_paper:>8.3f}  {ratio:>6.3f}  {cpu:>8.3f}  {cpu_ratio:>6.3f}  {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
