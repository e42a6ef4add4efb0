"""Writing the user's pages without losing a concurrent save.

A page in `content/papers/` is the user's file: an editor may save it at any moment,
and several sitegen commands (an import under `serve`, `sitegen note`, `sitegen tag`)
may change it at once. Every write here is a compare-and-swap:

- sitegen writers take one lock per papers folder (`papers_lock`), so two sitegen
  commands never interleave their read-change-write;
- an editor takes no lock, so just before the page is replaced it is read again and,
  if it changed since sitegen read it, the change is re-applied to the new text
  (`rebase`) or, when that cannot be done, skipped and reported;
- the replace itself is an exchange (`renameat2(RENAME_EXCHANGE)` on Linux): the
  new page goes in and the text it displaced comes out, so a save that landed in the
  microseconds between the check and the replace is seen and rebased too, never
  dropped. Where the exchange is not available, a plain atomic rename follows the
  check (a window of microseconds remains).

Symbolic links are followed: the link's target is the page that changes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import enum
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sitegen.core.tempfiles import temp_name

MAX_ATTEMPTS = 50
"""Rebases before giving up: only an editor saving continuously could use them all."""

Rebase = Callable[[bytes], "bytes | None"]
"""The change re-applied to the page's current bytes: the new bytes, or None when the
change cannot be applied to that text (the page is left as it is)."""


class Outcome(enum.Enum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    """The page (as it is now) already says what the change wants."""
    SKIPPED = "skipped"
    """The page changed under us and the change no longer applies: left as it is."""


def page_target(path: Path) -> Path:
    """The file that holds the page: `path`, or what its symbolic links point to."""
    return Path(os.path.realpath(path))


def read_bytes(path: Path) -> bytes | None:
    """The page's bytes, or None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def papers_lock(folder: Path) -> Iterator[None]:
    """Hold the papers folder's lock: one sitegen writer at a time, across processes.

    The lock is `flock` on the folder itself, so no lock file is left in the user's
    folder; it is released when the holder exits, even if killed.
    """
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --------------------------------------------------------------------------- the exchange

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Callable[..., int] | None | bool = False  # False: not looked up yet


def _lookup_renameat2() -> Callable[..., int] | None:
    global _renameat2
    if _renameat2 is False:
        _renameat2 = None
        name = ctypes.util.find_library("c")
        if name:
            libc = ctypes.CDLL(name, use_errno=True)
            function = getattr(libc, "renameat2", None)
            if function is not None:
                function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                function.restype = ctypes.c_int
                _renameat2 = function
    return _renameat2  # type: ignore[return-value]


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing moved)."""
    function = _lookup_renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system or kernel cannot
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def _temporary(target: Path, data: bytes, mode: int) -> Path:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".sitegen-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(name, mode)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _mode_of(target: Path) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        return 0o644


# --------------------------------------------------------------------------- compare-and-swap


def replace_page(path: Path, expected: bytes, new: bytes, rebase: Rebase) -> Outcome:
    """Replace the page at `path` (read as `expected`) with `new`, never over a save.

    The caller holds `papers_lock`. If the page no longer reads `expected`, `rebase`
    is applied to what it reads now, as often as the page keeps changing. A save the
    exchange displaced is merged back (see merge3) with anything saved after it.
    """
    target = page_target(path)
    mode = _mode_of(target)
    data = new
    carrying = False  # `data` holds a displaced save the page does not show yet
    restoring = False  # ... and the change did not apply to it: it goes back as it was
    for _ in range(MAX_ATTEMPTS):
        current = read_bytes(target)
        if current is None:
            if carrying:
                raise PageConflict(target, _keep_aside(target, data))
            return Outcome.SKIPPED  # deleted under us: the user's decision
        if current != expected:
            if carrying:  # saved over what we put there: both saves are kept
                merged = merge3(expected, current, data)
                if merged is None:
                    raise PageConflict(target, _keep_aside(target, data))
                expected, data = current, merged
            else:
                rebased = rebase(current)
                if rebased is None:
                    return Outcome.SKIPPED
                expected, data = current, rebased
                if data == current:
                    return Outcome.UNCHANGED
        temporary = _temporary(target, data, mode)
        try:
            if not exchange(temporary, target):
                os.replace(temporary, target)
                return Outcome.SKIPPED if restoring else Outcome.WRITTEN
            displaced = temporary.read_bytes()
        finally:
            temporary.unlink(missing_ok=True)
        if displaced == expected:
            return Outcome.SKIPPED if restoring else Outcome.WRITTEN
        # A save landed between our check and the exchange: it is `displaced`, and the
        # page now holds `data`. Re-apply the change to that save (or put it back as
        # it was), merged with what we were carrying.
        if carrying:
            merged = merge3(expected, displaced, data)
            if merged is None:
                _keep_aside(target, displaced)
                raise PageConflict(target, _keep_aside(target, data))
            expected, data = data, merged
        else:
            rebased = rebase(displaced)
            restoring = rebased is None
            expected, data = data, displaced if rebased is None else rebased
        carrying = True
    if carrying:
        raise PageConflict(target, _keep_aside(target, data))
    return Outcome.SKIPPED


class PageConflict(Exception):
    """Two saves raced sitegen's write in a way no merge reconciles; the one the page
    does not hold was kept aside in a file beside it (never lost)."""

    def __init__(self, page: Path, kept: Path) -> None:
        super().__init__(f"{page}: saved twice while sitegen wrote it; the other version is in {kept.name}")
        self.page, self.kept = page, kept


def _keep_aside(target: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f"{target.stem}.", suffix=".conflict.txt")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(name)


def merge3(base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """Line-based three-way merge: the changes from `base` to `ours` and to `theirs`
    together, or None when they change the same lines differently.

    Lines added at one place by both sides are all kept (ours first): two saves that
    each appended a note keep both notes.
    """
    import difflib  # here: merging is rare, and every sitegen command imports this module

    lines = base.splitlines(keepends=True)
    hunks = sorted(
        (i1, i2, side, tuple(other[j1:j2]))
        for side, other in enumerate((ours.splitlines(keepends=True), theirs.splitlines(keepends=True)))
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lines, other, autojunk=False).get_opcodes()
        if tag != "equal"
    )
    out: list[bytes] = []
    position = 0
    previous: tuple[int, int, tuple[bytes, ...]] | None = None
    for i1, i2, _, added in hunks:
        if previous == (i1, i2, added):
            continue  # both sides made the same change
        if i1 < position:
            return None  # both sides changed these lines, differently
        out.extend(lines[position:i1])
        out.extend(added)
        position = max(position, i2)
        previous = (i1, i2, added)
    out.extend(lines[position:])
    return b"".join(out)


def create_page(path: Path, data: bytes) -> bool:
    """Write a new page; False (and nothing written) when a file of that name appeared.

    The page is written whole to a temporary file beside it, then hard-linked to its name:
    unlike a rename, a link never replaces a file that exists, and no reader ever sees a
    part of the page. Plain `os` calls on strings (five system calls, no `pathlib`,
    `tempfile` or file object): a fresh import makes a page per paper, and this was three
    quarters of its writing time."""
    target = os.fspath(path)
    temporary = temp_name(target, "sitegen")
    fd = os.open(temporary, _NEW_TEMPORARY, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, 0o644)  # whatever the umask, as the pages sitegen rewrites
        finally:
            os.close(fd)
        os.link(temporary, target)  # unlike a rename, never replaces a file that exists
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


_NEW_TEMPORARY = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
"""A temporary file is always a new file: O_EXCL, so two writers can never share one."""
