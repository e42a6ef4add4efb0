"""`sitegen init`: a new list's files, never overwriting, and a build of the fresh list
(no papers yet) that makes a valid, empty site with a hint instead of failing."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from lxml import etree

from sitegen.config import Config, load_config
from sitegen.core.resources import default_taxonomy_file
from sitegen.init import InitError, write_starter
from tests.validate import validate_html

ROOT = Path(__file__).resolve().parent.parent


def sitegen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI of this checkout (not an installed copy) in `cwd`, with no base URL
    from the environment."""
    env = {k: v for k, v in os.environ.items() if k != "SITEGEN_BASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder`: file bytes, or None for a folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None for p in folder.rglob("*")}


def test_init_writes_a_new_list(tmp_path: Path) -> None:
    result = sitegen("init", "mylist", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "mylist"
    assert "content/digests" in result.stdout and "sitegen build" in result.stdout
    assert sorted(tree(folder)) == [
        ".github",
        ".github/workflows",
        ".github/workflows/pages.yml",
        ".gitignore",
        "content",
        "content/config.yaml",
        "content/digests",
        "content/digests/README.md",
        "content/taxonomy.yaml",
        "templates",
    ]
    # Every setting is in config.yaml, commented out, so the file gives the defaults.
    config_text = (folder / "content/config.yaml").read_text()
    for setting in dataclasses.fields(Config):
        assert f"\n# {setting.name}:" in config_text, setting.name
    assert load_config(folder / "content", env={}) == Config()
    assert (folder / "content/taxonomy.yaml").read_bytes() == default_taxonomy_file().read_bytes()
    assert "Hugging Face" in (folder / "content/digests/README.md").read_text()
    assert "/site/" in (folder / ".gitignore").read_text().splitlines()
    workflow = yaml.safe_load((folder / ".github/workflows/pages.yml").read_text())
    steps = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    assert any(run.startswith("sitegen build --base-url") for run in steps)
    # PyPI's "sitegen" is another project: the install comes from the SITEGEN setting, and
    # the step fails, saying so, until it is set.
    assert workflow["env"] == {"SITEGEN": ""}
    install = next(run for run in steps if "pip install" in run)
    assert 'pip install "$SITEGEN"' in install and "exit 1" in install
    assert not any(re.search(r"pip install sitegen\b", run) for run in steps)


def test_init_in_the_current_folder(tmp_path: Path) -> None:
    assert sitegen("init", cwd=tmp_path).returncode == 0
    assert (tmp_path / "content/config.yaml").is_file() and (tmp_path / "templates").is_dir()


@pytest.mark.parametrize(
    ("existing", "named"),
    [
        ("content", "content"),
        ("content/papers", "content"),
        ("templates", "templates"),
        (".gitignore", ".gitignore"),
        (".github/workflows/pages.yml", ".github/workflows/pages.yml"),
    ],
)
def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, existing: str, named: str) -> None:
    target = tmp_path / existing
    target.parent.mkdir(parents=True, exist_ok=True)
    if "." in target.name:
        target.write_text("mine\n")
    else:
        target.mkdir()
    before = tree(tmp_path)
    result = sitegen("init", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {named} already exists;") and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(tmp_path) == before
    with pytest.raises(InitError):
        write_starter(tmp_path)
    assert tree(tmp_path) == before


def test_build_of_a_fresh_list_is_a_valid_empty_site(tmp_path: Path) -> None:
    assert sitegen("init", cwd=tmp_path).returncode == 0
    result = sitegen("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # The README that init put in digests/ is not taken for a listing: the one warning
    # is that feeds and sitemap have no base URL.
    assert result.stderr.count("warning:") == 1 and "base_url is not set" in result.stderr
    assert "built 0 papers" in result.stdout
    assert "no papers yet: paste a Hugging Face listing into content/digests/" in result.stdout
    site = tmp_path / "site"
    pages = sorted(site.rglob("*.html"))
    for name in ("index.html", "search/index.html", "tags/index.html", "stats/index.html", "404.html"):
        assert site / name in pages
    assert not (site / "papers").exists() and not (site / "pagefind").exists()
    assert validate_html(pages) == []
    # The machine-readable files are there and well formed, with no entries.
    feed = etree.parse(str(site / "feed.xml")).getroot()
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed" and feed.find("{*}entry") is None
    etree.parse(str(site / "sitemap.xml"))
    assert (site / "papers.json").read_bytes() == b'{"papers":[]}\n'
    assert (site / "search-index.js").is_file()
    assert sitegen("check", cwd=tmp_path).returncode == 0

    # Built again: nothing changed (the no-op path), then a setting changed (incremental).
    again = sitegen("build", cwd=tmp_path)
    assert again.returncode == 0 and "Traceback" not in again.stderr
    config = tmp_path / "content/config.yaml"
    config.write_text(config.read_text() + "title: My papers\n")
    changed = sitegen("build", cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert "no papers yet" in changed.stdout
    assert "<title>My papers</title>" in (site / "index.html").read_text()


def test_init_into_a_file_or_a_folder_that_cannot_be_made_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    result = sitegen("init", "notes.txt", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == "error: notes.txt is a file, not a folder; nothing was written\n"
    result = sitegen("init", "notes.txt/list", cwd=tmp_path)  # a folder that cannot be made
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
