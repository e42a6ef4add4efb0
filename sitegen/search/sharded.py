"""Indexing the search shards: one Pagefind process per shard that changed, several at once.

Each shard's bundle goes into its own folder (`site/pagefind/` for shard 0, where a
one-shard site has always had it, `site/pagefind-N/` for the others). Beside Pagefind's
files each bundle holds `sitegen-order.json`, the sort values of its pages by result id,
and shard 0's holds `sitegen-shards.json`, the list of bundles, which the search page
reads to merge them. Why the order file: Pagefind's merged search orders results by
each index's own score, which for a sort is the page's rank *within its shard*, so a
sort over several shards interleaves them; the search page sorts by these values
instead, one shard or many, so that both give the same order.

Pagefind is given one shard's pages by a folder of hard links to them (same paths, so
the same URLs), made beside the site and removed after. A one-shard site is indexed
straight from the site as before.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import threading
import time
from collections.abc import Collection
from pathlib import Path

import orjson

from sitegen.build.output import replace_dir, unmark, work_dir
from sitegen.core.wording import count
from sitegen.search.budget import pagefind_budget_mb
from sitegen.search.index import PagefindRun, SearchError
from sitegen.search.shards import (
    ShardPlan,
    bundle_name,
    changed_shards,
    paper_slug,
    parallel_runs,
    same_pages,
    shard_of,
)

ORDER_FILE = "sitegen-order.json"
SHARDS_FILE = "sitegen-shards.json"
_BUNDLE = re.compile(r"pagefind(?:-[0-9]+)?")
_SORT_DATE = re.compile(rb'<meta name="sitegen:sort-date" content="([0-9-]*)"')
_UPVOTES = re.compile(rb'<meta name="sitegen:upvotes" content="([0-9]*)"')
_HEAD_BYTES = 16384
"""The sort values are meta tags in a paper page's head, within its first few kilobytes."""


def bundle_dirs(site: Path) -> list[Path]:
    """The search bundle folders a site holds (`pagefind`, `pagefind-N`)."""
    if not site.is_dir():
        return []
    return sorted(p for p in site.iterdir() if _BUNDLE.fullmatch(p.name) and p.is_dir())


def site_slugs(site: Path) -> list[str]:
    """The slugs of the paper pages a built site holds."""
    papers = site / "papers"
    if not papers.is_dir():
        return []
    return sorted(p.name for p in papers.iterdir() if (p / "index.html").is_file())


def remove_bundles(site: Path, keep: int = 0) -> None:
    """Remove the bundle folders of shards `keep` and up (all of them by default)."""
    keep_names = {bundle_name(i) for i in range(keep)}
    for folder in bundle_dirs(site):
        if folder.name not in keep_names:
            shutil.rmtree(folder)


def keep_bundles(old_site: Path, site: Path) -> None:
    """Carry every bundle of the old site into the new one (hard links, else copies)."""
    for folder in bundle_dirs(old_site):
        shutil.copytree(folder, site / folder.name, copy_function=_link_or_copy)


def _link_or_copy(src: str, dst: str) -> str:
    """Hard-link an unchanged file (copy across file systems)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def sort_values(page_head: bytes) -> tuple[int, int]:
    """A paper page's sort date (as YYYYMMDD, 0 when undated) and upvotes, read from the
    meta tags Pagefind sorts by; 0 for one a template left out."""
    date = _SORT_DATE.search(page_head)
    upvotes = _UPVOTES.search(page_head)
    return (
        int(date.group(1).replace(b"-", b"") or 0) if date else 0,
        int(upvotes.group(1) or 0) if upvotes else 0,
    )


def order_table(bundle: Path, site: Path) -> bytes:
    """The bundle's `sitegen-order.json`: per result id (a fragment's name), the page's
    sort date and upvotes, ids sorted, so the same pages give the same bytes."""
    rows = []
    for fragment in sorted((bundle / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(fragment.read_bytes())
        url = orjson.loads(raw[raw.index(b"{") :])["url"]
        slug = paper_slug(url.lstrip("/"))
        head = b""
        if slug is not None:
            with open(site / "papers" / slug / "index.html", "rb") as page:
                head = page.read(_HEAD_BYTES)
        rows.append((fragment.name.removesuffix(".pf_fragment"), *sort_values(head)))
    return orjson.dumps(
        {"v": 1, "ids": [r[0] for r in rows], "date": [r[1] for r in rows], "upvotes": [r[2] for r in rows]}
    )


def shards_manifest(shards: int) -> bytes:
    """Shard 0's `sitegen-shards.json`: every bundle folder, relative to the site root."""
    return orjson.dumps({"v": 1, "bundles": [bundle_name(i) + "/" for i in range(shards)]})


def _link_view(site: Path, home: Path, slugs: tuple[str, ...]) -> Path:
    """A work folder beside `home` holding hard links to these paper pages only."""
    view = work_dir(home, "pagefind-view")
    for slug in slugs:
        folder = view / "papers" / slug
        folder.mkdir(parents=True)
        _link_or_copy(str(site / "papers" / slug / "index.html"), str(folder / "index.html"))
    return view


class ShardedIndex:
    """Pagefind over the shards of a site that changed, started now; `wait()` for the
    bundles. Shards whose pages did not change keep their bundle: carried over from
    `previous` (the last site) into `site`, or left in place when `site` is the live
    site (`in_place`), where each new bundle is made beside it and swapped in. `touched`:
    the site paths written since the index was made (None when not known: then every
    shard whose key changed is indexed). At most `parallel_runs` Pagefind processes run
    at once, the first ones started before this returns: the caller writes other files
    meanwhile (the offline index)."""

    def __init__(
        self,
        site: Path,
        plan: ShardPlan,
        previous_key: str,
        *,
        previous: Path | None,
        home: Path,
        max_memory_mb: int,
        cores: int | None = None,
        touched: Collection[str] | None = None,
    ) -> None:
        self.site, self.plan, self.home = site, plan, home
        self.in_place = previous is not None and previous.resolve() == site.resolve()
        redo = set(changed_shards(plan, previous_key))
        if touched is not None:
            # A shard's key covers its pages' inputs, which change more often than their
            # bytes (a neighbour's note): a shard that holds the same pages as before
            # needs Pagefind only when one of them was written again.
            slugs = (paper_slug(path) for path in touched)
            written = {shard_of(slug, plan.shards) for slug in slugs if slug is not None}
            redo -= same_pages(plan, previous_key) - written
        source = previous if previous is not None else site
        for i in range(plan.shards):
            if not (source / bundle_name(i) / "pagefind.js").is_file():
                redo.add(i)
        if not self.in_place and previous is not None:
            for i in range(plan.shards):
                if i not in redo:
                    shutil.copytree(previous / bundle_name(i), site / bundle_name(i), copy_function=_link_or_copy)
        self.redo = sorted(redo)
        self.timings: list[tuple[str, float]] = []
        self.fresh: dict[int, Path] = {}
        self._queue = list(self.redo)
        self._lock = threading.Lock()
        self._errors: list[BaseException] = []
        self._active: dict[int, PagefindRun] = {}
        self._views: list[Path] = []
        self._stopped = False
        self._times: dict[int, float] = {}
        sizes = [len(plan.slugs[i]) for i in self.redo]
        # The budget is the whole build's: this process holds part of it while Pagefind runs.
        self.max_memory_mb, self.budget_mb = max_memory_mb, pagefind_budget_mb(max_memory_mb)
        runs = parallel_runs(sizes, self.budget_mb, cores or len(os.sched_getaffinity(0)))
        self.runs = runs
        self._threads = []
        try:
            for _ in range(min(runs, len(self._queue))):
                first = self._start_next()
                thread = threading.Thread(target=self._slot, args=(first,), daemon=True)
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        for thread in self._threads:
            thread.start()

    def _start_next(self) -> int | None:
        """Start Pagefind on the next shard in the queue (None when there is none)."""
        with self._lock:
            if not self._queue or self._stopped:
                return None
            shard = self._queue.pop(0)
        bundle = self.site / bundle_name(shard)
        if self.in_place:
            bundle = self.fresh[shard] = work_dir(self.home, "pagefind")
        if self.plan.shards == 1:
            source = self.site
        else:
            source = _link_view(self.site, self.home, self.plan.slugs[shard])
            with self._lock:
                self._views.append(source)
        self._times[shard] = time.perf_counter()
        run = PagefindRun(source, bundle)
        with self._lock:
            self._active[shard] = run
            stopped = self._stopped
        if stopped:  # stop() came while this one was starting
            run.stop()
        return shard

    def _slot(self, shard: int | None) -> None:
        """One Pagefind at a time, shard after shard, until the queue is empty."""
        try:
            while shard is not None:
                self._finish(shard)
                shard = self._start_next()
        except BaseException as err:  # noqa: BLE001 - handed to wait()
            with self._lock:
                self._errors.append(err)
                self._queue.clear()

    def _finish(self, shard: int) -> None:
        run = self._active[shard]
        run.wait()
        with self._lock:
            del self._active[shard]
        bundle = self.fresh.get(shard, self.site / bundle_name(shard))
        try:
            table = order_table(bundle, self.site)
        except (OSError, ValueError, EOFError, LookupError) as err:  # disk, gzip, JSON, shape
            raise SearchError(f"pagefind wrote an index that cannot be read ({bundle}): {err}") from None
        (bundle / ORDER_FILE).write_bytes(table)
        if shard == 0:
            (bundle / SHARDS_FILE).write_bytes(shards_manifest(self.plan.shards))
        seconds = time.perf_counter() - self._times[shard]
        self._times[shard] = seconds

    def wait(self) -> str:
        """Wait for every run, then put the new bundles in place; the summary line."""
        try:
            for thread in self._threads:
                thread.join()
            if self._errors:
                raise self._errors[0]
            if self.in_place:
                for shard, fresh in sorted(self.fresh.items()):
                    unmark(fresh)
                    replace_dir(fresh, self.site / bundle_name(shard))
                remove_bundles(self.site, keep=self.plan.shards)
        except BaseException:
            self.stop()
            raise
        finally:
            self._cleanup()
        total = self.plan.shards
        if self.redo:
            held, budget = self.max_memory_mb - self.budget_mb, self.max_memory_mb
            line = f"search budget: {self.budget_mb} MB for Pagefind ({held} MB held by sitegen of {budget})"
            self.timings.append((f"{line}, {count(self.runs, 'run')} at once", 0.0))
        for i, slugs in enumerate(self.plan.slugs):
            what = f"search shard {i + 1} of {total}: {count(len(slugs), 'page')}"
            self.timings.append((what if i in self._times else f"{what}, unchanged", self._times.get(i, 0.0)))
        if not self.redo:
            return "search index: unchanged"
        if total == 1:
            return "search index: pagefind + offline"
        return f"search index: pagefind, {len(self.redo)} of {total} shards indexed + offline"

    def stop(self) -> None:
        """End every Pagefind still running (the build failed meanwhile)."""
        with self._lock:
            self._stopped = True
            self._queue.clear()
            active = list(self._active.values())
        for run in active:
            run.stop()
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join()
        self._cleanup()

    def _cleanup(self) -> None:
        for view in self._views:
            shutil.rmtree(view, ignore_errors=True)
        self._views.clear()
        if self._errors or self._stopped:
            for fresh in self.fresh.values():
                shutil.rmtree(fresh, ignore_errors=True)


def index_in_place(
    site: Path, plan: ShardPlan, previous_key: str, max_memory_mb: int, touched: Collection[str] | None = None
) -> str:
    """Re-index the shards of a live site whose pages changed (`serve` once builds
    settle); the others keep their bundles. `touched` as for ShardedIndex."""
    index = ShardedIndex(
        site, plan, previous_key, previous=site, home=site, max_memory_mb=max_memory_mb, touched=touched
    )
    return index.wait()
