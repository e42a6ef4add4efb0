"""Search shards: the plan (how many, which page where), the memory budget setting, and
builds that index only the shards whose pages changed."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

import sitegen.search.budget as search_budget
import sitegen.search.index as search_index
from sitegen.build.pipeline import BuildReport, Project, build
from sitegen.config import ConfigError, parse_config
from sitegen.search.shards import (
    DEFAULT_MAX_MEMORY_MB,
    MAX_SEARCH_SHARDS,
    SEARCH_SHARD_PAGES,
    changed_shards,
    estimated_peak_mb,
    parallel_runs,
    plan_for,
    plan_shards,
    shard_count,
)
from tests.sites import ROOT, copy_content, run_sitegen
from tests.test_build import tree_digest

SMALL_BUDGET_MB = 80
"""Shards of at most 32 pages: the bundled 219 papers in 8 shards."""


def outputs(slugs: list[str], edited: str = "", note: str = "") -> list[tuple[str, str]]:
    rows = [(f"papers/{slug}/index.html", "key" + (note if slug == edited else "")) for slug in slugs]
    return [*rows, ("index.html", "home"), *[(f"papers/{slug}/paper.bib", "bib") for slug in slugs]]


SLUGS = [f"paper-{i:05d}" for i in range(2000)]


def test_the_shard_count_follows_the_pages_and_the_budget() -> None:
    assert shard_count(219, DEFAULT_MAX_MEMORY_MB) == 1
    assert shard_count(100_000, DEFAULT_MAX_MEMORY_MB) == 32
    assert shard_count(219, SMALL_BUDGET_MB) == 8
    assert shard_count(2000, 128) == 16 and shard_count(2000, 256) == 8  # half the budget, twice the shards
    assert shard_count(100_000, 512) == 128  # the budget splits beyond MAX_SEARCH_SHARDS


def test_shards_hold_at_most_search_shard_pages_whatever_the_budget() -> None:
    """Pagefind's search time per page grows with its index: a shard holds at most
    SEARCH_SHARD_PAGES pages (10,000 papers: 16 shards of 625), up to MAX_SEARCH_SHARDS."""
    for budget in (DEFAULT_MAX_MEMORY_MB, 64 * 1024):
        assert shard_count(SEARCH_SHARD_PAGES, budget) == 1
        assert shard_count(SEARCH_SHARD_PAGES + 1, budget) == 2
        assert shard_count(3_000, budget) == 4
        assert shard_count(10_000, budget) == 16
        assert shard_count(20_000, budget) == MAX_SEARCH_SHARDS == 32
        assert shard_count(1_000_000, 64 * 1024) == MAX_SEARCH_SHARDS  # beyond it, only the budget splits


def test_the_default_budget_holds_100k_papers_two_runs_at_once() -> None:
    """Two runs at once in the half of the budget that sitegen leaves (it holds about
    1 GB of the 2 at 100,000 papers), whichever shard is the largest."""
    plan = plan_shards(outputs([f"paper-{i}" for i in range(100_000)]), DEFAULT_MAX_MEMORY_MB, "1")
    sizes = [len(s) for s in plan.slugs]
    assert plan.shards == 32 and sum(sizes) == 100_000
    half = DEFAULT_MAX_MEMORY_MB // 2
    runs = parallel_runs(sizes, half, cores=2)
    assert runs == 2 and runs * estimated_peak_mb(max(sizes)) <= half


def test_an_edit_changes_only_its_own_shard() -> None:
    before = plan_shards(outputs(SLUGS), 128, "1")
    after = plan_shards(outputs(SLUGS, edited="paper-00042", note="+note"), 128, "1")
    assert before.shards == after.shards == 16 and before.slugs == after.slugs  # no page moved
    home = next(i for i, members in enumerate(before.slugs) if "paper-00042" in members)
    assert changed_shards(after, before.key) == [home]
    # a new paper lands in one shard and changes no other
    added = plan_shards(outputs([*SLUGS, "a-new-paper"]), 128, "1")
    assert len(changed_shards(added, before.key)) == 1
    # a new shard count, an older key or none: every shard is indexed
    assert changed_shards(plan_shards(outputs(SLUGS), 256, "1"), before.key) == list(range(8))
    assert changed_shards(before, "0123abcd") == changed_shards(before, "") == list(range(16))
    # serve rebuilds the plan from the key and the site's pages
    assert plan_for(before.key, SLUGS).slugs == before.slugs


@pytest.mark.parametrize(
    ("text", "megabytes"), [("max_memory: 512M", 512), ("max_memory: 2G", 2048), ("max_memory: 1.5g", 1536),
                            ("max_memory: 700", 700), ("max_memory: 600MB", 600), ("", DEFAULT_MAX_MEMORY_MB)],
)  # fmt: skip
def test_max_memory_setting(text: str, megabytes: int) -> None:
    assert parse_config(text).max_memory == megabytes


@pytest.mark.parametrize("value", ["lots", "2T", "16M", "true", "-1G"])
def test_a_bad_max_memory_names_the_file_and_line(value: str) -> None:
    with pytest.raises(ConfigError, match=r"config.yaml:2: max_memory: (expected a size|must be at least)"):
        parse_config(f"title: x\nmax_memory: {value}\n", "content/config.yaml")


def test_bad_max_memory_on_the_command_line_or_in_config_is_exit_2(tmp_path: Path) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    flag = run_sitegen("build", "--content", content, "--output", tmp_path / "site", "--max-memory", "lots")
    assert flag.returncode == 2 and "--max-memory: expected a size like 2G" in flag.stderr
    assert "Traceback" not in flag.stderr
    (content / "config.yaml").write_text("max_memory: 1T\n")
    config = run_sitegen("build", "--content", content, "--output", tmp_path / "site")
    assert config.returncode == 2 and f"{content / 'config.yaml'}:1: max_memory" in config.stderr


def bundles(site: Path) -> dict[str, dict[str, str]]:
    return {p.name: tree_digest(p) for p in sorted(site.iterdir()) if p.name.startswith("pagefind")}


def shard_of_page(site: Path, slug: str) -> str:
    """The bundle folder whose order table lists the page (by its fragment's id)."""
    for folder in sorted(site.glob("pagefind*")):
        for fragment in (folder / "fragment").iterdir():
            import gzip

            if f"/papers/{slug}/index.html".encode() in gzip.decompress(fragment.read_bytes()):
                return folder.name
    raise AssertionError(slug)


def test_an_edit_reindexes_one_shard_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    project = Project(
        content=content, templates=tmp_path / "none", output=tmp_path / "site", max_memory=SMALL_BUDGET_MB
    )
    # the build holds more than the 80 MB budget (as a test process with Playwright loaded does;
    # set here, as a lone test's may not): Pagefind gets none of it, and runs one at a time
    monkeypatch.setattr(search_budget, "held_mb", lambda: 100.0)
    first = build(project, search=True)
    assert len(bundles(project.output)) == 8
    assert sum(1 for stage, _ in first.timings if stage.startswith("search shard ")) == 8
    assert any(stage.startswith("search budget: 0 MB for Pagefind") for stage, _ in first.timings)
    assert any(stage.endswith(", 1 run at once") for stage, _ in first.timings)
    before = bundles(project.output)
    inodes = {p: p.stat().st_ino for p in project.output.glob("pagefind*/**/*") if p.is_file()}

    runs: list[Path] = []
    start = search_index.PagefindRun.__init__

    def counted(run: search_index.PagefindRun, site: Path, bundle: Path | None = None) -> None:
        runs.append(site)
        start(run, site, bundle)

    monkeypatch.setattr(search_index.PagefindRun, "__init__", counted)
    page = sorted((content / "papers").glob("*.md"))[0]
    page.write_text(page.read_text() + "\nA note on shards.\n")
    report: BuildReport = build(project, search=True)
    assert report.incremental and len(runs) == 1
    after = bundles(project.output)
    edited = shard_of_page(project.output, page.stem)
    assert [name for name in before if before[name] != after[name]] == [edited]
    for path, inode in inodes.items():  # the other shards' files were not even rewritten
        if path.relative_to(project.output).parts[0] != edited:
            assert path.stat().st_ino == inode, path
    shard_lines = [stage for stage, _ in report.timings if stage.startswith("search shard ")]
    assert len(shard_lines) == 8 and sum(not line.endswith(", unchanged") for line in shard_lines) == 1
    # and the site is the one a clean build makes
    clean = Project(content=content, templates=tmp_path / "none", output=tmp_path / "clean", max_memory=SMALL_BUDGET_MB)
    build(clean, search=True, full=True)
    assert tree_digest(project.output) == tree_digest(clean.output)


def test_a_bigger_budget_merges_the_shards_and_removes_the_rest(tmp_path: Path) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    small = Project(content=content, templates=tmp_path / "none", output=tmp_path / "site", max_memory=SMALL_BUDGET_MB)
    build(small, search=True)
    report = build(Project(content=content, templates=tmp_path / "none", output=tmp_path / "site"), search=True)
    assert report.search == "search index: pagefind + offline"
    assert list(bundles(small.output)) == ["pagefind"]
    one = Project(content=content, templates=tmp_path / "none", output=tmp_path / "one", cache=tmp_path / "c")
    build(one, search=True, full=True)
    assert tree_digest(small.output) == tree_digest(one.output)


def test_serve_refreshes_only_the_edited_shard(tmp_path: Path) -> None:
    from sitegen.serve import DevServer

    content = copy_content(ROOT / "content", tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    server = DevServer(
        Project(content, templates, tmp_path / "site", max_memory=SMALL_BUDGET_MB), port=0, log=lambda _: None
    )
    server.start()
    try:
        site = server.project.output
        page = sorted((content / "papers").glob("*.md"))[0]
        edited = shard_of_page(site, page.stem)
        folders = {p.name: p.stat().st_ino for p in site.glob("pagefind*")}
        assert len(folders) == 8
        indexed = server.state.search
        page.write_text(page.read_text() + "\nsupercalifragilistic\n")
        deadline = time.monotonic() + 60
        while server.state.search == indexed and time.monotonic() < deadline:  # set once the refresh is done
            time.sleep(0.1)
        assert (site / edited).stat().st_ino != folders[edited]
        assert {n: (site / n).stat().st_ino for n in folders if n != edited} == {
            n: i for n, i in folders.items() if n != edited
        }
        assert threading.active_count() > 1
    finally:
        server.stop()
