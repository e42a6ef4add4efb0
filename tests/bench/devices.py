"""Measure each speed device (sitegen/core/devices.py) against the reference build, in one run.

Usage:
    python tests/bench/devices.py [--papers 10000] [--work /tmp/devices-bench] [--repeat 1] [--seed S]
                                  [--only all,reference,-codegen]

Generates a synthetic content folder (tests/bench/gen.py) and imports it once. Then, for
each configuration, three builds as their own processes (`sitegen build --no-search
--no-import`, as tests/bench/run.py's `build` stage), timed whole-process:

    full      no site and no build cache: a cold, full build
    noop      the same build again, nothing changed
    edit      a note line appended to one paper's page, the same build again

The configurations: `all` (every device on, as sitegen runs), `reference`
(SITEGEN_REFERENCE=1: every device off) and `-NAME` for each device (SITEGEN_DEVICES_OFF=NAME:
all on but that one). For each it prints the wall times, and for the full build the
ratio to `all` (what switching that one device off costs: 1.20 means 20% slower without it)
and to the reference. `patch` works only inside `sitegen serve` (the last build's jobs are
kept in memory): measure it with `SITEGEN_DEVICES_OFF=patch python tests/bench/serve_latency.py`.
With --repeat K every build runs K times (configurations interleaved) and the medians are shown.
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

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests" / "bench"), str(REPO)]  # this checkout's sitegen, whatever is installed

import gen  # noqa: E402
from run import Context as _RunContext  # noqa: E402
from run import measure, set_aside  # noqa: E402

from sitegen.core.devices import DEVICES, OFF, REFERENCE  # noqa: E402

STEPS = ("full", "noop", "edit")


def configurations(only: Sequence[str] = ()) -> dict[str, dict[str, str]]:
    """Configuration name -> the environment variables that select it."""
    found = {"all": {}, "reference": {REFERENCE: "1"}}
    found.update({f"-{name}": {OFF: name} for name in DEVICES})
    return {name: env for name, env in found.items() if not only or name in only}


def prepare(n: int, root: Path, seed: int, env: dict[str, str]) -> None:
    """Digests generated and imported into content/papers, the checkout's templates copied beside."""
    shutil.rmtree(root / "content", ignore_errors=True)
    gen.generate(n, root, seed)
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(REPO / "templates", root / "templates")
    subprocess.run(
        [sys.executable, "-m", "sitegen", "import", "-q", "--content", "content"], cwd=root, env=env, check=False
    )


def run_configuration(root: Path, env: dict[str, str]) -> dict[str, float]:
    """The three builds of one configuration; their wall times."""
    ctx = _RunContext(0, root, REPO, None, env)
    command = ctx.build_args("--no-search", "--no-import")
    set_aside(ctx, ctx.site)
    for cache in root.glob(".sitegen-cache*"):
        set_aside(ctx, cache)
    times = {"full": measure(command, cwd=root, env=env).seconds}
    times["noop"] = measure(command, cwd=root, env=env).seconds
    pages = sorted((root / "content" / "papers").glob("*.md"))
    with open(pages[len(pages) // 2], "a", encoding="utf-8") as handle:
        handle.write(f"\nBenchmark note {time.time_ns()}.\n")
    times["edit"] = measure(command, cwd=root, env=env).seconds
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/devices-bench"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated configurations (default: all of them)")
    args = parser.parse_args(argv)
    root = args.work.resolve()
    root.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k not in (REFERENCE, OFF)}
    base["PYTHONPATH"] = os.pathsep.join([str(REPO), base.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "sitegen")], check=True)
    print(f"sitegen from {REPO}; {args.papers} papers; {os.cpu_count()} CPUs", flush=True)
    prepare(args.papers, root, args.seed, base)
    configs = configurations([name for name in args.only.split(",") if name])
    samples: dict[str, dict[str, list[float]]] = {name: {step: [] for step in STEPS} for name in configs}
    for _ in range(args.repeat):
        for name, extra in configs.items():
            times = run_configuration(root, {**base, **extra})
            for step in STEPS:
                samples[name][step].append(times[step])
            print(f"  {name:18} " + "  ".join(f"{step} {times[step]:6.2f} s" for step in STEPS), flush=True)
    shutil.rmtree(root / ".bench-trash", ignore_errors=True)
    medians = {name: {step: statistics.median(v) for step, v in steps.items()} for name, steps in samples.items()}
    print()
    print(table(medians))
    return 0


def table(medians: dict[str, dict[str, float]]) -> str:
    """A Markdown table: wall times, and the full build's ratio to `all` and to the reference."""
    lines = [
        "| configuration | full build | / all | / reference | no-op | one-paper edit |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    every, ref = medians.get("all", {}).get("full"), medians.get("reference", {}).get("full")
    for name, times in medians.items():
        full = times["full"]
        vs_all = f"{full / every:.2f}" if every else "-"
        vs_ref = f"{full / ref:.2f}" if ref else "-"
        lines.append(f"| {name} | {full:.2f} s | {vs_all} | {vs_ref} | {times['noop']:.2f} s | {times['edit']:.2f} s |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
