"""A change to sitegen's own code re-renders what it affects (issue 17).

sitegen is copied into tmp_path (package, default theme and taxonomy, as a checkout
lays them out) and run from there; the copy's code is edited between two builds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.sites import ROOT
from tests.test_reading_cli import DIGEST


def copy_sitegen(into: Path) -> Path:
    shutil.copytree(ROOT / "sitegen", into / "sitegen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", into / "templates")
    (into / "content").mkdir()
    shutil.copyfile(ROOT / "content" / "taxonomy.yaml", into / "content" / "taxonomy.yaml")
    return into / "sitegen"


def run(code: Path, *argv: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(code.parent)}
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *map(str, argv)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=code.parent.parent,
    )


def test_editing_a_rendering_function_changes_the_next_build(tmp_path: Path) -> None:
    code = copy_sitegen(tmp_path / "checkout")
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2024-12-15.txt").write_text("# captured 2024-12-15\n" + DIGEST, encoding="utf-8")
    site = tmp_path / "site"
    build = ("build", "--no-search", "--content", content, "--output", site)
    first = run(code, *build)
    assert first.returncode in (0, 1), first.stderr
    assert "Disallow: /private/" not in (site / "robots.txt").read_text()

    feeds = code / "site" / "feeds.py"
    source = feeds.read_text(encoding="utf-8")
    edited = source.replace('lines = ["User-agent: *", "Allow: /"]', 'lines = ["User-agent: *", "Disallow: /private/"]')
    assert edited != source, "feeds.robots changed: update this test's edit"
    feeds.write_text(edited, encoding="utf-8")

    second = run(code, *build)
    assert second.returncode in (0, 1), second.stderr
    assert "Disallow: /private/" in (site / "robots.txt").read_text()
