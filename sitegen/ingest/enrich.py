"""`sitegen enrich`: look up the identifiers, authors and dates a digest did not give.

Online and opt-in, never part of a build. For each page missing an arXiv id, author
names or a publication date, the paper is looked up by its title (Hugging Face's paper
search, then the arXiv API); only a confident match is written into the page's front
matter (`arxiv`, `authors`, `published`, `pdf`, `hf`, as facts, never over a value the
page already has), so every later build stays offline and deterministic. Ambiguous
matches are listed, not guessed.

Confident means: the normalised titles are equal, or nearly equal (a typo, a dropped
subtitle mark) with the same first author (when the page names its authors) or the
same number of authors (when the digest gave the count). Anything else is listed.

The parsing and the choice are pure functions (candidates.py); `run_enrich` does the I/O, through
lookup.Service (the network) and pagewrite (the pages).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.core.identifiers import placeholder_title
from sitegen.core.layout import PAPERS_DIR
from sitegen.core.wording import count
from sitegen.ingest.candidates import Candidate, Choice, Malformed, arxiv_candidates, arxiv_id, choose, hf_candidates
from sitegen.pagefile.frontedit import set_keys
from sitegen.pagefile.pages import PageError, read_page
from sitegen.pagefile.pagewrite import Outcome, PageConflict, papers_lock, replace_page

if TYPE_CHECKING:
    from sitegen.ingest.lookup import Service

ENDPOINTS = {
    "hf": ("HF_ENDPOINT", "https://huggingface.co", 0.5),
    "arxiv": ("SITEGEN_ARXIV_ENDPOINT", "https://export.arxiv.org", 3.0),
}
"""Service -> (environment variable that overrides its address, default address,
seconds between requests: arXiv's API asks for 3)."""

# --------------------------------------------------------------------------- the run


@dataclass
class EnrichReport:
    looked_up: int = 0
    matched: list[str] = field(default_factory=list)
    ambiguous: list[tuple[str, tuple[Candidate, ...]]] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    requests: int = 0

    def summary(self) -> str:
        return (
            f"{count(self.looked_up, 'paper')} looked up: {len(self.matched)} matched, "
            f"{len(self.ambiguous)} ambiguous, "
            f"{len(self.not_found)} not found, {len(self.failed)} failed; {count(len(self.written), 'page')} written, "
            f"{count(self.requests, 'request')} sent"
        )


@dataclass(frozen=True)
class Wanted:
    slug: str
    path: Path
    title: str
    first_author: str | None
    author_count: int | None
    missing: tuple[str, ...]
    arxiv: str | None = None
    """The page's arXiv id: then the paper is looked up by it, and the answer is the paper."""


def wanted(meta: dict[str, Any], slug: str, path: Path) -> Wanted | None:
    """What a page lacks that a look-up could give, or None when it lacks nothing."""
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        return None
    authors = meta.get("authors")
    names = authors if isinstance(authors, list) and all(isinstance(a, str) for a in authors) and authors else None
    missing = tuple(
        key
        for key, have in (("arxiv", meta.get("arxiv")), ("authors", names), ("published", meta.get("published")))
        if not have
    )
    if not missing:
        return None
    count_ = authors if isinstance(authors, int) and not isinstance(authors, bool) else None
    known = arxiv_id(str(meta["arxiv"])) if meta.get("arxiv") else None
    return Wanted(slug, path, title, names[0] if names else None, count_, missing, known[0] if known else None)


def new_facts(meta: dict[str, Any], candidate: Candidate) -> dict[str, Any]:
    """The candidate's facts the page does not state yet (a value the page has is kept,
    but an author count gives way to the names, and a placeholder title to the real one)."""
    out: dict[str, Any] = {}
    if meta.get("title") == placeholder_title(candidate.arxiv) and candidate.title:
        out["title"] = candidate.title
    for key, value in candidate.facts().items():
        have = meta.get(key)
        if have in (None, "", []) or (key == "authors" and not isinstance(have, list)):
            out[key] = value
    return out


def services(cache: Path, environ: dict[str, str] | os._Environ[str] = os.environ) -> dict[str, Service]:
    """The look-up services (lookup.py is imported only by a command that goes online)."""
    from sitegen.ingest.lookup import Service

    made = {}
    for name, (variable, default, interval) in ENDPOINTS.items():
        base = environ.get(variable) or default
        interval = float(environ.get("SITEGEN_LOOKUP_INTERVAL", interval))
        timeout = float(environ.get("SITEGEN_LOOKUP_TIMEOUT", 15.0))
        made[name] = Service(name, base, interval, cache / "lookups" / name, timeout=timeout)
    return made


def ask_by_id(service: Service, arxiv: str) -> list[Candidate]:
    """The paper of this id, as the service knows it ([] when it does not)."""
    from sitegen.ingest.lookup import LookupFailed

    if service.name == "hf":
        try:
            return hf_candidates(b"[" + service.get(f"/api/papers/{arxiv}", {}) + b"]")
        except LookupFailed as err:
            if "HTTP 404" in str(err):
                return []
            raise
    return arxiv_candidates(service.get("/api/query", {"id_list": arxiv}))


def ask(service: Service, title: str) -> list[Candidate]:
    if service.name == "hf":
        return hf_candidates(service.get("/api/papers/search", {"q": title}))
    phrase = " ".join(re.sub(r"[^\w\s-]", " ", title).split())
    return arxiv_candidates(service.get("/api/query", {"search_query": f'ti:"{phrase}"', "max_results": "5"}))


def run_enrich(
    content: Path,
    cache: Path,
    use: Sequence[str] = ("hf", "arxiv"),
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    environ: dict[str, str] | os._Environ[str] = os.environ,
) -> EnrichReport:
    """Look up every page that lacks facts; write the confident matches (unless dry_run).
    Raises lookup.Unreachable (nothing written) when a service cannot be reached."""
    from sitegen.ingest.lookup import LookupFailed, Unreachable

    folder = content / PAPERS_DIR
    report = EnrichReport()
    todo: list[Wanted] = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        try:
            meta, _ = read_page(path.read_text(encoding="utf-8"), f"{PAPERS_DIR}/{path.name}")
        except (OSError, UnicodeDecodeError, PageError):
            continue  # the build reports unreadable pages; nothing to look up in them
        need = wanted(meta, path.stem, path)
        if need is not None:
            todo.append(need)
    clients = services(cache, environ)
    found: list[tuple[Wanted, Candidate]] = []
    try:
        for done, need in enumerate(todo):
            report.looked_up += 1
            choice, errors = Choice(None), []
            for name in use:
                try:
                    if need.arxiv is not None:
                        same = [c for c in ask_by_id(clients[name], need.arxiv) if c.arxiv == need.arxiv]
                        choice = Choice(same[0] if same else None)
                    else:
                        candidates = ask(clients[name], need.title)
                        choice = choose(need.title, candidates, need.first_author, need.author_count)
                except Unreachable:
                    raise
                except (LookupFailed, Malformed) as err:
                    errors.append(f"{name}: {err}")
                    continue
                if choice.match is not None or choice.close:
                    break
            if choice.match is not None:
                report.matched.append(need.slug)
                found.append((need, choice.match))
            elif choice.close:
                report.ambiguous.append((need.slug, choice.close))
            elif errors:
                report.failed.append((need.slug, "; ".join(errors)))
            else:
                report.not_found.append(need.slug)
            if progress is not None:
                progress(done + 1, len(todo))
    finally:
        for client in clients.values():
            client.close()
        report.requests = sum(c.requests for c in clients.values())
    if not dry_run and found:
        with papers_lock(folder):
            for need, candidate in found:
                if _write(need, candidate):
                    report.written.append(need.slug)
    elif dry_run:
        report.written = []
    return report


def _write(need: Wanted, candidate: Candidate) -> bool:
    source = f"{PAPERS_DIR}/{need.path.name}"

    def change(data: bytes) -> bytes | None:
        try:
            text = data.decode("utf-8")
            meta, _ = read_page(text, source)
            facts = new_facts(meta, candidate)
            return set_keys(text, facts, source).encode("utf-8") if facts else data
        except (UnicodeDecodeError, PageError):
            return None

    try:
        data = need.path.read_bytes()
    except OSError:
        return False
    new = change(data)
    if new is None or new == data:
        return False
    try:
        return replace_page(need.path, data, new, change) is Outcome.WRITTEN
    except PageConflict:
        return False


# --------------------------------------------------------------------------- the command


def cmd_enrich(args: argparse.Namespace) -> int:
    use = ("hf", "arxiv") if args.service == "both" else (args.service,)
    interactive = sys.stderr.isatty() and not args.quiet

    def progress(done: int, total: int) -> None:
        print(f"\renrich: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    from sitegen.ingest.lookup import Unreachable

    if not (args.content / PAPERS_DIR).is_dir():
        print(
            f"sitegen enrich: {args.content / PAPERS_DIR}: no such folder (run sitegen import first)", file=sys.stderr
        )
        return 2
    try:
        report = run_enrich(args.content, args.cache, use, args.dry_run, progress if interactive else None)
    except Unreachable as err:
        print(f"sitegen enrich: {err}; nothing changed", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"sitegen enrich: {err.filename or ''}: {err.strerror or err}; nothing changed", file=sys.stderr)
        return 2
    if not args.quiet:
        for slug, close in report.ambiguous:
            names = "; ".join(f"{c.arxiv} {c.title!r}" for c in close[:3])
            print(f"ambiguous: {slug}: {names}")
        for slug, why in report.failed:
            print(f"failed: {slug}: {why}")
        print(("dry run: " if args.dry_run else "") + report.summary())
    return 1 if report.failed else 0
