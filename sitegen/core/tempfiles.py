"""Names for the temporary files written beside a target before it is renamed into place.

Each writer needs a name of its own: two writers sharing one (two threads of one build
replacing the same file, or a build and `serve` saving the cache) rename each other's
file away and one of them fails with FileNotFoundError. The name holds the process id,
the thread id and a random part, so neither threads, processes nor a process id reused
after a kill can meet on one name. The file is made beside its target so the final
os.replace is a rename on one file system.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path


def temp_path(path: Path, kind: str = "") -> Path:
    """A fresh hidden name beside `path` (`.index.html.<pid>-<thread>-<random>.tmp`)."""
    label = f".{kind}" if kind else ""
    return path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}-{secrets.token_hex(4)}{label}.tmp")


def temp_name(path: str, kind: str = "") -> str:
    """`temp_path` for a path given as a string: the same name, without `pathlib`'s cost
    (an import writes thousands of new pages, each through one of these)."""
    folder, name = os.path.split(path)
    label = f".{kind}" if kind else ""
    return os.path.join(folder, f".{name}.{os.getpid()}-{threading.get_ident()}-{secrets.token_hex(4)}{label}.tmp")
