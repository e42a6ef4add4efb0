"""Benchmark how soon the search page shows its first results after typing, in Chromium.

Usage:
    python tests/bench/search_latency.py [--sizes 10000] [--budgets one,2G] [--repeat K] [--work DIR]
        [--typing MS | --paste] [--site BUILT_SITE ...]

For each N it generates a content folder (tests/bench/gen.py, kept under --work between runs),
builds it once per `--max-memory` budget (`one`: one Pagefind index, run.py's sitegen_build;
2G, the default: 16 shards at 10,000 papers), serves the site over loopback (tests/browser.py's
threaded static server) and opens `search/index.html` in headless Chromium (/usr/bin/chromium).
`page opened, browsing` is the time from navigation to the first paper listed (no query).
Then, for each query, it sets the search box and fires the `input` event the way typing
does, and measures in the page, from that event to the moment the status line names this
query and its first result is in the list. The time includes the search box's 150 ms wait
after the last key (search.js). With `--typing MS` each query is typed instead, a key every
MS ms, and timed from its last key: what a reader sees, searches for the prefixes typed
before included; with `--paste` each comes whole as a paste does (searched at once). `cold`
is the first query after the page loaded (Pagefind fetches the index chunks it needs); the
others are warm. Medians over --repeat page loads; `--site` measures already built sites,
alternating (e.g. the same site with two search.js).
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
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
sys.path.insert(0, str(REPO))
from tests.browser import launch_chromium, serve_directory  # noqa: E402

sys.path.insert(0, str(BENCH))
from run import ONE_INDEX, sitegen_build  # noqa: E402

OPENED = "page opened, browsing"
"""From navigation to the first paper listed on the search page opened without a query."""
QUERIES = ("language", "training data", "scaling laws", "vision transformer", "reinforcement", "diffusion")

TIME_QUERY = """
async ([q, gap, paste]) => {
  // the whole query in one input event (gap 0; with `paste`, one a paste makes), or typed a key
  // every `gap` ms; timed from the last input event to the moment the status names the query
  // and its first result is in
  const box = document.getElementById('search-q');
  const list = document.getElementById('search-results');
  const status = document.getElementById('search-status');
  for (const item of list.children) item.dataset.stale = '1';
  const mark = 'for \u201c' + q + '\u201d';
  let last = 0;
  const shown = new Promise((resolve) => {
    const check = () => {
      const head = list.firstElementChild;
      if (last && head && !head.dataset.stale && status.textContent.includes(mark)) {
        observer.disconnect();
        resolve(performance.now() - last);
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.getElementById('search'), {childList: true, subtree: true, attributes: true,
                                                         characterData: true});
  });
  const typed = gap ? [...q].map((_, i) => q.slice(0, i + 1)) : [q];
  for (const [i, text] of typed.entries()) {
    if (i) await new Promise((r) => setTimeout(r, gap));
    box.value = text;
    if (i === typed.length - 1) last = performance.now();
    box.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: paste ? 'insertFromPaste' : 'insertText'}));
  }
  return await shown;
}
"""


def prepare(n: int, work: Path) -> Path:
    root = work / f"n{n}"
    if not (root / "content" / "digests").is_dir():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([sys.executable, str(BENCH / "gen.py"), str(n), str(root)], check=True)
        subprocess.run([sys.executable, "-m", "sitegen", "import", "-q", "--content", "content"], cwd=root, check=True)
    return root


def build(root: Path, budget: str) -> Path:
    site = root / f"site-{budget}"
    if not (site / "pagefind" / "pagefind.js").is_file():
        command = sitegen_build(budget, "-q", "--no-import", "--content", "content", "--output", site.name)
        subprocess.run(command, cwd=root, check=True)
    return site


def one_load(browser: Any, url: str, typing: int = 0, paste: bool = False) -> dict[str, float]:
    """One fresh page (no cache): every query once, in order, the first of them cold. With
    `typing`, each query is typed a key every `typing` ms, and timed from its last key; with
    `paste`, each comes whole as a paste does (searched without the wait for more keys)."""
    context = browser.new_context()
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url + "search/index.html")
    page.wait_for_function(
        "() => { const s = document.getElementById('search-status').textContent;"
        " return /Type to search/.test(s) || (/\\d+ papers?/.test(s) && document.querySelector('#search-results li')); }"
    )
    opened = (time.perf_counter() - started) * 1000
    timings = {q: float(page.evaluate(TIME_QUERY, [q, typing, paste])) for q in QUERIES}
    context.close()
    return {OPENED: opened, **timings}


def report(label: str, shards: int, loads: list[dict[str, float]]) -> None:
    cold = QUERIES[0]
    print(f"{label}: {shards} shard(s)")
    for q in QUERIES:
        label = f"{q} (cold)" if q == cold else q
        print(f"  {label:22} {statistics.median(load[q] for load in loads):6.0f} ms")
    print(f"  {OPENED:22} {statistics.median(load[OPENED] for load in loads):6.0f} ms")
    warm = [load[q] for load in loads for q in QUERIES[1:]]
    print(f"  warm first result: median {statistics.median(warm):.0f} ms, max {max(warm):.0f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument(
        "--budgets", default=f"{ONE_INDEX},2G", help=f"comma-separated --max-memory values, {ONE_INDEX}: one index"
    )
    parser.add_argument("--repeat", type=int, default=5, help="page loads per site")
    parser.add_argument("--work", type=Path, default=Path("/tmp/search-latency"))
    parser.add_argument(
        "--typing",
        type=int,
        default=0,
        metavar="MS",
        help="type each query a key every MS ms and time it from its last key (0: the whole query at once)",
    )
    parser.add_argument("--paste", action="store_true", help="each query pasted whole (no --typing)")
    parser.add_argument(
        "--site",
        type=Path,
        action="append",
        default=[],
        help="measure this built site too (repeatable; e.g. the same site with another search.js)",
    )
    args = parser.parse_args(argv)
    if args.paste and args.typing:
        parser.error("--paste and --typing: a query is pasted whole or typed, not both")
    from playwright.sync_api import sync_playwright

    found: dict[Path, list[dict[str, float]]] = {}
    typed = f", typed a key every {args.typing} ms" if args.typing else ", pasted" if args.paste else ""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for n in (int(s) for s in args.sizes.split(",") if s):
            root = prepare(n, args.work)
            print(f"{n:,} papers, cpu count {os.cpu_count()}, {args.repeat} page loads per site, medians{typed}:")
            for budget in args.budgets.split(","):
                site = build(root, budget)
                shards = sum(1 for p in site.iterdir() if p.name.startswith("pagefind"))
                with serve_directory(site) as url:
                    loads = [one_load(browser, url, args.typing, args.paste) for _ in range(args.repeat)]
                report(f"--max-memory {budget}", shards, loads)
        sites = list(args.site)
        for _ in range(args.repeat):  # alternated, so a change of load falls on each alike
            for site in sites:
                with serve_directory(site) as url:
                    found.setdefault(site, []).append(one_load(browser, url, args.typing, args.paste))
        if sites:
            print(f"{args.repeat} page loads per site, alternating, medians{typed}:")
        for site in sites:
            shards = sum(1 for p in site.iterdir() if p.name.startswith("pagefind"))
            report(str(site), shards, found[site])
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
