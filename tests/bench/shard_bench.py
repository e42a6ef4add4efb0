"""Benchmark the sharded search index: a full build with search as one Pagefind index and as
shards, and a one-paper edit rebuilt, each with its wall time and peak memory.

Usage:
    python tests/bench/shard_bench.py [--sizes 10000] [--budgets one,2G,1G] [--repeat 1]
                                      [--work DIR] [--src DIR]

For each N it generates a content folder (tests/bench/gen.py) under --work (kept between runs:
delete it for fresh papers), imports it once, then for each memory budget (`--max-memory`;
`one` gives one index at any size this machine can build: run.py's sitegen_build) runs, as
separate processes of `sitegen build -q --no-import --max-memory B`:

    cold    no site and no build cache: every shard indexed
    edit    one paper's notes edited, then an incremental build: only its shard indexed

and prints the wall time, the peak RSS of the largest process (ru_maxrss) and the sampled peak
of the whole process tree (sitegen plus the Pagefind processes running at once: the figure the
budget bounds), the number of shards and how many the edit re-indexed (bundle folders that were
swapped in). Budgets are interleaved round by round, so drift on a shared machine hits each alike.

Example (the figures quoted in README's Performance section):
    python tests/bench/shard_bench.py --sizes 10000 --budgets one,2G,1G --work /dev/shm/shard-bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path.insert(0, str(BENCH))
from run import ONE_INDEX, Sample, measure, sitegen_build  # noqa: E402


def bundles(site: Path) -> dict[str, int]:
    """Each search bundle folder of a site and its inode (a re-indexed one is swapped in anew)."""
    return {p.name: p.stat().st_ino for p in site.iterdir() if p.name.startswith("pagefind") and p.is_dir()}


def prepare(n: int, work: Path, env: dict[str, str]) -> Path:
    root = work / f"n{n}"
    if not (root / "content" / "papers").is_dir():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([sys.executable, str(BENCH / "gen.py"), str(n), str(root)], check=True, env=env)
        subprocess.run([sys.executable, "-m", "sitegen", "import", "-q", "--content", "content"], cwd=root, check=True, env=env)  # fmt: skip
    return root


def edit_one(root: Path, round_: int) -> None:
    page = sorted((root / "content" / "papers").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + f"\nA note from benchmark round {round_}.\n", encoding="utf-8")


def one_budget(root: Path, budget: str, round_: int, env: dict[str, str]) -> dict[str, object]:
    site = root / f"site-{budget}"
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(root / ".sitegen-cache", ignore_errors=True)
    command = sitegen_build(budget, "-q", "--no-import", "--content", "content", "--output", site.name)
    cold = measure(command, cwd=root, env=env)
    before = bundles(site)
    edit_one(root, round_)
    edit = measure(command, cwd=root, env=env)
    after = bundles(site)
    shutil.rmtree(site, ignore_errors=True)
    return {
        "cold": cold,
        "edit": edit,
        "shards": len(after),
        "reindexed": sum(after[k] != before.get(k) for k in after),
    }


def line(label: str, samples: list[Sample]) -> str:
    seconds = statistics.median(s.seconds for s in samples)
    peak = statistics.median(s.peak_mb for s in samples)
    tree = [s.tree_mb for s in samples if s.tree_mb is not None]
    tree_text = f"{statistics.median(tree):7.0f} MB" if tree else "    n/a"
    return f"{label:8} {seconds:8.2f} s  largest process {peak:6.0f} MB  all processes {tree_text}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument(
        "--budgets", default=f"{ONE_INDEX},2G,1G", help=f"comma-separated --max-memory values, {ONE_INDEX}: one index"
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/shard-bench"))
    parser.add_argument("--src", type=Path, default=REPO, help="the sitegen checkout to run (PYTHONPATH)")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(args.src.resolve())}
    budgets = args.budgets.split(",")
    for n in (int(s) for s in args.sizes.split(",")):
        root = prepare(n, args.work, env)
        results: dict[str, list[dict[str, object]]] = {b: [] for b in budgets}
        for round_ in range(args.repeat):
            for budget in budgets:
                results[budget].append(one_budget(root, budget, round_, env))
        print(f"{n:,} papers, cpu count {os.cpu_count()}, {args.repeat} round(s), medians:")
        for budget, runs in results.items():
            shards, reindexed = runs[-1]["shards"], runs[-1]["reindexed"]
            print(f"--max-memory {budget}: {shards} shard(s); the edit re-indexed {reindexed}")
            print("  " + line("cold", [r["cold"] for r in runs]))  # type: ignore[misc]
            print("  " + line("edit", [r["edit"] for r in runs]))  # type: ignore[misc]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
