"""One function over many items, in forked processes when there are enough of them.

A fresh import of thousands of papers spends seconds in pure Python that needs nothing
but its own item: parsing a digest file, tagging a paper, making and writing a new page. Forked
processes inherit the function and the items (nothing is pickled on the way out) and
send back only each item's result, in the items' order, so the import's report is the
one process's. A call with `workers=1` never forks (serve's builds after the first, whose
threads are running by then).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import Pool
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
"""The function and the items, set before the processes fork (they inherit them)."""


def _run_span(span: tuple[int, int]) -> list[Any]:
    assert _JOB is not None
    func, items = _JOB
    return [func(item) for item in items[span[0] : span[1]]]


def forks(workers: int, total: int, minimum: int) -> bool:
    """Whether `fork_map` would fork for `total` items: only where it pays and can."""
    return workers >= 2 and total >= minimum and "fork" in multiprocessing.get_all_start_methods()


def fork_map(func: Callable[[T], R], items: Sequence[T], *, workers: int, minimum: int, chunk: int) -> Shares[R]:
    """`func` of each item, in order, a chunk (`chunk` items) at a time as the chunks are
    done: in `workers` forked processes when `forks` says so, else in this one. `func`
    must be a module-level function or a closure the children inherit (it is never
    pickled); its results are, so they should be small.

    The processes start at once, so the caller can do other work before it takes the
    results (an import merges papers while the forks tag them); close() or a `with`
    block ends them if it never takes them all."""
    spans = [(start, min(start + chunk, len(items))) for start in range(0, len(items), chunk)]
    if not forks(workers, len(items), minimum):
        return Shares(None, ([func(item) for item in items[start:end]] for start, end in spans))
    global _JOB
    _JOB = (func, items)
    try:
        pool = multiprocessing.get_context("fork").Pool(min(workers, len(spans)))
    except BaseException:
        _JOB = None
        raise
    return Shares(pool, pool.imap(_run_span, spans))


class Shares(Generic[R]):
    """fork_map's results, a chunk at a time: from the forked processes (`pool`), or
    computed in this process as they are asked for (no pool)."""

    def __init__(self, pool: Pool | None, results: Iterator[list[R]]) -> None:
        self._pool = pool
        self._results = results
        self._job = _JOB

    def __iter__(self) -> Shares[R]:
        return self

    def __next__(self) -> list[R]:
        try:
            return next(self._results)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """End the processes (the results not taken are lost)."""
        global _JOB
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
            if _JOB is self._job:  # not another call's, started meanwhile
                _JOB = None

    def __enter__(self) -> Shares[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
