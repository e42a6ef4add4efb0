"""sitegen's work folders beside the site (staging, old site, fresh search bundle):
named so that no user would choose the name, marked inside, and only those cleaned up.

Issue 21 item 11: a full build used to delete any `.site-<word>-<dead pid>` folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.build.output import WORK_MARKER, clean_stale_staging, staging_dir, swap_in
from sitegen.build.pipeline import Project, build
from tests.sites import ROOT, copy_content

DEAD_PID = 999999
"""No process has this pid here (pid_max is 4194304, and the test checks it is free)."""


@pytest.fixture()
def content(tmp_path: Path) -> Path:
    return copy_content(ROOT / "content", tmp_path)


def _dead(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _folder_with_file(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "notes.txt").write_text(text)
    return folder


def test_a_full_build_leaves_a_users_folder_named_like_old_staging_folders(content: Path, tmp_path: Path) -> None:
    assert _dead(DEAD_PID)
    backup = _folder_with_file(tmp_path / f".site-backup-{DEAD_PID}", "my backup")
    other = _folder_with_file(tmp_path / f".site-new-{DEAD_PID}", "mine too")
    site = tmp_path / "site"
    build(Project(content=content, templates=tmp_path / "none", output=site), search=False, full=True)
    assert (site / "index.html").is_file()
    assert (backup / "notes.txt").read_text() == "my backup"
    assert (other / "notes.txt").read_text() == "mine too"
    assert not (site / WORK_MARKER).exists()  # the marker went before the staging folder became the site
    beside = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("content", "site", ".sitegen-cache"))
    assert beside == sorted([backup.name, other.name])  # no work folder left either


def test_only_marked_work_folders_of_dead_processes_are_cleaned(tmp_path: Path) -> None:
    site = tmp_path / "site"
    unmarked = _folder_with_file(tmp_path / f".site.sitegen-staging-{DEAD_PID}-0badc0de", "not ours")
    stale = _folder_with_file(tmp_path / f".site.sitegen-staging-{DEAD_PID}-00000000", "ours, left by a kill")
    (stale / WORK_MARKER).write_text(f"{DEAD_PID}\n")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = _folder_with_file(tmp_path / f".site.sitegen-staging-{sleeper.pid}-11111111", "a build running")
        (running / WORK_MARKER).write_text(f"{sleeper.pid}\n")
        clean_stale_staging(site)
        assert not stale.exists()
        assert (unmarked / "notes.txt").read_text() == "not ours"
        assert (running / "notes.txt").read_text() == "a build running"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_staging_folder_is_marked_and_named_for_sitegen_and_loses_its_mark_when_swapped_in(tmp_path: Path) -> None:
    site = tmp_path / "site"
    first, second = staging_dir(site), staging_dir(site)
    assert first != second
    for folder in (first, second):
        assert folder.parent == tmp_path
        assert folder.name.startswith(f".site.sitegen-staging-{os.getpid()}-")
        assert (folder / WORK_MARKER).read_text() == f"{os.getpid()}\n"
    (first / "index.html").write_text("one")
    swap_in(first, site)
    (second / "index.html").write_text("two")
    swap_in(second, site)  # replaces a site that exists: the old one goes
    assert sorted(p.name for p in site.iterdir()) == ["index.html"]
    assert (site / "index.html").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_search_reindex_leaves_no_marker_in_the_bundle_and_no_work_folder(content: Path, tmp_path: Path) -> None:
    project = Project(content=content, templates=tmp_path / "none", output=tmp_path / "site")
    build(project, search=True)
    page = sorted((content / "papers").glob("*.md"))[0]
    page.write_text(page.read_text() + "\nA note that Pagefind must index.\n")
    report = build(project, search=True)  # incremental: Pagefind re-runs into a work folder, swapped in
    assert report.incremental and report.search.startswith("search index: pagefind")
    assert (project.output / "pagefind" / "pagefind.js").is_file()
    assert not list(project.output.rglob(WORK_MARKER))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")) == []
