"""A full disk, or Pagefind failing, ends a build with one message and exit 2, no
traceback; a full build keeps the old site byte for byte (issue 21 item 10).

The full disk is real: a small tmpfs mounted for the test (`mount -t tmpfs`, which needs
root, as the test machine runs the suite) holding the output folder, filled up to a few
kilobytes before the build. Pagefind's failures come from a stand-in `pagefind_bin`
module put first on the build's PYTHONPATH (sitegen runs `python -m pagefind_bin`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sites import ROOT, copy_content, run_sitegen
from tests.test_build import tree_digest

TIMEOUT = 300
FAKE_FAILS = """import sys
print("pagefind: cannot read the site (a stand-in that always fails)", file=sys.stderr)
sys.exit(1)
"""
FAKE_EMPTY_ENTRY = """import pathlib, sys
out = pathlib.Path(sys.argv[sys.argv.index("--output-path") + 1])
out.mkdir(parents=True, exist_ok=True)
(out / "pagefind.js").write_text("// stand-in")
(out / "pagefind-entry.json").write_text("")  # what Pagefind leaves on a full disk
"""


def sitegen(cwd: Path, *args: str, pythonpath: str = str(ROOT)) -> subprocess.CompletedProcess[str]:
    return run_sitegen(*args, cwd=cwd, pythonpath=pythonpath, timeout=TIMEOUT)


@pytest.fixture()
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs, unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system of `folder` until `leave` bytes are free (about: tmpfs counts pages)."""
    filler = folder / "filler"
    with open(filler, "wb") as out:
        while (free := shutil.disk_usage(folder).free) > leave:
            try:
                out.write(b"\0" * min(1 << 20, free - leave))
                out.flush()
            except OSError:
                break
    return filler


def single_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one `error:` line a failed command prints, checked to be all it printed."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def html_incomplete(site: Path) -> list[str]:
    return [str(p) for p in site.rglob("*.html") if not p.read_bytes().rstrip().endswith(b"</html>")]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_build_on_a_full_disk_says_so_and_keeps_the_old_site(tmp_path: Path, disk: Path, jobs: str) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    site = disk / "site"
    args = ("build", "-q", "--no-search", "--no-import", "--content", str(content), "--output", str(site), "-j", jobs)
    assert sitegen(tmp_path, *args).returncode == 0
    before = tree_digest(site)
    shutil.rmtree(disk / ".sitegen-cache")  # the next build is a full one, into a staging folder
    fill(disk, leave=64 * 1024)
    message = single_error(sitegen(tmp_path, *args))
    assert message.endswith(": No space left on device"), message
    assert f"{disk}/.site.sitegen-staging-" in message  # names the file it could not write
    assert tree_digest(site) == before
    assert sorted(p.name for p in disk.iterdir() if p.name != ".sitegen-cache") == ["filler", "site"]  # no staging


def test_an_incremental_build_on_a_full_disk_says_so_and_the_next_build_repairs_the_site(
    tmp_path: Path, disk: Path
) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    site = disk / "site"
    args = ("build", "-q", "--no-search", "--no-import", "--content", str(content), "--output", str(site))
    assert sitegen(tmp_path, *args).returncode == 0
    for page in sorted((content / "papers").glob("*.md"))[:40]:  # 40 paper pages and the listings change
        page.write_text(page.read_text() + "\nA note written while the disk is full.\n")
    filler = fill(disk, leave=0)
    message = single_error(sitegen(tmp_path, *args))
    assert message.startswith(f"error: {site}/") and message.endswith(": No space left on device"), message
    assert html_incomplete(site) == []  # each file is whole: old bytes or new
    assert not list(site.rglob("*.tmp"))
    filler.unlink()
    assert sitegen(tmp_path, *args).returncode == 0
    clean = tmp_path / "clean"
    assert sitegen(tmp_path, *args[:-1], str(clean)).returncode == 0
    assert tree_digest(site) == tree_digest(clean)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_template_edit_on_a_full_disk_says_so_and_changes_nothing(tmp_path: Path, disk: Path, jobs: str) -> None:
    """Every page changes (the base template): each is written into a work folder beside the
    site as it is rendered, and moved into place only when all are; on a full disk the site
    stays as it was, byte for byte, and no work folder is left."""
    content = copy_content(ROOT / "content", tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    site = disk / "site"
    args = ("build", "-q", "--no-search", "--no-import", "--content", str(content), "--output", str(site))
    args += ("--templates", str(templates), "-j", jobs)
    assert sitegen(tmp_path, *args).returncode == 0
    before = tree_digest(site)
    base = templates / "base.html"
    base.write_text(base.read_text().replace("made with sitegen", "made with sitegen, edited", 1))
    filler = fill(disk, leave=256 * 1024)
    message = single_error(sitegen(tmp_path, *args))
    assert message.startswith(f"error: {site}") and message.endswith(": No space left on device"), message
    assert tree_digest(site) == before
    assert sorted(p.name for p in disk.iterdir() if p.name != ".sitegen-cache") == ["filler", "site"]
    filler.unlink()
    assert sitegen(tmp_path, *args).returncode == 0
    clean = tmp_path / "clean"
    assert sitegen(tmp_path, *args[:7], str(clean), *args[8:]).returncode == 0
    assert tree_digest(site) == tree_digest(clean)


@pytest.mark.parametrize(
    ("fake", "expected"),
    [
        (FAKE_FAILS, "error: pagefind failed: pagefind: cannot read the site (a stand-in that always fails)"),
        (FAKE_EMPTY_ENTRY, "error: pagefind wrote an empty "),
    ],
    ids=["exits-1", "empty-entry-file"],
)
@pytest.mark.parametrize("kind", ["full", "incremental"])
def test_a_pagefind_failure_is_one_message_and_exit_2(tmp_path: Path, fake: str, expected: str, kind: str) -> None:
    copy_content(ROOT / "content", tmp_path)
    assert sitegen(tmp_path, "build", "-q", "--no-search", "--no-import").returncode == 0
    before = tree_digest(tmp_path / "site")
    if kind == "full":
        shutil.rmtree(tmp_path / ".sitegen-cache")
    stand_in = tmp_path / "fake" / "pagefind_bin"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text("")
    (stand_in / "__main__.py").write_text(fake)
    result = sitegen(tmp_path, "build", "-q", "--no-import", pythonpath=f"{stand_in.parent}{os.pathsep}{ROOT}")
    assert single_error(result).startswith(expected)
    if kind == "full":
        assert tree_digest(tmp_path / "site") == before
    assert html_incomplete(tmp_path / "site") == []
    assert not (tmp_path / "site" / "pagefind").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")] == []  # no work folder left


def test_a_full_build_with_search_on_a_full_disk_says_so_and_keeps_the_old_site(tmp_path: Path, disk: Path) -> None:
    """The real Pagefind, on a disk with room for the pages but not for the search bundle
    (Pagefind then leaves an empty entry file, or the offline index cannot be written)."""
    content = copy_content(ROOT / "content", tmp_path)
    site = disk / "site"
    args = ("build", "-q", "--no-import", "--content", str(content), "--output", str(site))
    assert sitegen(tmp_path, *args).returncode == 0
    before = tree_digest(site)
    bundle = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
    pages = sum(os.stat(p).st_blocks * 512 for p in site.rglob("*") if p.is_file() and "pagefind" not in p.parts)
    shutil.rmtree(disk / ".sitegen-cache")
    fill(disk, leave=pages + bundle // 4)
    message = single_error(sitegen(tmp_path, *args))
    assert "No space left on device" in message or "is the disk full?" in message, message
    assert tree_digest(site) == before
    assert sorted(p.name for p in disk.iterdir() if p.name != ".sitegen-cache") == ["filler", "site"]
