"""Make Pagefind's bundle byte-for-byte reproducible.

Pagefind writes its filter indexes from hash maps, so two runs over the same pages
order filter values (and the filter list in the meta file) differently, which changes
their content hashes, their file names and the entry file (Pagefind issue #638: only
the fragments were made stable). This module rewrites those files in sorted order,
renames them after their new content and updates the references, so the same site
always gets the same search bundle. The files are gzip'd CBOR behind a
`pagefind_dcd` signature; the JavaScript loads them by the names listed in the meta file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import cbor2

SIGNATURE = b"pagefind_dcd"


def _read(path: Path) -> Any:
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind data file")
    return cbor2.loads(raw[len(SIGNATURE) :])


def _encode(value: Any) -> bytes:
    return gzip.compress(SIGNATURE + cbor2.dumps(value), compresslevel=9, mtime=0)


def _hash(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


def canonicalise(bundle: Path) -> None:
    """Rewrite a Pagefind bundle folder (`site/pagefind`) in canonical order."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, info in sorted(entry["languages"].items()):
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = _read(meta_path)
        # [version, pages, index chunks, filters [[name, file hash]], sorts, meta fields]
        filters = []
        for name, file_hash in meta[3]:
            old = bundle / "filter" / f"{file_hash}.pf_filter"
            filter_name, values = _read(old)
            canonical = [filter_name, sorted([[v, sorted(pages)] for v, pages in values])]
            data = _encode(canonical)
            new_hash = f"{language}_{_hash(data, 7)}"
            old.unlink()
            (bundle / "filter" / f"{new_hash}.pf_filter").write_bytes(data)
            filters.append([name, new_hash])
        meta[3] = sorted(filters)
        meta[4] = sorted(meta[4], key=lambda sort: sort[0])
        data = _encode(meta)
        new_meta_hash = f"{language}_{_hash(data, 10)}"
        meta_path.unlink()
        (bundle / f"pagefind.{new_meta_hash}.pf_meta").write_bytes(data)
        info["hash"] = new_meta_hash
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
