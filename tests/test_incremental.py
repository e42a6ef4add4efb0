"""Incremental builds are correct by construction: after any kind of change, the
incremental build's site is byte-identical to a clean full build of the same input."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.build.cache import BuildCache
from sitegen.build.incremental import ASIDE_MIN_FILES
from sitegen.build.parallel import PARALLEL_MIN_JOBS
from sitegen.build.pipeline import BuildReport, Project, build
from tests.sites import ROOT, copy_content
from tests.test_build import tree_digest


def first_page(content: Path) -> Path:
    return sorted((content / "papers").glob("*.md"))[0]


def edit_paper(content: Path, templates: Path) -> None:
    page = first_page(content)
    page.write_text(page.read_text() + "\nA note written *later*.\n")


def set_front_key(page: Path, key: str, line: str) -> None:
    """Add `line` as the first key of the page's front matter (the key must be new)."""
    text = page.read_text()
    assert f"\n{key}:" not in text.split("\n---", 1)[0]
    page.write_text(text.replace("---\n", f"---\n{line}\n", 1))


def edit_authors(content: Path, templates: Path) -> None:
    set_front_key(first_page(content), "authors", "authors: 7")


def add_link(content: Path, templates: Path) -> None:
    page = first_page(content)
    text = page.read_text()
    assert "\nlinks:\n" in text
    page.write_text(text.replace("\nlinks:\n", "\nlinks:\n- url: https://example.org/project\n  kind: project\n", 1))


def edit_written_date(content: Path, templates: Path) -> None:
    set_front_key(first_page(content), "date_written", "date_written: Mar 3")


def change_tags(content: Path, templates: Path) -> None:
    page = first_page(content)
    text = page.read_text()
    head, rest = text.split("\ntags:\n", 1)
    first_tag, rest = rest.split("\n", 1)
    page.write_text(f"{head}\ntags:\n- my-own-tag\n{rest}")  # first tag removed, a new one added


def add_paper(content: Path, templates: Path) -> None:
    (content / "papers" / "a-brand-new-paper.md").write_text(
        "---\ntitle: A Brand New Paper on Quantization\ndate: 2026-01-02\ntags:\n- quantization\n"
        "abstract: We quantize everything to one bit and it still works, surprisingly well.\n---\nMy notes.\n"
    )


def delete_paper(content: Path, templates: Path) -> None:
    first_page(content).unlink()


def edit_digest(content: Path, templates: Path) -> None:
    digest = content / "digests" / "2025-12-15-hf-daily-papers.txt"
    text = digest.read_text()
    digest.write_text(text.replace("Model diffing is the study", "Model diffing (edited) is the study", 1))


def edit_template(content: Path, templates: Path) -> None:
    page = templates / "paper.html"
    page.write_text(
        page.read_text().replace('<h2 id="abstract-heading"', '<h2 class="edited" id="abstract-heading"', 1)
    )


def edit_included_template(content: Path, templates: Path) -> None:
    macros = templates / "_macros.html"
    text = macros.read_text()
    assert '<article class="card"' in text
    macros.write_text(text.replace('<article class="card"', '<article class="card edited"', 1))


def edit_base_template(content: Path, templates: Path) -> None:
    base = templates / "base.html"
    base.write_text(base.read_text().replace("made with sitegen", "made with sitegen (edited)", 1))


def edit_config(content: Path, templates: Path) -> None:
    config = content / "config.yaml"
    config.write_text(config.read_text().replace("title: Reading list", "title: My papers", 1))


def edit_taxonomy(content: Path, templates: Path) -> None:
    taxonomy = content / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace("name: Scaling laws", "name: Scaling laws (renamed)", 1))


def edit_static(content: Path, templates: Path) -> None:
    css = templates / "static" / "style.css"
    css.write_text(css.read_text() + "\n.edited { color: red; }\n")


VIEW_ONLY_CHANGES: dict[str, Callable[[Path, Path], None]] = {
    "paper edit": edit_paper,
    "author count edited": edit_authors,
    "link added": add_link,
    "written date edited": edit_written_date,
}
"""Edits serve rebuilds by its fast path (patch.py): only the paper's own view changes."""

CHANGES: dict[str, Callable[[Path, Path], None]] = {
    **VIEW_ONLY_CHANGES,
    "tag change": change_tags,
    "paper added": add_paper,
    "paper deleted": delete_paper,
    "digest edited": edit_digest,
    "template edited": edit_template,
    "included template edited": edit_included_template,
    "extended template edited": edit_base_template,
    "config edited": edit_config,
    "taxonomy edited": edit_taxonomy,
    "static file edited": edit_static,
}


WITHOUT_IMPORT = {"paper deleted", "author count edited", "link added", "written date edited"}
"""Changes tested without the import: the clean build's import would bring a deleted
page back, and reset digest-owned facts (authors, links, written date) to the digest's."""


def make_project(tmp_path: Path) -> Project:
    content = copy_content(ROOT / "content", tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    return Project(content=content, templates=templates, output=tmp_path / "site", cache=tmp_path / "cache")


def clean_build(project: Project, tmp_path: Path, *, search: bool, run_importer: bool) -> Path:
    clean = Project(project.content, project.templates, tmp_path / "clean-site", cache=tmp_path / "clean-cache")
    build(clean, search=search, run_importer=run_importer, full=True)
    return clean.output


@pytest.mark.parametrize("mode", ["cache on disk", "serve state in memory"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_incremental_equals_clean_build(tmp_path: Path, change: str, mode: str) -> None:
    """`sitegen build` reads the cache from disk; `serve` keeps one BuildCache in memory
    between builds, with more reused (paper views, the Jinja environment, papers.json
    entries): both must give the clean build's bytes."""
    project = make_project(tmp_path)
    run_importer = change not in WITHOUT_IMPORT
    state = BuildCache() if mode == "serve state in memory" else None
    build(project, search=False, run_importer=run_importer, state=state)
    CHANGES[change](project.content, project.templates)
    report: BuildReport = build(project, search=False, run_importer=run_importer, state=state)
    assert report.incremental
    assert report.files > 0
    assert tree_digest(project.output) == tree_digest(
        clean_build(project, tmp_path, search=False, run_importer=run_importer)
    )


def test_one_paper_edit_rewrites_few_files_and_noop_rewrites_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    build(project, search=False)
    mtimes = {p: p.stat().st_mtime_ns for p in project.output.rglob("*") if p.is_file()}
    noop = build(project, search=False)
    assert noop.incremental and noop.files == 0 and noop.removed == 0 and noop.imported is None
    assert {p: p.stat().st_mtime_ns for p in project.output.rglob("*") if p.is_file()} == mtimes
    edit_paper(project.content, project.templates)
    one = build(project, search=False)
    assert 0 < one.files < 30 < one.total
    assert any(path.startswith("papers/") for path in one.changed)


def test_a_note_remakes_no_data_file(tmp_path: Path) -> None:
    """Data files fingerprint only what they show of a paper (render.Facet): a note, on
    the newest paper (in every feed), remakes its page and the listings showing it, not
    papers.json, papers.bib or a feed; a title edit remakes them all."""
    project = make_project(tmp_path)
    state = BuildCache()
    build(project, search=False, state=state, run_importer=False)
    newest = project.content / "papers" / f"{state.memo['graph'].library.papers[0].slug}.md"
    newest.write_text(newest.read_text() + "\nA note.\n")
    note = build(project, search=False, state=state, run_importer=False)
    assert note.patched and f"papers/{newest.stem}/index.html" in note.rendered and "index.html" in note.rendered
    assert not [path for path in note.rendered if not path.endswith(".html")]
    newest.write_text(re.sub(r"^title: .*$", "title: A retitled paper", newest.read_text(), count=1, flags=re.M))
    retitled = build(project, search=False, state=state, run_importer=False)
    assert {"papers.json", "papers.bib", "feed.xml"} <= set(retitled.rendered)


def test_incremental_search_index_equals_clean_build(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    build(project, search=True)
    before = tree_digest(project.output / "pagefind")
    edit_config(project.content, project.templates)  # every page changes, the search index is rebuilt
    add_paper(project.content, project.templates)
    report = build(project, search=True)
    assert report.incremental and report.search
    assert tree_digest(project.output / "pagefind") != before
    assert tree_digest(project.output) == tree_digest(clean_build(project, tmp_path, search=True, run_importer=True))


def test_failed_incremental_build_changes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    build(project, search=False)
    before = tree_digest(project.output)
    edit_paper(project.content, project.templates)
    (project.templates / "paper.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ paper.nope }}{% endblock %}'
    )
    with pytest.raises(Exception, match="nope"):
        build(project, search=False)
    assert tree_digest(project.output) == before
    shutil.copy(ROOT / "templates" / "paper.html", project.templates / "paper.html")
    build(project, search=False)  # recovers on the next good input
    assert tree_digest(project.output) == tree_digest(clean_build(project, tmp_path, search=False, run_importer=True))


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_incremental_build_of_every_page_changes_nothing(tmp_path: Path, workers: int) -> None:
    """A base-template edit re-renders every page (by the worker pool with 2 workers), each
    into a work folder beside the site; the last paper page fails. The site is untouched,
    no work folder is left behind, and the next good build is a clean build's."""
    project = make_project(tmp_path)
    build(project, search=False, workers=workers)
    before = tree_digest(project.output)
    edit_base_template(project.content, project.templates)
    last = sorted(p.name for p in (project.output / "papers").iterdir())[-1]
    paper = project.templates / "paper.html"
    good = paper.read_text()
    failing = f'{{% block content %}}{{% if paper.slug == "{last}" %}}{{{{ paper.nope }}}}{{% endif %}}'
    paper.write_text(good.replace("{% block content %}", failing, 1))
    with pytest.raises(Exception, match="nope"):
        build(project, search=False, workers=workers)
    assert tree_digest(project.output) == before
    assert list(tmp_path.glob(".site.sitegen-*")) == []  # work folders (build/output.py work_dir)
    paper.write_text(good)
    report = build(project, search=False, workers=workers)
    assert report.incremental and len(report.rendered) >= max(PARALLEL_MIN_JOBS, ASIDE_MIN_FILES)  # staged, pooled
    assert tree_digest(project.output) == tree_digest(clean_build(project, tmp_path, search=False, run_importer=True))


def test_serve_state_through_every_kind_of_change_in_a_row(tmp_path: Path) -> None:
    """One `serve` session: every kind of change, one after another, each rebuilt with
    the same in-memory state (memos from all the earlier builds in play), each equal to
    a clean build. The changes tested without the import go last (a clean build's
    import would undo them in the shared content), deletion the very last."""
    project = make_project(tmp_path)
    state = BuildCache()
    build(project, search=False, state=state)
    order = [c for c in CHANGES if c not in WITHOUT_IMPORT] + [c for c in CHANGES if c in WITHOUT_IMPORT]
    order.remove("paper deleted")
    for i, change in enumerate([*order, "paper deleted"]):
        CHANGES[change](project.content, project.templates)
        run_importer = change not in WITHOUT_IMPORT
        build(project, search=False, run_importer=run_importer, state=state)
        clean = Project(project.content, project.templates, tmp_path / f"clean-{i}", cache=tmp_path / f"cc-{i}")
        build(clean, search=False, run_importer=run_importer, full=True)
        assert tree_digest(project.output) == tree_digest(clean.output), change


def job_list(state: BuildCache) -> list[tuple[str, str, frozenset[str]]]:
    return [(job.path, *job.fingerprinted()) for job in state.memo["graph"].jobs]


def test_view_only_edits_take_the_fast_path_and_give_a_fresh_builds_jobs(tmp_path: Path) -> None:
    """serve's fast path remakes only the jobs holding an edited paper's view. After each
    view-only edit, every job (path, fingerprint, views it holds) must be the one a fresh
    build makes, and the site must be the clean build's; other edits take the full path."""
    project = make_project(tmp_path)
    state = BuildCache()
    build(project, search=True, state=state, defer_search=True, run_importer=False)
    pages = sorted((project.content / "papers").glob("*.md"))
    edits = [*VIEW_ONLY_CHANGES.values(), edit_paper]  # the same paper twice: patched state patched again
    for i, change in enumerate(edits):
        change(project.content, project.templates)
        # ... and a note on a second paper, the newest: it is in every feed and on the home page
        newest = project.content / "papers" / f"{state.memo['graph'].library.papers[0].slug}.md"
        newest.write_text(newest.read_text() + f"\nNote {i} on the newest paper.\n")
        report = build(project, search=True, state=state, defer_search=True, run_importer=False)
        assert report.patched, change.__name__
        assert report.files > 0
        fresh_state = BuildCache()
        fresh = Project(project.content, project.templates, tmp_path / f"fresh-{i}", cache=tmp_path / f"fc-{i}")
        build(fresh, search=True, state=fresh_state, defer_search=True, run_importer=False)
        assert job_list(state) == job_list(fresh_state), change.__name__
        assert tree_digest(project.output) == tree_digest(fresh.output)
    assert len(pages) > 100
    change_tags(project.content, project.templates)
    assert not build(project, search=True, state=state, defer_search=True, run_importer=False).patched


def test_page_stats_from_the_watchers_list_equal_a_scan(tmp_path: Path) -> None:
    """serve updates the last scan's page list from the files the watcher reports; for
    every kind of change the result is the scan's, and a list that cannot tell
    (the folder itself or a parent among the paths, too many paths) asks for a scan."""
    from sitegen.build.loading import MAX_HINTS, page_stats, restat

    content = tmp_path / "content"
    folder = content / "papers"
    folder.mkdir(parents=True)
    for name in ("a.md", "b.md", "c.md", "notes.txt"):
        (folder / name).write_text(f"---\ntitle: {name}\n---\n")
    last = page_stats(content)
    (folder / "b.md").write_text("---\ntitle: b, longer now\n---\n")  # edited
    (folder / "c.md").unlink()  # deleted
    (folder / "d.md").write_text("---\ntitle: d\n---\n")  # added
    (folder / "e.md").mkdir()  # a folder with a page's name
    (folder / "f.txt").write_text("not a page")
    (folder / "g.md").symlink_to(folder / "a.md")  # a link to a page is a page, as in a scan
    (folder / ".h.md").write_text("---\ntitle: h\n---\n")
    elsewhere = tmp_path / "templates" / "paper.html"
    names = ["b.md", "c.md", "d.md", "e.md", "f.txt", "g.md", ".h.md", "zz.md"]  # zz.md: created, then removed
    absolute = {folder.resolve() / n for n in names} | {elsewhere}
    relative = {folder / n for n in names}
    assert restat(last, folder, absolute) == page_stats(content) != last
    assert restat(last, folder, relative) == page_stats(content)
    assert restat(last, folder, {elsewhere}) == last
    for cannot_tell in (folder, content, tmp_path, folder.resolve(), Path(os.path.relpath(content))):
        assert restat(last, folder, {cannot_tell}) is None
    assert restat(last, folder, {folder / f"{i}.md" for i in range(MAX_HINTS + 1)}) is None


def test_noop_by_the_stamp_reads_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build with nothing to do answers from the cache's stamp and never unpickles the
    cache; any change (a page, a template, a deleted site, a build that died changing the
    site) sends it down the full path, with the same result as without a stamp."""
    import sitegen.build.incremental as build_module
    from sitegen.build.cache import _dirty_marker, _stamp_file, forget_outputs, load_cache

    project = make_project(tmp_path)
    first = build(project, search=False)
    stamp = _stamp_file(project.cache_file)
    assert stamp.is_file()
    loads: list[Path] = []

    def counting_load(path: Path) -> BuildCache:
        loads.append(path)
        return load_cache(path)

    monkeypatch.setattr(build_module, "load_cache", counting_load)
    for run_importer in (True, False):  # --no-import: its own fingerprint, rebuilt once, then a no-op
        build(project, search=False, run_importer=run_importer)
        loads.clear()
        noop = build(project, search=False, run_importer=run_importer)
        assert noop.incremental and noop.files == 0 and noop.total == first.total and noop.papers == first.papers
        assert loads == []
    noop = build(project, search=True)  # the index was never built: the stamp cannot answer
    assert loads and noop.search
    loads.clear()

    edit_paper(project.content, project.templates)
    edited = build(project, search=True)
    assert loads and edited.files > 0
    loads.clear()

    forget_outputs(project.cache_file, load_cache(project.cache_file))  # as a build dying in place leaves it
    assert _dirty_marker(project.cache_file).exists() and not stamp.exists()
    repaired = build(project, search=True)
    assert loads and not repaired.incremental
    assert stamp.is_file()
    loads.clear()

    shutil.rmtree(project.output)
    rebuilt = build(project, search=True)
    assert loads and rebuilt.files == rebuilt.total
    assert tree_digest(project.output) == tree_digest(clean_build(project, tmp_path, search=True, run_importer=True))


def test_a_stale_stamp_is_not_trusted(tmp_path: Path) -> None:
    """A stamp from another cache version, or unreadable, is ignored."""
    from sitegen.build.cache import _stamp_file, load_stamp

    project = make_project(tmp_path)
    build(project, search=False)
    stamp = _stamp_file(project.cache_file)
    assert load_stamp(project.cache_file) is not None
    stamp.write_text(stamp.read_text().replace("[", "[9", 1))
    assert load_stamp(project.cache_file) is None
    stamp.write_text("{not json")
    assert load_stamp(project.cache_file) is None
    again = build(project, search=False)
    assert again.incremental and again.files == 0
    assert load_stamp(project.cache_file) is not None  # a no-op by the whole cache writes a good one
