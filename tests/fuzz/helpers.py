"""Shared set-up for the import hardening tests: tiny content folders and tree snapshots."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from sitegen.config import Config
from sitegen.ingest.importer import ImportReport, run_import

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2025-12-20"
BOILER = "Get trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\nDec 15\n\n"
TAXONOMY = r"""max_tags: 3
fallback: other
tags:
  quantization:
    name: Quantization
    title: ['\bquantiz']
    text: ['\bquantiz', '\bint[48]\b']
    min: 1
  moe:
    name: Mixture of experts
    title: ['\bexperts?\b']
    text: ['\bmixture[- ]of[- ]experts\b', '\brouter\b']
    min: 1
  speech:
    name: Speech
    title: ['\bspeech\b']
    text: ['\bspeech\b', '\baudio\b']
    min: 1
"""
ABSTRACT = (
    "An abstract long enough to read as one, in two sentences. It says what the paper does, how it does it, "
    "and what it finds when it is tested."
)
SAFE_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def entry_text(title: str, abstract: str = "", authors: int | None = 3, date: str | None = "Dec 10, 2025 4") -> str:
    """One format-A entry (title, abstract, `• N authors`, `·`, date)."""
    parts = [title]
    if abstract:
        parts.append(abstract)
    if authors is not None:
        parts += [f"  • {authors} author{'s' if authors != 1 else ''}", "·"]
    if date is not None:
        parts.append(date)
    return "\n\n".join(parts) + "\n\n"


def make_content(root: Path, digests: dict[str, str] | None = None, taxonomy: str = TAXONOMY) -> Path:
    content = root / "content"
    (content / "digests").mkdir(parents=True, exist_ok=True)
    (content / "taxonomy.yaml").write_text(taxonomy, encoding="utf-8")
    for name, text in (digests or {}).items():
        (content / "digests" / name).write_text(text, encoding="utf-8", newline="")
    return content


def write_digest(content: Path, name: str, entries: Iterable[str]) -> None:
    (content / "digests" / name).write_text(BOILER + "".join(entries), encoding="utf-8", newline="")


def do_import(content: Path, **kwargs: object) -> ImportReport:
    return run_import(content, Config(), today=TODAY, **kwargs)  # type: ignore[arg-type]


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` (directories as None), symlinks not followed."""
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = None if path.is_dir() and not path.is_symlink() else path.read_bytes()
    return out


def pages(content: Path) -> dict[str, str]:
    folder = content / "papers"
    # read_bytes, not read_text: that would turn CRLF into LF and hide what the import wrote
    return (
        {p.stem: p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.glob("*.md"))}
        if folder.is_dir()
        else {}
    )


def run_within(seconds: float, setup: str, stmt: str) -> None:
    """Run `stmt` in a child process killed after `seconds`: a hang guard for code that
    must terminate (an endless loop fails the test instead of hanging the suite). Not
    for speed: use assert_linear, which compares two timings of one run."""
    import pytest

    code = f"{setup}\nimport time\nstart = time.perf_counter()\n{stmt}\nprint(time.perf_counter() - start)"
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=seconds, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"over {seconds} s (not linear, or endless): {stmt}")
    assert done.returncode == 0, done.stderr


def assert_linear(setup: str, stmt: str, n: int, *, hang_guard: float = 300) -> None:
    """Time `stmt` with `N` = n and with `N` = 4n in one child process, and require the
    larger input to take under 8 times as long: linear work takes about 4 times,
    quadratic 16. A ratio within one run, not a time limit: the two sizes alternate, five
    times each, and the best of each counts. The time is the process's CPU time, not wall
    time: on a busy machine a short run fits between other processes' time slices and a
    long one does not, which made linear work look 10-13x slower at 4x the input.
    The child is killed after `hang_guard` seconds, which only a blow-up reaches (the
    test then fails instead of hanging)."""
    import textwrap

    import pytest

    body = textwrap.indent(stmt, " " * 4)
    code = (
        f"{setup}\nimport time\n"
        f"def once(N):\n    start = time.process_time()\n{body}\n    return time.process_time() - start\n"
        f"rounds = [(once({n}), once({4 * n})) for _ in range(5)]\n"
        "print(min(r[0] for r in rounds), min(r[1] for r in rounds))\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, timeout=hang_guard, capture_output=True, text=True
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"over {hang_guard} s (a blow-up, or endless): {stmt}")
    assert done.returncode == 0, done.stderr
    small, large = map(float, done.stdout.split())
    assert large < 8 * small + 0.01, f"4x the input took {large / max(small, 1e-9):.1f}x as long: {stmt}"
