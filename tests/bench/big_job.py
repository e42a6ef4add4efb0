"""The whole job at one size (100,000 papers by default), with where its memory goes.

Usage:
    python tests/bench/big_job.py [--n 100000] [--work DIR] [--src DIR] [--max-memory 2G] [--keep]

Generates N papers (tests/bench/gen.py, format-A digests) under --work (kept between runs when
--keep is given and the content is there), then runs, each as its own process under
`/usr/bin/time -v` (when present) with run.py's whole-tree RSS sampler:

    import    `sitegen import` into an empty content/papers/
    build     `sitegen build --no-import --timings` (render, search shards, offline index), cold
    edit      one paper's notes edited, then `sitegen build --no-import --timings` again
    template  the base template edited (every page rendered again in place), then the same

For each it prints the wall time, the peak RSS of the largest process (ru_maxrss), the peak of
all processes at once (sampled every 20 ms), the sitegen process's own RSS at that moment and
how many Pagefind processes ran then, and the build's `--timings` lines (stage times, and one
line per search shard: the edit should index exactly one).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path.insert(0, str(BENCH))
import gen  # noqa: E402
from run import SAMPLE_SECONDS, _rss_bytes, process_tree  # noqa: E402

MB = 2**20


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class Timeline(threading.Thread):
    """The summed RSS of a process tree, sampled, with the root's own share at the peak."""

    def __init__(self, pid: int, skip: int = 0) -> None:
        super().__init__(daemon=True)
        self.pid, self.skip = pid, skip  # skip: wrappers above the root (/usr/bin/time)
        self.peak: tuple[int, int, list[str]] = (0, 0, [])  # total bytes, root's bytes, the others
        self.root_peak = 0
        self.without_pagefind = 0
        self.pss_peak = 0
        """The peak of the summed proportional set sizes (forked processes' shared pages counted once)."""
        self.samples = 0
        """The peak of all processes at once while no Pagefind ran (the render's)."""
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = process_tree(self.pid)[self.skip :]
            sizes = [_rss_bytes(p) for p in pids]
            root = sizes[0] if sizes else 0
            self.root_peak = max(self.root_peak, root)
            self.samples += 1
            if self.samples % 10 == 0:  # reading smaps_rollup walks the page tables: every 200 ms
                self.pss_peak = max(self.pss_peak, sum(_pss_bytes(p) for p in pids))
            if not any(_name(p).startswith("pagefind") for p in pids[1:]):
                self.without_pagefind = max(self.without_pagefind, sum(sizes))
            if sum(sizes) > self.peak[0]:
                others = [f"{_name(p)} {size / MB:,.0f} MB" for p, size in zip(pids[1:], sizes[1:], strict=True)]
                self.peak = (sum(sizes), root, others)
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def step(name: str, command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run one step; print its figures; return its output."""
    os.sync()
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").is_file() else []
    started = time.perf_counter()
    proc = subprocess.Popen([*timer, *command], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    timeline = Timeline(proc.pid, skip=1 if timer else 0)
    timeline.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    timeline.stop()
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{text[-3000:]}")
    largest = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    total, root, others = timeline.peak
    print(
        f"{name}: {seconds:.2f} s; largest process {int(largest.group(1)) / 1024 if largest else 0:,.0f} MB; "
        f"all at once {total / MB:,.0f} MB (sitegen {root / MB:,.0f} MB, then with: {', '.join(others) or 'none'}); "
        f"sitegen's own peak {timeline.root_peak / MB:,.0f} MB; all at once without Pagefind "
        f"{timeline.without_pagefind / MB:,.0f} MB; summed PSS peak {timeline.pss_peak / MB:,.0f} MB",
        flush=True,
    )
    keep = [line for line in text.splitlines() if not line.startswith("\t") and "Command being timed" not in line]
    print("  " + "\n  ".join(keep), flush=True)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/big-job"))
    parser.add_argument("--src", type=Path, default=REPO)
    parser.add_argument("--max-memory", default=None, help="passed to `sitegen build` (default: its own)")
    parser.add_argument("--keep", action="store_true", help="reuse the generated digests under --work")
    parser.add_argument("--skip-import", action="store_true", help="reuse the imported pages under --work")
    args = parser.parse_args(argv)
    src = args.src.resolve()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])))
    root = args.work / f"n{args.n}"
    if not (args.keep and (root / "content" / "digests").is_dir()):
        shutil.rmtree(root, ignore_errors=True)
        counts = gen.generate(args.n, root, 1, ("A",))
        print(f"generated {counts['papers']:,} papers in {counts['digests']} digests", flush=True)
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(src / "templates", root / "templates")
    sitegen = [sys.executable, "-m", "sitegen"]
    if not args.skip_import:
        shutil.rmtree(root / "content" / "papers", ignore_errors=True)
        step("import", [*sitegen, "import", "-q", "--content", "content"], root, env)
    site = root / "site"
    shutil.rmtree(site, ignore_errors=True)
    for cache in root.glob(".sitegen-cache*"):
        shutil.rmtree(cache, ignore_errors=True)
    build = [*sitegen, "build", "--no-import", "--timings", "--content", "content", "--output", "site",
             "--templates", "templates"]  # fmt: skip
    if args.max_memory:
        build += ["--max-memory", args.max_memory]
    step("build", build, root, env)
    page = sorted((root / "content" / "papers").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nA note from big_job.py.\n", encoding="utf-8")
    step("edit", build, root, env)
    edit_base_template(root / "templates")
    step("template", build, root, env)
    return 0


def edit_base_template(templates: Path) -> None:
    """A change to the base template: every page is rendered again, in place."""
    base = templates / "base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("</footer>", "</footer><!-- edited -->", 1), encoding="utf-8"
    )


if __name__ == "__main__":
    sys.exit(main())
