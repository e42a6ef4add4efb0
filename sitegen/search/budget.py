"""The memory budget of a build, as the search step sees it.

`max_memory` bounds the whole build at its peak: the sitegen process and the Pagefind
processes it runs at once. The search step comes last, when the sitegen process still holds
what it read and described (at 100,000 papers about a gigabyte, most of it the library, the
views and the jobs), so the Pagefind processes get the budget less what this process holds
when they start (`held_mb`). Before that the build drops what it no longer needs and hands
the freed memory back to the system (`release`), so that as much of the budget as can be is
left for Pagefind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def held_mb() -> float:
    """This process's resident memory now, in MB (0 where the system does not say)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def pagefind_budget_mb(max_memory_mb: int) -> int:
    """What the Pagefind processes may hold at once: the budget less this process's share."""
    return max(0, int(max_memory_mb - held_mb()))


def release() -> None:
    """Collect what the build let go of and return the freed heap to the system. Python
    frees small objects into its own arenas and the C allocator keeps freed blocks in its
    heap; glibc's `malloc_trim` gives back every free page of it (a no-op elsewhere)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None
