"""Time sitegen.site.related.related_papers against the pre-optimisation version, in one run.

Usage:
    python tests/bench/related_bench.py [--sizes 1000,10000,40000] [--repeat 3] [--k 5] [--seed 1]
                                        [--content DIR] [--memory] [--base CHECKOUT]

The old version is `reference_related_papers` in tests/test_related.py (the oracle the tests
compare against). For each size both run on the same documents, alternating (old, new, then
new, old, ...), and the table shows the best of --repeat runs, wall and CPU seconds (this
process's), the ratios old/new and whether the two results are the same dict. With --base
CHECKOUT, "old" is instead the related_papers of CHECKOUT/sitegen/site/related.py (another
checkout, e.g. `git worktree add /tmp/base main`; its related.py must not import other sitegen
modules), for a same-run A/B of two versions. The machine may
be busy with other work: quote ratios from one run, not absolute times from different runs;
CPU time is the steadier figure when other processes take turns on the cores.

Documents are what sitegen.build.relatedstep.related_table passes: (slug, "title title abstract"),
sorted by slug. They come from tests/bench/gen.py's paper generator (the papers its digests
would hold, without writing or importing them), or with --content DIR from DIR/papers/*.md
(a content folder after `sitegen import`; only read), which fixes the size.

--memory runs each version once more per size in a child process and reports its peak RSS
and that peak minus the RSS just before the call (the documents are loaded by then), so the
figure is the call's own footprint. The peak is the child's VmHWM, not ru_maxrss: on Linux
ru_maxrss also keeps the RSS the process had when it was forked from this (large) one.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path[:0] = [str(REPO), str(BENCH), str(REPO / "tests")]  # this checkout's sitegen, not an installed one

Docs = list[tuple[str, str]]


def synthetic_docs(n: int, seed: int = 1) -> Docs:
    """The documents of n papers made as tests/bench/gen.py makes them, sorted by slug."""
    import gen

    from sitegen.core.keys import base_slug

    rng = random.Random(seed)
    corpus = gen.load_corpus()
    docs: dict[str, str] = {}
    for i in range(n):
        paper = gen.make_paper(rng, corpus, i)
        slug = base_slug(paper.title)
        while slug in docs:  # titles are unique, slugs almost always; the build would add a hash
            slug += "-2"
        docs[slug] = f"{paper.title} {paper.title} {paper.abstract}"
    return sorted(docs.items())


def content_docs(content: Path) -> Docs:
    """The documents of the pages in content/papers, as the build makes them."""
    from sitegen.site.library import paper_from_page

    papers = [
        paper_from_page(path.read_text(encoding="utf-8"), path.stem, path.name)
        for path in sorted((content / "papers").glob("*.md"))
    ]
    return [(p.slug, f"{p.title} {p.title} {p.abstract}") for p in sorted(papers, key=lambda p: p.slug)]


def versions(base: Path | None = None) -> dict[str, Callable[[Docs, int], dict[str, tuple[str, ...]]]]:
    from sitegen.site.related import related_papers

    if base is None:
        from test_related import reference_related_papers

        return {"old": reference_related_papers, "new": related_papers}
    import importlib.util

    spec = importlib.util.spec_from_file_location("base_related", base / "sitegen" / "related.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"old": module.related_papers, "new": related_papers}


def _status_kb(field: str) -> int:
    """A field of /proc/self/status in KB: VmRSS (now) or VmHWM (peak)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def child(version: str, n: int, k: int, seed: int, content: Path | None, base: Path | None) -> None:
    """Run one version once; print wall seconds, peak RSS and RSS before the call (KB)."""
    docs = content_docs(content) if content else synthetic_docs(n, seed)
    run = versions(base)[version]
    run(docs[:50], k)  # imports NumPy (and SciPy, for a version that uses it) before the baseline
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    run(docs, k)
    seconds = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_kb": peak, "before_kb": before}))


def memory(n: int, k: int, seed: int, content: Path | None, base: Path | None) -> dict[str, dict[str, float]]:
    out = {}
    for version in ("old", "new"):
        command = [sys.executable, __file__, "--child", version, "--sizes", str(n), "--k", str(k), "--seed", str(seed)]
        if content:
            command += ["--content", str(content)]
        if base:
            command += ["--base", str(base)]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        out[version] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,40000", help="comma-separated paper counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each version per size (best is shown)")
    parser.add_argument("--k", type=int, default=5, help="related papers per paper (the default config)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--content", type=Path, help="read papers from DIR/papers/*.md instead (one size)")
    parser.add_argument("--memory", action="store_true", help="also peak RSS of each version, in child processes")
    parser.add_argument("--base", type=Path, help="old = CHECKOUT/sitegen/site/related.py instead of the test oracle")
    parser.add_argument("--child", choices=("old", "new"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        child(args.child, sizes[0], args.k, args.seed, args.content, args.base)
        return 0
    if args.content:
        sizes = [0]
    run = versions(args.base)
    import sitegen.site.related

    load = Path("/proc/loadavg").read_text().split()[0]
    old = args.base / "sitegen" / "related.py" if args.base else "tests/test_related.py's oracle"
    print(
        f"old: {old}; new: {sitegen.site.related.__file__}; k={args.k}, best of {args.repeat}, alternating; load average {load}"
    )
    header = (
        f"{'papers':>7} {'old s':>8} {'new s':>8} {'old/new':>8} {'old cpu':>8} {'new cpu':>8} {'old/new':>8}  same"
    )
    if args.memory:
        header += f"  {'old peak MB':>11} {'(call)':>7} {'new peak MB':>11} {'(call)':>7}"
    print(header, flush=True)
    for n in sizes:
        docs = content_docs(args.content) if args.content else synthetic_docs(n, args.seed)
        for version in run.values():
            version(docs[:50], args.k)  # warm: imports
        wall = {name: float("inf") for name in run}
        cpu = dict(wall)
        same = True
        for rep in range(args.repeat):
            order = list(run) if rep % 2 == 0 else list(reversed(run))
            results = {}
            for name in order:
                start, start_cpu = time.perf_counter(), time.process_time()
                results[name] = run[name](docs, args.k)
                wall[name] = min(wall[name], time.perf_counter() - start)
                cpu[name] = min(cpu[name], time.process_time() - start_cpu)
            same = same and results["old"] == results["new"] and list(results["old"]) == list(results["new"])
        line = f"{len(docs):>7}"
        for times in (wall, cpu):
            line += f" {times['old']:>8.3f} {times['new']:>8.3f} {times['old'] / times['new']:>7.2f}x"
        line += f"  {'yes' if same else 'NO':>4}"
        if args.memory:
            mem = memory(n, args.k, args.seed, args.content, args.base)
            for name in ("old", "new"):
                peak, call = mem[name]["peak_kb"] / 1024, (mem[name]["peak_kb"] - mem[name]["before_kb"]) / 1024
                line += f"  {peak:>11.0f} {call:>7.0f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
