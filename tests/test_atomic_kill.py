"""Builds killed with SIGKILL at random moments never damage the site.

A full build writes a fresh folder and swaps it in with one rename, so a kill at any
moment leaves the previous site byte for byte. An incremental build replaces files one
by one with atomic renames, so a kill leaves every file complete (old or new bytes),
and the next build repairs the rest: it equals a clean build.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sitegen.build.pipeline import Project, build
from tests.sites import ROOT, copy_content
from tests.test_build import tree_digest

KILLS = 12


def start_build(workdir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sitegen",
            "build",
            "-q",
            "--no-search",
            "--no-import",
            "--templates",
            str(ROOT / "templates"),
        ],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def files_under(folder: Path, newer_than_ns: int = 0) -> int:
    """How many files under `folder` (0 if it does not exist), counting only those
    modified at or after `newer_than_ns` when it is given."""
    count = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                if os.stat(os.path.join(root, name)).st_mtime_ns >= newer_than_ns:
                    count += 1
            except FileNotFoundError:  # replaced while we looked
                pass
    return count


def kill_when(proc: subprocess.Popen[bytes], written: Callable[[], int], target: int) -> bool:
    """SIGKILL the build as soon as `written()` reaches `target` files; False if it
    finished first. The kill point is a point in the build's progress, not a delay:
    a delay that is right on one machine lands after the build on a faster one."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if written() >= target:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.wait(timeout=120)
    return False


def html_files_complete(site: Path) -> list[str]:
    return [str(p) for p in site.rglob("*.html") if not p.read_bytes().rstrip().endswith(b"</html>")]


def test_killed_full_builds_leave_previous_site_intact(tmp_path: Path) -> None:
    copy_content(ROOT / "content", tmp_path)
    project = Project(tmp_path / "content", ROOT / "templates", tmp_path / "site")
    build(project, search=False, run_importer=False)
    before = tree_digest(project.output)
    total = files_under(project.output)
    rng = random.Random(7)
    killed = 0
    for _ in range(KILLS):
        shutil.rmtree(tmp_path / ".sitegen-cache", ignore_errors=True)  # forces a full build
        target = rng.randint(1, total * 9 // 10)  # somewhere while the staging folder fills

        def staged() -> int:
            return sum(files_under(folder) for folder in tmp_path.glob(".site.sitegen-*"))

        killed += kill_when(start_build(tmp_path), staged, target)
        assert tree_digest(project.output) == before
    # Every kill must land mid-build, or the test proves nothing; a miss is a bug here, not noise.
    assert killed == KILLS, f"only {killed} of {KILLS} builds were killed before finishing"
    build(project, search=False, run_importer=False)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.sitegen-")], "staging folders left behind"


def test_killed_incremental_builds_leave_complete_files_and_recover(tmp_path: Path) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    project = Project(content, ROOT / "templates", tmp_path / "site")
    build(project, search=False, run_importer=False)
    config = content / "config.yaml"
    total = len(list(project.output.rglob("*.html")))
    rng = random.Random(11)
    killed = 0
    for i in range(KILLS):
        config.write_text(config.read_text().replace("title: ", f"title: T{i} ", 1))  # every page changes
        # Somewhere in the first half of the replacements: an incremental build renders
        # everything first, then writes in one burst (a few ms for the last tenth).
        target = rng.randint(1, total // 2)
        started = time.time_ns() - 1_000_000  # file-system timestamps are coarser than time_ns

        def replaced(since: int = started) -> int:
            return files_under(project.output, since)

        killed += kill_when(start_build(tmp_path), replaced, target)
        assert html_files_complete(project.output) == []
        assert len(list(project.output.glob("papers/*/index.html"))) == 219
    assert killed == KILLS, f"only {killed} of {KILLS} builds were killed before finishing"
    build(project, search=False, run_importer=False)
    clean = Project(content, ROOT / "templates", tmp_path / "clean", cache=tmp_path / "clean-cache")
    build(clean, search=False, run_importer=False, full=True)
    assert tree_digest(project.output) == tree_digest(clean.output)
