"""Work shared out over forked processes: every item done once, results and errors
back in the parent, and a parallel build that equals a serial one."""

from __future__ import annotations

import os
import struct
import tempfile
import time
from pathlib import Path

import pytest

from sitegen.build.parallel import Forked, Later, WorkerFailed, in_forks, share_out
from sitegen.build.pipeline import BuildError, Project, build
from tests.sites import ROOT, copy_content


@pytest.mark.parametrize(
    ("count", "workers", "chunk"), [(0, 2, 4), (1, 2, 4), (7, 2, 3), (100, 2, 8), (100, 3, 1), (5, 1, 2)]
)
def test_share_out_does_every_item_exactly_once(count: int, workers: int, chunk: int) -> None:
    with tempfile.TemporaryFile() as log:  # shared by the forked workers: O_APPEND writes do not interleave

        def work(start: int, stop: int) -> list[int]:
            os.write(log.fileno(), b"".join(struct.pack("qq", os.getpid(), i) for i in range(start, stop)))
            return [i * i for i in range(start, stop)]

        assert sorted(share_out(count, workers, work, chunk=chunk)) == [i * i for i in range(count)]
        log.seek(0)
        data = log.read()
    done = [struct.unpack_from("qq", data, offset) for offset in range(0, len(data), 16)]
    assert sorted(i for _, i in done) == list(range(count))


def test_share_out_keeps_the_two_ends_apart() -> None:
    """The parent takes from the front, the child from the back: each one's items form
    one run, so the two kinds of work the build puts at the two ends stay apart."""
    with tempfile.TemporaryFile() as log:

        def work(start: int, stop: int) -> list[int]:
            time.sleep(0.001)
            os.write(log.fileno(), b"".join(struct.pack("qq", os.getpid(), i) for i in range(start, stop)))
            return []

        share_out(200, 2, work, chunk=10)
        log.seek(0)
        data = log.read()
    by_pid: dict[int, list[int]] = {}
    for offset in range(0, len(data), 16):
        pid, i = struct.unpack_from("qq", data, offset)
        by_pid.setdefault(pid, []).append(i)
    mine = sorted(by_pid.pop(os.getpid()))
    (theirs,) = by_pid.values()
    assert mine == list(range(len(mine)))  # the front run: 0..k
    assert sorted(theirs) == list(range(len(mine), 200))  # the back run: k+1..199


def test_errors_in_children_reach_the_parent() -> None:
    def work(worker: int) -> int:
        if worker == 1:
            raise ValueError("child says no")
        return worker

    with pytest.raises(ValueError, match="child says no"):
        in_forks(work, 2)
    assert in_forks(lambda worker: worker * 10, 3) == [0, 10, 20]

    def fail(start: int, stop: int) -> list[int]:
        if start > 0:
            raise KeyError(start)
        return []

    with pytest.raises(KeyError):
        share_out(50, 2, fail, chunk=5)


def test_forked_and_later_give_the_same_results() -> None:
    assert Forked(lambda: {"a": (1, 2)}).result() == Later(lambda: {"a": (1, 2)}).result() == {"a": (1, 2)}
    child = Forked(lambda: os._exit(3))  # dies without a result
    with pytest.raises(WorkerFailed, match="died"):
        child.result()
    slow = Forked(lambda: time.sleep(60))
    started = time.monotonic()
    slow.cancel()  # ends the child: no zombie, no minute-long wait
    assert time.monotonic() - started < 10
    with pytest.raises(WorkerFailed):
        slow.result()


def test_a_build_with_workers_gives_the_serial_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With enough pages, a full build parses pages and renders in forked workers; the
    site is byte for byte the serial build's."""
    import sitegen.build.parallel as parallel_module

    content = copy_content(ROOT / "content", tmp_path)
    serial = Project(content, tmp_path / "none", tmp_path / "serial", cache=tmp_path / "c1")
    build(serial, search=False, workers=1)
    forks: list[object] = []
    original = parallel_module.Forked.__init__

    def counting(self: Forked[object], fn: object) -> None:
        forks.append(fn)
        original(self, fn)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel_module, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(parallel_module, "PARALLEL_MIN_JOBS", 10)
    monkeypatch.setattr(parallel_module.Forked, "__init__", counting)
    parallel = Project(content, tmp_path / "none", tmp_path / "parallel", cache=tmp_path / "c2")
    build(parallel, search=False, workers=2)
    assert len(forks) == 2  # page parsing, rendering (related papers are computed in this process)
    files = {p.relative_to(serial.output): p.read_bytes() for p in serial.output.rglob("*") if p.is_file()}
    assert files == {p.relative_to(parallel.output): p.read_bytes() for p in parallel.output.rglob("*") if p.is_file()}


def test_incremental_rendering_uses_the_worker_pool_and_equals_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A base-template edit re-renders every page in place: with workers, by the same pool
    as a full build (over the same threshold), and the site is the serial build's; a
    template error in a worker leaves the site as it was."""
    import shutil

    import sitegen.build.parallel as parallel_module

    content = copy_content(ROOT / "content", tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    monkeypatch.setattr(parallel_module, "PARALLEL_MIN_JOBS", 10)
    shared: list[int] = []
    share = parallel_module.share_out
    monkeypatch.setattr(
        parallel_module, "share_out", lambda count, *a, **k: shared.append(count) or share(count, *a, **k)
    )
    serial = Project(content, templates, tmp_path / "serial", cache=tmp_path / "c1")
    parallel = Project(content, templates, tmp_path / "parallel", cache=tmp_path / "c2")
    build(serial, search=False, workers=1)
    build(parallel, search=False, workers=2)
    base = templates / "base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- edited --></body>"))
    shared.clear()
    assert build(serial, search=False, workers=1).incremental and shared == []
    report = build(parallel, search=False, workers=2)
    assert report.incremental and shared == [len(report.rendered)] and len(report.rendered) > 10

    def tree(root: Path) -> dict[Path, bytes]:
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert tree(serial.output) == tree(parallel.output)
    assert b"<!-- edited -->" in (parallel.output / "index.html").read_bytes()
    before = tree(parallel.output)
    base.write_text(base.read_text().replace("<!-- edited -->", "{{ nope_x }}"))
    with pytest.raises(BuildError, match="nope_x"):
        build(parallel, search=False, workers=2)
    assert tree(parallel.output) == before
