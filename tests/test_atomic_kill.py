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
from pathlib import Path

from sitegen.build import Project, build
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


def kill_after(proc: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL the build after `delay` seconds; False if it finished first."""
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def html_files_complete(site: Path) -> list[str]:
    return [str(p) for p in site.rglob("*.html") if not p.read_bytes().rstrip().endswith(b"</html>")]


def test_killed_full_builds_leave_previous_site_intact(tmp_path: Path) -> None:
    copy_content(ROOT / "content", tmp_path)
    project = Project(tmp_path / "content", ROOT / "templates", tmp_path / "site")
    build(project, search=False, run_importer=False)
    before = tree_digest(project.output)
    rng = random.Random(7)
    killed = 0
    for _ in range(KILLS):
        shutil.rmtree(tmp_path / ".sitegen-cache", ignore_errors=True)  # forces a full build
        killed += kill_after(start_build(tmp_path), rng.uniform(0.05, 1.5))
        assert tree_digest(project.output) == before
    assert killed >= KILLS // 2, f"only {killed} builds were killed before finishing"
    build(project, search=False, run_importer=False)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")], "staging folders left behind"


def test_killed_incremental_builds_leave_complete_files_and_recover(tmp_path: Path) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    project = Project(content, ROOT / "templates", tmp_path / "site")
    build(project, search=False, run_importer=False)
    config = content / "config.yaml"
    rng = random.Random(11)
    killed = 0
    for i in range(KILLS):
        config.write_text(config.read_text().replace("title: ", f"title: T{i} ", 1))  # every page changes
        killed += kill_after(start_build(tmp_path), rng.uniform(0.05, 1.5))
        assert html_files_complete(project.output) == []
        assert len(list(project.output.glob("papers/*/index.html"))) == 219
    assert killed >= KILLS // 2, f"only {killed} builds were killed before finishing"
    build(project, search=False, run_importer=False)
    clean = Project(content, ROOT / "templates", tmp_path / "clean", cache=tmp_path / "clean-cache")
    build(clean, search=False, run_importer=False, full=True)
    assert tree_digest(project.output) == tree_digest(clean.output)
