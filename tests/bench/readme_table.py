"""The README's "Performance" tables, from the JSON the benchmark scripts write.

Usage:
    python tests/bench/readme_table.py RUN.json [RUN.json ...] [--serve SERVE.json]

RUN.json files come from `tests/bench/run.py --json`, SERVE.json from
`tests/bench/serve_latency.py --json`. Prints Markdown: one table of stage medians (time and
peak memory per N), the sitegen/Hugo and search ratios with their targets, and the
save-to-served latencies. Nothing is measured here; the figures are the runs' own.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

STAGES = {
    "import": "`sitegen import` (digests to pages)",
    "build": "full build, no search (cold)",
    "hugo-full": "Hugo, full build (same papers)",
    "noop": "no-op rebuild",
    "hugo-noop": "Hugo, nothing changed",
    "one-paper": "one paper edited, rebuild",
    "all-pages": "base template edited, rebuild",
    "pagefind": "search index: Pagefind as sitegen runs it",
    "offline-index": "search index: offline index",
    "pagefind-naive": "Pagefind over the whole unmarked site",
    "build+search": "full build with search (cold)",
    "build-reimport": "`sitegen build` with import",
    "noop-default": "`sitegen build`, nothing changed",
}


def stage_table(runs: list[dict[str, Any]]) -> str:
    sizes = sorted({r["n"] for run in runs for r in run["results"]})
    by_key = {(r["n"], r["stage"]): r for run in runs for r in run["results"]}
    head = "| stage | " + " | ".join(f"{n:,} papers" for n in sizes) + " |"
    lines = [head, "|---|" + "---:|" * len(sizes)]
    for stage, label in STAGES.items():
        cells = []
        for n in sizes:
            r = by_key.get((n, stage))
            if r is None or r["median_seconds"] is None:
                cells.append("n/a")
            else:
                cells.append(f"{r['median_seconds']:.2f} s, {r['median_peak_mb']:,.0f} MB")
        if any(c != "n/a" for c in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_table(runs: list[dict[str, Any]]) -> str:
    lines = ["| N | ratio | value | target | met |", "|---:|---|---:|---:|---|"]
    for run in runs:
        for row in run.get("ratios", []):
            target = "" if row["target"] is None else f"{row['target']}"
            met = "" if row["ok"] is None else ("yes" if row["ok"] else "**no**")
            lines.append(f"| {row['n']:,} | {row['ratio']} | {row['value']} | {target} | {met} |")
    return "\n".join(lines)


def serve_table(serve: dict[str, Any]) -> str:
    lines = [
        "| papers | save to served: median (min-max) | rebuild (median) | noticed after | GET, kept-alive |",
        "|---:|---|---:|---:|---:|",
    ]
    for result in serve["results"]:
        edits = [e for e in result["edits"] if e.get("served_ms") is not None]
        if not edits:
            continue
        served = [e["served_ms"] for e in edits]
        builds = [e["build_ms"] for e in edits if e.get("build_ms") is not None]
        detect = [e["detect_ms"] for e in edits if e.get("detect_ms") is not None]
        lines.append(
            f"| {result['n']:,} | {statistics.median(served):.0f} ms ({min(served):.0f}-{max(served):.0f}) | "
            f"{statistics.median(builds):.0f} ms | {statistics.median(detect):.0f} ms | "
            f"{result.get('get_keep_alive_ms', float('nan')):.1f} ms |"
        )
    return "\n".join(lines)


def measured_line(runs: list[dict[str, Any]]) -> str:
    """The sentence above the tables: when, on what, and where the files were (tmpfs or disk)."""
    machine = runs[0]["machine"]
    where = [run["machine"].get("work_filesystem", "disk (not recorded)") for run in runs]
    folders = where[0] if len(set(where)) == 1 else " and ".join(f"{w} (run {i})" for i, w in enumerate(where, 1))
    return (
        f"Measured {machine['date'][:10]} on {machine['cpus']} cores ({machine.get('cpu', '?')}), "
        f"{machine['memory_gb']} GB, Python {machine['python']}; content and output on {folders}; medians of"
        f" {runs[0]['repeat']} runs where N <= 10,000. Time is whole-process wall time; memory is the peak of"
        " the largest process."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--serve", type=Path)
    args = parser.parse_args()
    runs = [json.loads(path.read_text()) for path in args.runs]
    print(measured_line(runs) + "\n")
    print(stage_table(runs))
    print()
    print(ratio_table(runs))
    if args.serve:
        print()
        print(serve_table(json.loads(args.serve.read_text())))


if __name__ == "__main__":
    main()
