"""The tags of the last import, kept so that the next one tags only papers it has not seen.

Tagging is half of an import (about 0.2 ms of CPU a paper), and a paper's taxonomy tags
depend on its title, its abstract, the taxonomy and sitegen's code alone. The importer keeps
them in `.sitegen-cache/import-tags.json` beside the content folder (where a build keeps its
cache), under a fingerprint of the taxonomy's text and the code (core/codeprint.py): another
taxonomy or another sitegen finds the file stale and tags everything. A re-import, or an import
after one digest was added, then tags only the new papers; the tags are those tagging would
give (tests/test_tagmemo.py). A file that cannot be read or does not fit is ignored.

A speed device (`import_memo` in core/devices.py): off, nothing is read or written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from sitegen.core import devices
from sitegen.core.codeprint import code_fingerprint
from sitegen.core.tempfiles import temp_path

MEMO_FILE = Path(".sitegen-cache") / "import-tags.json"
"""Where the memo is kept, relative to the content folder's parent."""
VERSION = 1


def memo_path(content: Path) -> Path:
    return content.absolute().parent / MEMO_FILE


def paper_key(title: str, abstract: str) -> str:
    """What a paper's tags are kept under: its tagging input, hashed."""
    return hashlib.sha1(f"{title}\0{abstract}".encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(taxonomy_text: str) -> str:
    """The taxonomy's text and the code that tags by it."""
    text = f"{VERSION}\0{code_fingerprint()}\0{taxonomy_text}"
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def load_memo(content: Path, taxonomy_text: str) -> dict[str, tuple[str, ...]]:
    """The tags kept by the last import under this taxonomy and code (empty if none or stale)."""
    if not devices.import_memo:
        return {}
    try:
        data = json.loads(memo_path(content).read_bytes())
        if not isinstance(data, dict) or data.get("fingerprint") != fingerprint(taxonomy_text):
            return {}
        tags = data["tags"]
        return {
            key: tuple(value)
            for key, value in tags.items()
            if isinstance(value, list) and all(isinstance(tag, str) for tag in value)
        }
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return {}


def save_memo(content: Path, taxonomy_text: str, tags: Mapping[str, tuple[str, ...]]) -> None:
    """Keep `tags` (this import's papers only, so the file never grows past the list) for the
    next import. Written atomically; a folder that cannot be written only loses the memo."""
    if not devices.import_memo:
        return
    path = memo_path(content)
    data = {"fingerprint": fingerprint(taxonomy_text), "tags": {k: list(v) for k, v in sorted(tags.items())}}
    tmp = temp_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
