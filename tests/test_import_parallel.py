"""An import in forked processes (digests parsed, new pages made and written: core/forkmap.py,
ingest/newpages.py) writes the same files and the same report as one process."""

from __future__ import annotations

import io
import multiprocessing
import re
import shutil
import sys
from pathlib import Path

import pytest

from sitegen.build.pipeline import Project, build
from sitegen.config import Config
from sitegen.core.progress import Progress
from sitegen.ingest import importer, newpages
from sitegen.ingest.importer import ImportReport, run_import
from sitegen.taxonomy import parallel
from tests.sites import ROOT, copy_content

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import gen  # noqa: E402


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _report(report: ImportReport, content: Path) -> dict:
    fields = dict(vars(report))
    fields.pop("timings"), fields.pop("_lap")
    fields["written"] = [str(p.relative_to(content)) for p in report.written]
    return fields


def test_an_import_in_processes_is_the_one_process_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen.generate(1500, tmp_path / "gen", seed=7, layouts=("A", "B", "C"))
    made: list[Path] = []
    for name in ("one", "two"):
        content = tmp_path / name / "content"
        (content / "digests").mkdir(parents=True)
        shutil.copy(ROOT / "content" / "taxonomy.yaml", content)
        bundled = sorted((ROOT / "content" / "digests").glob("*.txt"))
        shutil.copy(bundled[0], content / "digests")
        (content / "digests" / "notes.txt").write_text("not a digest\n", encoding="utf-8")  # a warning
        run_import(content, Config(), today="2025-12-20")  # pages the other digests update
        for digest in bundled[1:]:
            shutil.copy(digest, content / "digests")
        shutil.copytree(tmp_path / "gen" / "content" / "digests", content / "digests", dirs_exist_ok=True)
        made.append(content)
    one = run_import(made[0], Config(), today="2025-12-21", workers=1)

    forks: list[str] = []
    get_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: forks.append(method) or get_context(method))
    monkeypatch.setattr(importer, "DIGESTS_PARALLEL_BYTES", 0)
    monkeypatch.setattr(newpages, "PARALLEL_MIN", 0)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 0)
    two = run_import(made[1], Config(), today="2025-12-21", workers=2)

    assert forks == ["fork"] * 3  # digests, tags, new pages: each in forked processes
    assert one.new > 1000 and one.updated > 0 and one.problems  # new pages, updates and warnings covered
    assert _report(two, made[1]) == _report(one, made[0])
    assert _files(made[1]) == _files(made[0])


def test_the_pages_written_count_never_goes_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New pages written by forked processes are counted first, then the parent's updates go on
    from that count: the progress line never counts down."""
    content = tmp_path / "content"
    gen.generate(300, tmp_path, seed=9, layouts=("A",))
    shutil.copy(ROOT / "content" / "taxonomy.yaml", content)
    bundled = sorted((ROOT / "content" / "digests").glob("*.txt"))
    shutil.copy(bundled[0], content / "digests")
    run_import(content, Config(), today="2025-12-20")
    shutil.copy(bundled[1], content / "digests")  # new papers, and updates to the first digest's pages
    (content / "digests" / bundled[0].name).write_text(
        bundled[0].read_text(encoding="utf-8").replace("upvotes", "upvotes "), encoding="utf-8"
    )
    monkeypatch.setattr(newpages, "PARALLEL_MIN", 0)
    stream = io.StringIO()
    report = run_import(content, Config(), today="2025-12-21", workers=2, progress=Progress(stream, interval=0))
    written = [
        int(n.replace(",", "")) for n in re.findall(r"import: ([0-9,]+)/[0-9,]+ pages written", stream.getvalue())
    ]
    assert report.new > 0 and report.updated > 0
    assert written[-1] == report.new + report.updated
    assert written == sorted(written), written


def test_an_import_with_one_worker_never_forks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "content"
    gen.generate(300, tmp_path, seed=8, layouts=("A",))
    forks: list[str] = []
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: forks.append(method))
    monkeypatch.setattr(importer, "DIGESTS_PARALLEL_BYTES", 0)
    monkeypatch.setattr(newpages, "PARALLEL_MIN", 0)
    report = run_import(content, Config(), today="2025-12-21")  # workers=1: serve's later builds
    assert report.new > 250 and forks == []


def test_a_build_with_jobs_imports_in_processes_as_with_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sitegen build -j 2` from digests imports as `sitegen import -j 2` does: the same pages, the same site."""
    gen.generate(400, tmp_path / "gen", seed=10, layouts=("A", "B"))
    monkeypatch.setattr(importer, "DIGESTS_PARALLEL_BYTES", 0)
    monkeypatch.setattr(newpages, "PARALLEL_MIN", 0)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 0)
    forks: list[str] = []
    get_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: forks.append(method) or get_context(method))
    sites = []
    for workers in (1, 2):
        root = tmp_path / f"j{workers}"
        content = copy_content(tmp_path / "gen" / "content", root)
        shutil.copy(
            ROOT / "content" / "digests" / "2025-12-15-hf-daily-papers.txt", content / "digests"
        )  # a second digest
        build(Project(content=content, templates=ROOT / "templates", output=root / "site"), workers=workers)
        sites.append((_files(content / "papers"), _files(root / "site")))
        assert forks == ([] if workers == 1 else ["fork"] * 3)  # digests, tags, new pages
    assert len(sites[0][0]) >= 400
    assert sites[1] == sites[0]
