"""Cost of tag and title identity (issue 21, items 3 and 6): prints figures, asserts nothing.

Usage:
    python tests/bench/identity_bench.py CONTENT [--src DIR] [--repeat K]

Times, in one process, on the pages of CONTENT (e.g. a `tests/bench/gen.py 10000` folder
after `sitegen import`): `paper_key` over every title, `paper_from_page` over every page,
and `make_library` over the parsed pages; the best of K runs each. `--src DIR` measures the
sitegen package under DIR instead (a checkout of the base commit, to compare).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def best(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    from sitegen.core.keys import paper_key
    from sitegen.ingest.importer import load_taxonomy
    from sitegen.site.library import make_library, paper_from_page

    pages = [(p.stem, p.read_text("utf-8")) for p in sorted((args.content / "papers").glob("*.md"))]
    papers = [paper_from_page(text, slug, slug) for slug, text in pages]
    titles = [p.title for p in papers]
    taxonomy = load_taxonomy(args.content)
    figures = {
        "paper_key, every title": best(args.repeat, lambda: [paper_key(t) for t in titles]),
        "paper_from_page, every page": best(args.repeat, lambda: [paper_from_page(t, s, s) for s, t in pages]),
        "make_library": best(args.repeat, lambda: make_library(papers, taxonomy, {})),
    }
    print(f"{len(pages)} pages, sitegen from {args.src}")
    for name, seconds in figures.items():
        print(f"{seconds * 1000:9.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
