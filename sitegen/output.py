"""Writing the site: into a fresh folder beside the old one, swapped in when complete.

A reader of `site/` (a web server, a browser) sees either the whole old site or
the whole new one. On Linux the swap is one `renameat2(RENAME_EXCHANGE)` call;
elsewhere it is two renames with a moment in between.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class UnsafePath(ValueError):
    pass


def safe_join(root: Path, site_path: str) -> Path:
    """The file for a site path, refusing anything that would land outside root."""
    pure = PurePosixPath(site_path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in site_path or "\x00" in site_path:
        raise UnsafePath(f"refusing to write outside the site: {site_path!r}")
    return root.joinpath(*pure.parts)


def staging_dir(output: Path) -> Path:
    """A fresh, empty folder beside the output, on the same file system."""
    staging = output.with_name(f".{output.name}-new-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def write_files(root: Path, files: Iterable[tuple[str, bytes]], progress: Callable[[int], None] | None = None) -> int:
    count = 0
    made: set[Path] = set()
    for site_path, data in files:
        path = safe_join(root, site_path)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)
        count += 1
        if progress is not None and count % 250 == 0:
            progress(count)
    return count


def copy_tree(source: Path, dest: Path) -> int:
    """Copy static files (an earlier source's file is replaced by a later one's)."""
    count = 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(source).parts):
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            count += 1
    return count


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    result = libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return bool(result == 0)


def swap_in(staging: Path, output: Path) -> None:
    """Make `staging` the new `output`; the old output is removed afterwards."""
    if output.exists() and _exchange(staging, output):
        shutil.rmtree(staging)
        return
    if output.exists():
        old = output.with_name(f".{output.name}-old-{os.getpid()}")
        os.replace(output, old)
        os.replace(staging, output)
        shutil.rmtree(old)
    else:
        os.replace(staging, output)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
