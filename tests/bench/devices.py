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

Each is timed as wall time, and as CPU time (user + system, the build's processes together:
os.wait4), which a loaded machine disturbs less; a device that buys its time by using
the second core (workers) shows in wall time only.

The configurations: `all` (every device on, as sitegen runs), `reference`
(SITEGEN_REFERENCE=1: every device off) and `-NAME` for each device (SITEGEN_DEVICES_OFF=NAME:
all on but that one). For each it prints the wall times, and for the full build the
ratio to `all` (what switching that one device off costs: 1.20 means 20% slower without it)
and to the reference. `patch` works only inside `sitegen serve` (the last build's jobs are
kept in memory): measure it with `SITEGEN_DEVICES_OFF=patch python tests/bench/serve_latency.py`.
--cpu: the devices that work inside one process (not workers, early_writer, related_standby)
measured instead by the CPU time of serial full builds run in this one process
(`build(..., workers=1)`, time.process_time), configurations alternating, the first round
discarded (it warms Python's caches): on a loaded machine this tells a few percent apart
where whole-process wall times cannot.

--serve: what `patch` buys `sitegen serve`. In this one process, a first build keeps its
state in memory (as serve's first build does), then each round appends a note to one page
and rebuilds with that state and the changed file (as serve's rebuild does: `defer_search`,
no save, one process), once with every device and once without `patch`; the build's wall
time, median over the rounds.

With --repeat K every build runs K times (configurations interleaved) and the medians are shown.
The default work folder is on tmpfs (/dev/shm), so the disk's write-back does not land in
whichever build comes next; the outputs of a configuration are deleted before the next one.
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

from sitegen.core.devices import DEVICES, OFF, REFERENCE  # noqa: E402

STEPS = ("full", "noop", "edit")


def configurations(only: Sequence[str] = ()) -> dict[str, dict[str, str]]:
    """Configuration name -> the environment variables that select it."""
    found = {"all": {}, "reference": {REFERENCE: "1"}}
    found.update({f"-{name}": {OFF: name} for name in DEVICES})
    return {name: env for name, env in found.items() if not only or name in only}


def prepare(n: int, root: Path, seed: int, env: dict[str, str]) -> None:
    """Digests generated and imported into content/papers, the checkout's templates copied beside."""
    papers = root / "content" / "papers"
    if papers.is_dir() and sum(1 for _ in papers.glob("*.md")) >= n:
        return  # imported by an earlier run with the same folder
    shutil.rmtree(root / "content", ignore_errors=True)
    gen.generate(n, root, seed)
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(REPO / "templates", root / "templates")
    subprocess.run(
        [sys.executable, "-m", "sitegen", "import", "-q", "--content", "content"], cwd=root, env=env, check=False
    )


def timed(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run a command to completion: (wall seconds, CPU seconds of it and the children it waited for)."""
    os.sync()
    started = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        assert proc.stderr is not None
        raise SystemExit(f"exit {proc.returncode}: {' '.join(command)}: {proc.stderr.read().decode()[-800:]}")
    return wall, usage.ru_utime + usage.ru_stime


def run_configuration(root: Path, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """The three builds of one configuration; their (wall, CPU) times."""
    ctx = _RunContext(0, root, REPO, None, env)
    command = ctx.build_args("--no-search", "--no-import")
    shutil.rmtree(ctx.site, ignore_errors=True)
    for cache in root.glob(".sitegen-cache*"):
        shutil.rmtree(cache, ignore_errors=True)
    times = {"full": timed(command, root, env), "noop": timed(command, root, env)}
    pages = sorted((root / "content" / "papers").glob("*.md"))
    with open(pages[len(pages) // 2], "a", encoding="utf-8") as handle:
        handle.write(f"\nBenchmark note {time.time_ns()}.\n")
    times["edit"] = timed(command, root, env)
    return times


SERIAL = ("all", "-codegen", "-cached_partials", "-simple_yaml", "-gc_pause")
"""The configurations --cpu compares (devices that act inside one process)."""


def cpu_rounds(root: Path, repeat: int) -> dict[str, list[float]]:
    """CPU seconds of serial full builds in this process, per configuration (see --cpu)."""
    from sitegen.build.pipeline import Project, build

    project = Project(root / "content", root / "templates", root / "cpu-site", cache=root / "cpu-cache")
    configs = configurations(SERIAL)
    found: dict[str, list[float]] = {name: [] for name in configs}
    for round_ in range(repeat + 1):
        for name, extra in configs.items():
            for key in (REFERENCE, OFF):
                os.environ.pop(key, None)
            os.environ.update(extra)
            started = time.process_time()
            build(project, run_importer=False, search=False, full=True, workers=1)
            seconds = time.process_time() - started
            if round_:
                found[name].append(seconds)
            print(f"  {'(warm-up) ' if not round_ else ''}{name:18} {seconds:6.2f} s CPU", flush=True)
    return found


def serve_rounds(root: Path, repeat: int) -> dict[str, list[float]]:
    """Wall seconds of serve-like rebuilds after a one-page edit, with and without `patch` (see --serve)."""
    from sitegen.build.cache import BuildCache
    from sitegen.build.pipeline import Project, build

    for key in (REFERENCE, OFF):
        os.environ.pop(key, None)
    project = Project(root / "content", root / "templates", root / "serve-site", cache=root / "serve-cache")
    shutil.rmtree(project.output, ignore_errors=True)
    shutil.rmtree(root / "serve-cache", ignore_errors=True)
    state = BuildCache()  # serve's first build: the state kept in memory from then on
    build(project, run_importer=False, state=state, defer_search=True, save=True)
    pages = sorted((root / "content" / "papers").glob("*.md"))
    found: dict[str, list[float]] = {"all": [], "-patch": []}
    for round_ in range(repeat):
        for name in found:
            page = pages[(round_ * 7919 + len(name)) % len(pages)]
            with open(page, "a", encoding="utf-8") as handle:
                handle.write(f"\nServe benchmark note {time.time_ns()}.\n")
            os.environ.update(configurations([name])[name])
            started = time.perf_counter()
            build(project, run_importer=False, state=state, defer_search=True, save=False, changed=[page])
            found[name].append(time.perf_counter() - started)
            os.environ.pop(OFF, None)
            print(f"  {name:8} {found[name][-1]:6.3f} s", flush=True)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/devices-bench"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated configurations (default: all of them)")
    parser.add_argument("--cpu", action="store_true", help="serial in-process builds, CPU time (see above)")
    parser.add_argument("--serve", action="store_true", help="serve-like rebuilds with and without patch")
    args = parser.parse_args(argv)
    root = args.work.resolve()
    root.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k not in (REFERENCE, OFF)}
    base["PYTHONPATH"] = os.pathsep.join([str(REPO), base.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "sitegen")], check=True)
    print(f"sitegen from {REPO}; {args.papers} papers; {os.cpu_count()} CPUs", flush=True)
    prepare(args.papers, root, args.seed, base)
    if args.serve:
        found = serve_rounds(root, max(args.repeat, 3))
        print("\n| configuration | one-page rebuild in serve (median) |\n|---|---:|")
        for name, values in found.items():
            print(f"| {name} | {statistics.median(values):.3f} s |")
        return 0
    if args.cpu:
        found = cpu_rounds(root, args.repeat)
        every = statistics.median(found["all"])
        print("\n| configuration | CPU, serial full build | / all |\n|---|---:|---:|")
        for name, values in found.items():
            print(f"| {name} | {statistics.median(values):.2f} s | {statistics.median(values) / every:.2f} |")
        return 0
    configs = configurations([name for name in args.only.split(",") if name])
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {name: {s: [] for s in STEPS} for name in configs}
    for _ in range(args.repeat):
        for name, extra in configs.items():
            times = run_configuration(root, {**base, **extra})
            for step in STEPS:
                samples[name][step].append(times[step])
            shown = "  ".join(f"{step} {times[step][0]:6.2f} s ({times[step][1]:5.2f} CPU)" for step in STEPS)
            print(f"  {name:18} {shown}", flush=True)
    medians = {name: {step: _median_pair(pairs) for step, pairs in steps.items()} for name, steps in samples.items()}
    print()
    print(table(medians))
    return 0


def _median_pair(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def table(medians: dict[str, dict[str, tuple[float, float]]]) -> str:
    """A Markdown table: wall (and CPU) times, and the full build's wall-time ratio to `all`
    (above 1.05: the device buys at least 5%) and to the reference."""
    lines = [
        "| configuration | full build (CPU) | / all | / reference | no-op | one-paper edit |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    every, ref = medians.get("all", {}).get("full"), medians.get("reference", {}).get("full")
    for name, times in medians.items():
        (full, cpu), noop, edit = times["full"], times["noop"][0], times["edit"][0]
        vs_all = f"{full / every[0]:.2f}" if every else "-"
        vs_ref = f"{full / ref[0]:.2f}" if ref else "-"
        lines.append(f"| {name} | {full:.2f} s ({cpu:.2f}) | {vs_all} | {vs_ref} | {noop:.2f} s | {edit:.2f} s |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
