"""Work shared out over forked processes: a full build parses pages, computes related
papers and renders files in several processes at once.

Forked children share the parent's data without copying it (no pickling of the
library or the jobs); only results travel back, pickled through a pipe. An exception
in a child is raised in the parent, as a serial run would raise it.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import pickle
import select
import signal
import struct
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
A = TypeVar("A")

CAN_FORK = hasattr(os, "fork")

# The thresholds below are read as `parallel.NAME` at each use, so a test can lower them in one place.
PARALLEL_MIN_PAGES = 1000
"""Pages to parse before parsing is shared out between processes (YAML is most of a
cold build's loading time: 3 s for 10,000 pages on one core); also the list size from
which the related papers are computed by a child process."""

PARALLEL_MIN_JOBS = 300
"""Files to render before rendering is shared out between processes: below this many a
second process costs more than it saves. (At 1,000 papers, 1,300 files, two processes
took 1.7 s where one took 1.9-2.1; at the bundled list's 340 files they were no slower.)"""


class WorkerFailed(Exception):
    """A child process died without a result, or its exception could not be pickled."""


class Forked(Generic[T]):
    """`fn()` running in a forked child; `result()` waits for it and returns its value
    (or raises its exception). `cancel()` ends the child if its result is no longer wanted."""

    def __init__(self, fn: Callable[[], T]) -> None:
        gc.freeze()  # the parent's objects stay out of the child's collections: fewer pages copied
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child(fn, write_end)
        gc.unfreeze()
        os.close(write_end)
        self.pid: int | None = pid
        self._read_end = read_end

    def ready(self) -> bool:
        """True once the child has written its result (or died): result() will not wait."""
        if self.pid is None:
            return True
        readable, _, _ = select.select([self._read_end], [], [], 0)
        return bool(readable)

    def result(self) -> T:
        if self.pid is None:
            raise WorkerFailed("the result was taken or cancelled already")
        with os.fdopen(self._read_end, "rb") as pipe:
            payload = pipe.read()  # before waitpid: a child blocks until its pipe is read
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not payload:
            raise WorkerFailed(f"a build process died (wait status {status})")
        ok, value = pickle.loads(payload)
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.close(self._read_end)
        os.waitpid(self.pid, 0)
        self.pid = None


def _child(fn: Callable[[], object], write_end: int) -> None:
    code = 0
    try:
        payload = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as err:  # noqa: BLE001 - handed to the parent
        code = 1
        try:
            payload = pickle.dumps((False, err))
        except Exception:  # noqa: BLE001
            payload = pickle.dumps((False, WorkerFailed(f"a build process failed: {err}")))
    try:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(code)


class Standby(Generic[A, T]):
    """A child forked now, to compute `fn(arg)` once the caller knows `arg`; meanwhile it
    runs `prepare()` (imports, say), on a core that the start of a build leaves idle.
    `submit(arg)` hands it the argument (pickled through a pipe) and returns the pending
    result; `cancel()` ends the child if it is not wanted after all."""

    def __init__(self, prepare: Callable[[], object], fn: Callable[[A], T]) -> None:
        arg_read, arg_write = os.pipe()

        def run() -> T:
            os.close(arg_write)
            prepare()
            arg = _read_message(arg_read)
            if arg is None:  # the parent went away without submitting
                os._exit(0)
            return fn(pickle.loads(arg))

        self._forked: Forked[T] = Forked(run)
        os.close(arg_read)
        self._arg_write: int | None = arg_write

    def submit(self, arg: A) -> Forked[T]:
        if self._arg_write is None:
            raise WorkerFailed("the argument was submitted or cancelled already")
        payload = pickle.dumps(arg, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(self._arg_write, "wb") as pipe:  # blocks only while the child still prepares
            pipe.write(struct.pack("<Q", len(payload)))
            pipe.write(payload)
        self._arg_write = None
        return self._forked

    def cancel(self) -> None:
        if self._arg_write is not None:
            os.close(self._arg_write)
            self._arg_write = None
            self._forked.cancel()


def _read_message(fd: int) -> bytes | None:
    """A length-prefixed message from pipe `fd` (closed after), or None if it ends early."""
    with os.fdopen(fd, "rb") as pipe:
        head = pipe.read(8)
        if len(head) < 8:
            return None
        (size,) = struct.unpack("<Q", head)
        payload = pipe.read(size)
    return payload if len(payload) == size else None


class Later(Generic[T]):
    """The same interface as Forked, computed in this process when asked for."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn: Callable[[], T] | None = fn

    def ready(self) -> bool:
        return True  # nothing runs meanwhile: waiting for it gains nothing

    def result(self) -> T:
        if self._fn is None:
            raise WorkerFailed("the result was taken or cancelled already")
        fn, self._fn = self._fn, None
        return fn()

    def cancel(self) -> None:
        self._fn = None


def in_forks(work: Callable[[int], T], workers: int) -> list[T]:
    """`work(0)` here and `work(i)` in a forked child for each i in 1..workers-1; the
    results in that order. An exception in any of them is raised here once all have
    finished, the parent's first."""
    children = [Forked(lambda worker=worker: work(worker)) for worker in range(1, workers)]  # type: ignore[misc]
    failure: BaseException | None = None
    results: list[T] = []
    try:
        results.append(work(0))
    except BaseException as err:
        failure = err
    for child in children:
        try:
            results.append(child.result())
        except BaseException as err:
            failure = failure or err
    if failure is not None:
        raise failure
    return results


def share_out(
    count: int,
    workers: int,
    work: Callable[[int, int], list[T]],
    chunk: int = 32,
    progress: Callable[[int], None] | None = None,
) -> list[T]:
    """Run `work(start, stop)` over the ranges of 0..count, in `workers` processes that
    take `chunk` items at a time as they go: even workers from the front, odd ones from
    the back, until they meet. Nobody waits for a slow share, and the two ends keep their
    kinds of work apart (the build puts listings at one end, paper pages at the other,
    so one process renders most paper cards and its macro memo serves it). `progress`
    is told, in the parent, how many items have been taken so far. Returns what the
    calls of `work` returned, joined, in no particular order."""
    bounds = mmap.mmap(-1, 16)  # shared with the children: next front item, end of the back
    struct.pack_into("qq", bounds, 0, 0, count)
    lock_read, lock_write = os.pipe()  # a one-byte token in a pipe: whoever reads it holds the lock
    os.write(lock_write, b"t")

    def take(front: bool) -> tuple[int, int] | None:
        os.read(lock_read, 1)
        try:
            low, high = struct.unpack_from("qq", bounds, 0)
            if low >= high:
                return None
            if front:
                start, stop = low, min(high, low + chunk)
                struct.pack_into("qq", bounds, 0, stop, high)
            else:
                start, stop = max(low, high - chunk), high
                struct.pack_into("qq", bounds, 0, low, start)
            return start, stop
        finally:
            os.write(lock_write, b"t")

    def run(worker: int) -> list[T]:
        results: list[T] = []
        while (span := take(front=worker % 2 == 0)) is not None:
            results += work(*span)
            if progress is not None and worker == 0:
                low, high = struct.unpack_from("qq", bounds, 0)
                progress(low + count - high)
        return results

    try:
        return [item for results in in_forks(run, workers) for item in results]
    finally:
        os.close(lock_read)
        os.close(lock_write)
        bounds.close()
