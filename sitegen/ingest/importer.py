"""`sitegen import`: digests on disk -> papers -> pages on disk.

The edge of the import: reading files, and writing only the pages whose content
changes. The decisions are made by the pure stages in digest, papers, pages and tags.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sitegen.config import Config
from sitegen.core.forkmap import fork_map
from sitegen.core.keys import paper_key
from sitegen.core.layout import DIGESTS_DIR, PAPERS_DIR, TAXONOMY_FILE
from sitegen.core.models import Digest, Paper, Problem
from sitegen.core.progress import Progress
from sitegen.core.resources import default_taxonomy_file
from sitegen.core.wording import count
from sitegen.ingest.digest import MAX_DIGEST_BYTES, decode, too_big
from sitegen.ingest.inputs import parse_input
from sitegen.ingest.matching import PageIdentity, match_pages
from sitegen.ingest.newpages import pays, write_new_pages
from sitegen.ingest.papers import assign_slugs, merge_digests, slug_fits
from sitegen.ingest.papersfolder import read_papers_folder
from sitegen.ingest.tagmemo import load_memo, save_memo
from sitegen.pagefile.pages import PageError, new_page, update_page
from sitegen.pagefile.pagewrite import Outcome, PageConflict, create_page, papers_lock, replace_page
from sitegen.taxonomy.tags import Taxonomy, parse_taxonomy


@dataclass
class ImportReport:
    digests: int = 0
    entries: int = 0
    papers: int = 0
    merged: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    """Pages changed by someone else while the import ran, whose new text the update
    no longer applies to: left as they are (reported)."""
    unreadable: int = 0
    """Digest files that could not be read at all (I/O error, not text)."""
    kept: list[str] = field(default_factory=list)
    """Pages no digest lists any more: kept, never deleted."""
    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    """(stage, seconds) in the order the stages ran: `--timings`."""
    _lap: float = field(default_factory=time.perf_counter, repr=False)

    def lap(self, stage: str) -> None:
        """Record the time since the last lap (or the start) as `stage`'s."""
        now = time.perf_counter()
        self.timings.append((stage, now - self._lap))
        self._lap = now

    def summary(self) -> str:
        return (
            f"{count(self.digests, 'digest')} read, {count(self.entries, 'entry', 'entries')}, "
            f"{count(self.papers, 'paper')} ({self.merged} merged), {self.new} new, {self.updated} updated, "
            f"{f'{self.skipped} skipped, ' if self.skipped else ''}"
            f"{count(len(self.problems), 'warning')}"
        )


def load_taxonomy(content: Path) -> Taxonomy:
    """The user's taxonomy, or the bundled one when the content folder has none."""
    return _taxonomy_and_text(content)[0]


def _taxonomy_and_text(content: Path) -> tuple[Taxonomy, str]:
    """`load_taxonomy`, with the text it was read from ("" for none)."""
    path = content / TAXONOMY_FILE
    if not path.is_file():
        path = default_taxonomy_file()
        if not path.is_file():
            return Taxonomy(rules=()), ""
    text = path.read_text(encoding="utf-8")
    return parse_taxonomy(text, str(path)), text


DIGESTS_PARALLEL_BYTES = 1_000_000
"""From this many bytes of digests two processes parse them quicker than one (about 0.1 s
a megabyte against about 0.05 s to start a process; README, Performance)."""


def _total_bytes(files: list[Path]) -> int:
    try:
        return sum(path.stat().st_size for path in files)
    except OSError:  # reading the file reports it
        return 0


def digest_files(content: Path) -> list[Path]:
    """The files of the digests folder but hidden ones and a README (any extension: the
    one `sitegen init` writes there says what to paste; it is not a listing)."""
    folder = content / DIGESTS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.stem.casefold() != "readme"
    )


def read_digest(path: Path, config: Config) -> tuple[Digest | None, Problem | None]:
    """Read and parse one digest file. A file that cannot be read gives (None, Problem);
    one read with a caveat (Windows-1252, not UTF-8) gives (Digest, Problem)."""
    try:
        size = path.stat().st_size
        if size > MAX_DIGEST_BYTES:  # refused before reading it into memory
            return None, too_big(path.name, size)
        with path.open("rb") as handle:
            data = handle.read(MAX_DIGEST_BYTES + 1)
    except OSError as err:
        return None, Problem(path.name, 0, f"not imported: cannot read ({err.strerror or err})")
    text, problem = decode(data, path.name)
    if text is None:
        return None, problem
    mtime_year = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).year
    return parse_input(text, path.name, year=config.year, mtime_year=mtime_year), problem


_TITLE_LINE = re.compile(r"^title[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)


def held_papers(papers: list[Paper], broken: dict[str, str], readable: set[str]) -> dict[str, str]:
    """Paper key -> slug of the unreadable page that belongs to it: the page's `title:`
    line names the paper or, for a page whose title names no paper (or that has none),
    the page's file name is a slug this paper's title gives."""
    by_title: dict[str, str] = {}
    for slug, text in sorted(broken.items()):
        match = _TITLE_LINE.search(text[:100_000])
        if match is None:
            continue
        raw = match.group(1).rstrip("\r")
        try:
            value = yaml.safe_load(f"t: {raw}")["t"]
        except Exception:  # noqa: BLE001 - the line is as broken as the rest: take it as written
            value = raw.strip("'\"")
        by_title.setdefault(paper_key(str(value)), slug)
    keys = {paper.key for paper in papers}
    untitled = sorted(set(broken) - {slug for key, slug in by_title.items() if key in keys})
    held: dict[str, str] = {}
    for paper in papers:
        if paper.key in readable:
            continue
        page = by_title.get(paper.key) or next((s for s in untitled if slug_fits(s, paper.key, paper.title)), None)
        if page is not None:
            held[paper.key] = page
    return held


def run_import(
    content: Path,
    config: Config,
    *,
    today: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    workers: int = 1,
) -> ImportReport:
    """Import the digests of `content` into its papers folder. `progress` shows the long
    steps' counts (reading digests, merging and tagging papers, writing pages); `workers`
    processes parse, tag and write a large import (`sitegen import` and `sitegen build`
    use the cores; `serve`'s builds after the first, when its threads run, use one)."""
    report = ImportReport()
    progress = progress or Progress(None)
    today = today or dt.date.today().isoformat()
    digests: list[Digest] = []
    files = digest_files(content)
    tell = progress.counter("import", "digest")
    done = 0
    parsers = workers if _total_bytes(files) >= DIGESTS_PARALLEL_BYTES else 1  # a file costs its size
    with fork_map(lambda path: read_digest(path, config), files, workers=parsers, minimum=2, chunk=1) as shares:
        for share in shares:
            for digest, problem in share:
                done += 1
                tell(done, len(files))
                if digest is None:
                    report.unreadable += 1
                    report.problems.append(problem)  # type: ignore[arg-type]
                    continue
                if problem is not None:
                    report.problems.append(problem)
                report.problems.extend(digest.problems)
                if digest.is_digest:
                    report.digests += 1
                    report.entries += len(digest.entries)
                    digests.append(digest)
    tell(len(files), len(files))
    report.lap("digests read")

    taxonomy, taxonomy_text = _taxonomy_and_text(content)
    memo = load_memo(content, taxonomy_text)
    report.lap("taxonomy loaded")
    papers = merge_digests(digests, taxonomy, progress=progress.counter("import", "paper"), workers=workers, memo=memo)
    if not dry_run:
        save_memo(content, taxonomy_text, memo)
    report.lap("papers merged and tagged")
    report.papers = len(papers)
    report.merged = sum(1 for p in papers if len(p.entries) > 1)

    folder = content / PAPERS_DIR
    on_disk = read_papers_folder(folder)
    report.problems.extend(on_disk.problems)
    readable, broken, occupied, by_hand, parsed = (
        on_disk.readable,
        on_disk.broken,
        on_disk.occupied,
        on_disk.by_hand,
        on_disk.parsed,
    )
    existing = keyed_pages(papers, readable)
    report.lap("pages read")

    # A paper whose page cannot be read stays with that page: it is not updated, and
    # no second page is made for it, until the page is fixed.
    held = held_papers(papers, broken, set(existing))
    for paper in papers:
        if paper.key in held:
            report.problems.append(
                Problem(
                    f"{PAPERS_DIR}/{held[paper.key]}.md", 0, f"not updated until this page is fixed: {paper.title!r}"
                )
            )
    active = [p for p in papers if p.key not in held]
    claim_retitled(active, existing, frozenset(i.slug for i in readable if i.arxiv or i.doi))
    slugs = assign_slugs({p.key: p.title for p in active}, {k: v[0] for k, v in existing.items()}, {*broken, *occupied})
    writes: list[tuple[Paper, Path, str]] = []
    # A large fresh import makes and writes its new pages in forked processes, under the lock.
    fresh = not dry_run and pays(workers, sum(1 for p in active if p.key not in existing))
    for paper in active:
        slug = slugs[paper.key]
        path = folder / f"{slug}.md"
        if paper.key in existing:
            source = f"{PAPERS_DIR}/{slug}.md"
            try:
                page_slug, page_text, _ = existing[paper.key]
                updated = update_page(page_text, paper, source, parsed[page_slug])
            except PageError as err:
                report.problems.append(err.problem)
                continue
            if updated is None:
                report.unchanged += 1
                continue
            text = updated
        else:
            text = "" if fresh else new_page(paper, today)
        writes.append((paper, path, text))
    report.lap("pages made")
    if writes and not dry_run:
        folder.mkdir(parents=True, exist_ok=True)
        tell = progress.counter("import", "page written", "pages written")
        with papers_lock(folder):
            made = [(p, path) for p, path, _ in writes if p.key not in existing] if fresh else []
            created = write_new_pages(made, today, workers, lambda n, _: tell(n, len(writes))) if made else {}
            for done, (paper, path, text) in enumerate(writes, 1):  # the count goes on from the forks' pages
                _write_page(report, paper, path, text, existing.get(paper.key), created.get(path))
                tell(max(done, len(created)), len(writes))
        report.lap("pages written")
    elif dry_run:
        for paper, path, _ in writes:
            report.written.append(path)
            if paper.key in existing:
                report.updated += 1
            else:
                report.new += 1

    listed = {p.key for p in papers}
    for key, (slug, _, _) in sorted(existing.items(), key=lambda kv: kv[1][0]):
        if key not in listed and slug not in by_hand:
            report.kept.append(slug)
            report.problems.append(Problem(f"{PAPERS_DIR}/{slug}.md", 0, "kept: no digest lists this paper any more"))
    return report


def keyed_pages(
    papers: list[Paper], readable: dict[PageIdentity, tuple[str, str, bytes]]
) -> dict[str, tuple[str, str, bytes]]:
    """The readable pages by the key of the paper each belongs to (see matching); a page
    no paper claims is keyed by its title, or, where a paper holds that key, its slug."""
    matched = match_pages(papers, readable, paper_key)
    by_slug = {ident.slug: page for ident, page in readable.items()}
    existing = {key: by_slug[slug] for key, slug in matched.items()}
    claimed = set(matched.values())
    taken = {paper.key for paper in papers} | set(existing)
    for ident, page in readable.items():
        if ident.slug not in claimed:
            key = ident.title_key if ident.title_key not in taken else f"{ident.title_key}\x00{ident.slug}"
            taken.add(key)
            existing[key] = page
    return existing


def claim_retitled(
    papers: list[Paper], existing: dict[str, tuple[str, str, bytes]], identified: frozenset[str] = frozenset()
) -> None:
    """Give a paper whose title matches no page the page whose title was edited by hand.

    A page is found by its title first; a page whose title names no paper in the
    digests, but whose file name is the slug this paper was given, is this paper's
    page with a title the user changed. It is moved to the paper's key in `existing`
    (so it is updated, and no second page is made); its title stays the user's. Pages
    that carry an identifier (`identified`, by slug) are found by it alone, not so.
    """
    keys = {paper.key for paper in papers}
    orphans = {slug: key for key, (slug, _, _) in existing.items() if key not in keys and slug not in identified}
    for paper in papers:
        if paper.key in existing or not orphans:
            continue
        slug = next((s for s in sorted(orphans) if slug_fits(s, paper.key, paper.title)), None)
        if slug is not None:
            existing[paper.key] = existing.pop(orphans.pop(slug))


def _write_page(
    report: ImportReport,
    paper: Paper,
    path: Path,
    text: str,
    read: tuple[str, str, bytes] | None,
    created: bool | None = None,
) -> None:
    """Write one page under the papers lock: a new page only where no file appeared in
    the meantime, an update only over the text it was computed from (see pagewrite).
    `created` is a new page's outcome when a forked process already wrote it (newpages)."""
    source = f"{PAPERS_DIR}/{path.name}"
    if read is None:
        if create_page(path, text.encode("utf-8")) if created is None else created:
            report.new += 1
            report.written.append(path)
        else:
            report.skipped += 1
            report.problems.append(Problem(source, 0, "not written: a file of this name appeared during the import"))
        return

    def rebase(current: bytes) -> bytes | None:
        try:
            updated = update_page(current.decode("utf-8"), paper, source)
        except (UnicodeDecodeError, PageError):
            return None
        return current if updated is None else updated.encode("utf-8")

    try:
        outcome = replace_page(path, read[2], text.encode("utf-8"), rebase)
    except PageConflict as conflict:
        report.skipped += 1
        report.problems.append(
            Problem(source, 0, f"saved twice during the import: the other version is in {conflict.kept.name}")
        )
        return
    if outcome is Outcome.WRITTEN:
        report.updated += 1
        report.written.append(path)
    elif outcome is Outcome.UNCHANGED:
        report.unchanged += 1
    else:
        report.skipped += 1
        report.problems.append(
            Problem(source, 0, "not updated: the page changed during the import and the update no longer fits it")
        )
