"""The build cache (`.sitegen-cache/`, never committed): what the last build read and wrote.

- `pages`: parsed paper pages keyed by file name, valid while size and mtime match;
- `digests`: a fingerprint of the digests and taxonomy, to import only when they changed;
- `related`: the related-papers table with the fingerprint of the text it came from;
- `outputs`: for every file in the site, the fingerprint of its inputs (see render.Job);
- `site_id`: identity of the output folder those outputs are in.

The cache is an optimisation only: deleting it just makes the next build a full one.
It is written with a version tag; an unreadable or older cache is ignored.

Beside it, a stamp (a few bytes of JSON) holds what a build needs to tell that nothing
changed, so a no-op build does not unpickle the whole cache (17 MB at 10,000 papers).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.build.output import named
from sitegen.core.tempfiles import temp_path

if TYPE_CHECKING:
    from sitegen.site.library import LibraryPaper

CACHE_VERSION = 7
"""Bump when what the cache holds changes shape or meaning. 6: a page's tags are tag ids
(identity.tag_key) with their spellings beside them. 7: pages carry `draft` (a page
cached before would be published whatever it says)."""


@dataclass
class BuildCache:
    pages: dict[str, tuple[int, int, LibraryPaper]] = field(default_factory=dict)
    digests: str = ""
    related: tuple[str, dict[str, tuple[str, ...]]] = ("", {})
    outputs: dict[str, str] = field(default_factory=dict)
    site_id: tuple[int, int] | None = None
    search: str = ""
    inputs: str = ""
    """Fingerprint of every input file's size and mtime (or content), the settings and
    the code: when it matches, the site is up to date and the build stops early."""
    views: dict[str, Any] = field(default_factory=dict)
    """Paper views of the last build (render.ViewMemo); kept in memory only, by `serve`."""
    memo: dict[str, Any] = field(default_factory=dict)
    """Other work kept between builds in one process (`serve`): the Jinja environment
    with its compiled templates (valid while every template file's bytes are the same)
    and papers.json entries by view digest. Memory only, never written."""


MEMORY_ONLY = ("views", "memo")


def site_identity(output: Path) -> tuple[int, int] | None:
    """Device and inode of the output folder: a swapped-in or replaced folder differs."""
    try:
        st = output.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _dirty_marker(path: Path) -> Path:
    return path.with_name(f"{path.name}.dirty")


def _stamp_file(path: Path) -> Path:
    return path.with_name(f"{path.name}.stamp")


@dataclass(frozen=True)
class Stamp:
    """The saved cache's answer to "did anything change?": its fingerprint of the inputs,
    the output folder it describes, whether it has a search index, and the counts a no-op
    build reports."""

    inputs: str
    site_id: tuple[int, int] | None
    search: bool
    outputs: int
    pages: int

    @classmethod
    def of(cls, cache: BuildCache) -> Stamp:
        return cls(cache.inputs, cache.site_id, bool(cache.search), len(cache.outputs), len(cache.pages))


def load_stamp(path: Path) -> Stamp | None:
    """The stamp of the cache at `path`, or None when there is none to trust (missing,
    unreadable, another version, or a build died changing the site)."""
    try:
        version, fields = json.loads(_stamp_file(path).read_bytes())
        if version != CACHE_VERSION or _dirty_marker(path).exists():
            return None
        site_id = fields.pop("site_id")
        return Stamp(site_id=tuple(site_id) if site_id else None, **fields)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def load_cache(path: Path) -> BuildCache:
    try:
        with path.open("rb") as handle:
            version, cache = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        return BuildCache()
    if version != CACHE_VERSION or not isinstance(cache, BuildCache):
        return BuildCache()
    if _dirty_marker(path).exists():  # a build died while changing the site: its outputs are unknown
        cache.outputs, cache.site_id, cache.search, cache.inputs = {}, None, "", ""
    return cache


def save_cache(path: Path, cache: BuildCache) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = _stamp_file(path)
    stamp.unlink(missing_ok=True)  # no stamp for a moment rather than one that outlives its cache
    tmp = temp_path(path)
    kept = {name: getattr(cache, name) for name in MEMORY_ONLY}
    for name in MEMORY_ONLY:
        setattr(cache, name, {})
    try:
        with tmp.open("wb") as handle:
            pickle.dump((CACHE_VERSION, cache), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as err:  # a full disk: no half-written cache is left, and the error names the file
        tmp.unlink(missing_ok=True)  # its name is this writer's alone: nobody else removes it
        raise named(err, path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        for name, value in kept.items():
            setattr(cache, name, value)
    _dirty_marker(path).unlink(missing_ok=True)  # only now do the saved outputs describe the site
    write_stamp(path, cache)


def write_stamp(path: Path, cache: BuildCache) -> None:
    """The stamp of `cache`, saved at `path` (as it is on disk, by save_cache or loaded)."""
    fields = dataclasses.asdict(Stamp.of(cache))
    tmp = temp_path(path, "stamp")
    try:
        tmp.write_text(json.dumps([CACHE_VERSION, fields]))
        os.replace(tmp, _stamp_file(path))
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise named(err, _stamp_file(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def forget_outputs(path: Path, cache: BuildCache) -> None:
    """Record on disk that the site is about to change in place: if the build dies
    half-way, the next one must not trust the old output fingerprints. An empty marker
    file says so (the next load_cache drops the outputs; the page cache stays usable),
    instead of a second copy of the whole cache: that was 0.1 s per rebuild at 10k papers."""
    if not path.is_file():
        return  # no cache on disk: nothing that could be trusted
    _dirty_marker(path).touch()
    _stamp_file(path).unlink(missing_ok=True)
