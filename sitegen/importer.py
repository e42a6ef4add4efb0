"""`sitegen import`: digests on disk -> papers -> pages on disk.

The edge of the import: reading files, and writing only the pages whose content
changes. The decisions are made by the pure stages in digest, papers, pages and tags.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .digest import decode, filename_date, parse_digest
from .models import Digest, Problem
from .pages import PageError, new_page, read_page, update_page
from .papers import assign_slugs, merge_digests, paper_key
from .resources import default_taxonomy_file
from .tags import Taxonomy, parse_taxonomy

DIGESTS_DIR = "digests"
PAPERS_DIR = "papers"
TAXONOMY_FILE = "taxonomy.yaml"


@dataclass
class ImportReport:
    digests: int = 0
    entries: int = 0
    papers: int = 0
    merged: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    unreadable: int = 0
    """Digest files that could not be read at all (I/O error, not text)."""
    kept: list[str] = field(default_factory=list)
    """Pages no digest lists any more: kept, never deleted."""
    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.digests} digests read, {self.entries} entries, {self.papers} papers "
            f"({self.merged} merged), {self.new} new, {self.updated} updated, "
            f"{len(self.problems)} warnings"
        )


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_taxonomy(content: Path) -> Taxonomy:
    """The user's taxonomy, or the bundled one when the content folder has none."""
    path = content / TAXONOMY_FILE
    if not path.is_file():
        path = default_taxonomy_file()
        if not path.is_file():
            return Taxonomy(rules=())
    return parse_taxonomy(path.read_text(encoding="utf-8"), str(path))


def digest_files(content: Path) -> list[Path]:
    folder = content / DIGESTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def read_digest(path: Path, config: Config) -> tuple[Digest | None, Problem | None]:
    """Read and parse one digest file; a file that cannot be read is a Problem."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return None, Problem(path.name, 0, f"not imported: cannot read ({err.strerror})")
    text, problem = decode(data, path.name)
    if text is None:
        return None, problem
    year = config.year
    if year is None and filename_date(path.name) is None:
        year = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).year
    return parse_digest(text, path.name, year=year), None


def run_import(content: Path, config: Config, *, today: str | None = None, dry_run: bool = False) -> ImportReport:
    report = ImportReport()
    today = today or dt.date.today().isoformat()
    digests: list[Digest] = []
    for path in digest_files(content):
        digest, problem = read_digest(path, config)
        if digest is None:
            report.unreadable += 1
            report.problems.append(problem)  # type: ignore[arg-type]
            continue
        report.problems.extend(digest.problems)
        if digest.is_digest:
            report.digests += 1
            report.entries += len(digest.entries)
            digests.append(digest)

    papers = merge_digests(digests, load_taxonomy(content))
    report.papers = len(papers)
    report.merged = sum(1 for p in papers if len(p.entries) > 1)

    folder = content / PAPERS_DIR
    existing: dict[str, tuple[str, str]] = {}  # key -> (slug, text)
    broken: set[str] = set()
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        source = f"{PAPERS_DIR}/{path.name}"
        try:
            text = path.read_bytes().decode("utf-8")
            meta, _ = read_page(text, source)
        except UnicodeDecodeError:
            report.problems.append(Problem(source, 0, "left untouched: not UTF-8 text"))
            broken.add(path.stem)
            continue
        except PageError as err:
            report.problems.append(
                Problem(err.problem.source, err.problem.line, f"left untouched: {err.problem.message}")
            )
            broken.add(path.stem)
            continue
        key = paper_key(str(meta.get("title") or ""))
        if key in existing:
            report.problems.append(Problem(source, 0, f"same paper as papers/{existing[key][0]}.md; left untouched"))
            broken.add(path.stem)
            continue
        existing[key] = (path.stem, text)

    slugs = assign_slugs({p.key: p.title for p in papers}, {k: v[0] for k, v in existing.items()}, broken)
    for paper in papers:
        slug = slugs[paper.key]
        path = folder / f"{slug}.md"
        if paper.key in existing:
            source = f"{PAPERS_DIR}/{slug}.md"
            try:
                text = update_page(existing[paper.key][1], paper, source)
            except PageError as err:
                report.problems.append(err.problem)
                continue
            if text is None:
                report.unchanged += 1
                continue
            report.updated += 1
        else:
            text = new_page(paper, today)
            report.new += 1
        if not dry_run:
            write_atomic(path, text.encode("utf-8"))
        report.written.append(path)

    listed = {p.key for p in papers}
    for key, (slug, _) in sorted(existing.items(), key=lambda kv: kv[1][0]):
        if key not in listed:
            report.kept.append(slug)
            report.problems.append(Problem(f"{PAPERS_DIR}/{slug}.md", 0, "kept: no digest lists this paper any more"))
    return report
