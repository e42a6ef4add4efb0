"""Work shared out over forked processes: every item done once, results and errors
back in the parent, and a parallel build that equals a serial one."""

from __future__ import annotations

import os
import struct
import tempfile
import time
from pathlib import Path

import pytest

from sitegen.build.parallel import Forked, Later, Standby, WorkerFailed, in_forks, share_out
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


def test_related_papers_computed_in_a_child_give_the_serial_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With enough pages, a full build computes related papers in a child process while
    it describes the listings; the site is byte for byte the serial build's."""
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
    submitted: list[object] = []
    submit = parallel_module.Standby.submit
    monkeypatch.setattr(parallel_module.Standby, "submit", lambda self, arg: submitted.append(arg) or submit(self, arg))
    parallel = Project(content, tmp_path / "none", tmp_path / "parallel", cache=tmp_path / "c2")
    build(parallel, search=False, workers=2)
    assert len(forks) == 3  # related papers (forked first, on standby), page parsing, rendering
    assert len(submitted) == 1  # the standby child computed them
    files = {p.relative_to(serial.output): p.read_bytes() for p in serial.output.rglob("*") if p.is_file()}
    assert files == {p.relative_to(parallel.output): p.read_bytes() for p in parallel.output.rglob("*") if p.is_file()}


def _double(arg: list[int]) -> list[int]:
    if not arg:
        raise ValueError("nothing to double")
    return [2 * x for x in arg]


def test_a_standby_child_prepares_then_computes_what_it_is_sent(tmp_path: Path) -> None:
    marker = tmp_path / "prepared"
    standby = Standby(lambda: marker.write_text("yes"), _double)
    assert standby.submit(list(range(100_000))).result() == [2 * x for x in range(100_000)]  # more than a pipe holds
    assert marker.read_text() == "yes"
    with pytest.raises(WorkerFailed):
        standby.submit([1])  # once only
    with pytest.raises(ValueError, match="nothing to double"):
        Standby(lambda: None, _double).submit([]).result()
    waiting = Standby(lambda: time.sleep(60), _double)
    pid = waiting._forked.pid
    assert pid is not None
    started = time.monotonic()
    waiting.cancel()  # not wanted: ended, even while it prepares
    assert time.monotonic() - started < 10
    _assert_gone(pid)


def _assert_gone(pid: int) -> None:
    """The child has ended and was waited for (no zombie)."""
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_build_that_fails_leaves_no_standby_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sitegen.build.parallel as parallel
    from sitegen.core.errors import BuildError

    content = copy_content(ROOT / "content", tmp_path)
    page = sorted((content / "papers").glob("*.md"))[3]
    page.write_text("---\ntitle: [unclosed\n---\n")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_PAGES", 2)
    pids: list[int] = []
    original = Standby.__init__

    def recording(self: Standby[object, object], prepare: object, fn: object) -> None:
        original(self, prepare, fn)  # type: ignore[arg-type]
        pids.append(self._forked.pid)  # type: ignore[arg-type]

    monkeypatch.setattr(Standby, "__init__", recording)
    with pytest.raises(BuildError, match=page.name):
        build(Project(content, tmp_path / "none", tmp_path / "site", cache=tmp_path / "c"), search=False, workers=2)
    assert len(pids) == 1
    _assert_gone(pids[0])


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
