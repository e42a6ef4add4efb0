"""The fingerprint of the code that makes the site: sitegen's own source and the
versions of the libraries whose output ends up in it.

Every cached fingerprint (the import's, each output's, the search index's) includes
it, so a user who upgrades sitegen, or edits its code in a checkout, gets a site made
by the code they run, never stale output from the code they had. Before it, output
changes had to be announced by bumping a version number by hand.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from pathlib import Path

LIBRARIES = ("jinja2", "markupsafe", "markdown_it", "mdit_py_plugins", "linkify_it", "yaml", "pagefind")
"""Libraries whose version can change what a page, an import or the index holds."""


@functools.cache
def code_fingerprint() -> str:
    """A hash of every Python file of the sitegen package, and of where each library is
    installed and when (an upgrade rewrites its files): about 8 ms, once per process.
    Not `importlib.metadata`, whose import alone takes 90 ms of a no-op build."""
    h = hashlib.sha1()
    package = Path(__file__).resolve().parent.parent  # sitegen/, not sitegen/core/
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin and os.path.isfile(origin):
            st = os.stat(origin)
            h.update(f"{name}\0{origin}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        else:
            h.update(f"{name}\0-\0".encode())
    return h.hexdigest()
