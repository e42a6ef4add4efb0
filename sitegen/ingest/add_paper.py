"""`sitegen add ID`: one paper by its arXiv id (or an arXiv or Hugging Face URL).

Online, the paper's title, abstract, authors and date come from Hugging Face (then the
arXiv API); offline (or with --offline) the page holds the id, its links and the
title `arXiv:ID` until `sitegen enrich` names it. Either way the page is the user's,
like an imported one: a digest that later lists the same paper updates it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sitegen.core.identifiers import placeholder_title
from sitegen.core.keys import paper_key
from sitegen.core.layout import PAPERS_DIR
from sitegen.core.models import Paper
from sitegen.ingest.enrich import Candidate, arxiv_id, ask_by_id, services
from sitegen.ingest.importer import load_taxonomy
from sitegen.ingest.papers import assign_slugs
from sitegen.pagefile.frontedit import set_keys
from sitegen.pagefile.pages import PageError, new_page, read_page
from sitegen.pagefile.pagewrite import create_page, papers_lock


def page_for(candidate: Candidate, abstract: str, tags: tuple[str, ...], today: str) -> str:
    """The new page: as an import would write it, plus the looked-up facts."""
    paper = Paper(
        key=paper_key(candidate.title),
        title=candidate.title,
        abstract=abstract,
        sources=(),
        authors=len(candidate.authors) or None,
        date=candidate.published,
        upvotes=candidate.upvotes,
        tags=tags,
        added=today,
    )
    text = new_page(paper, today)
    return set_keys(text, {k: v for k, v in candidate.facts().items() if k != "authors" or v}, "new page")


def _fail(message: str) -> int:
    print(f"sitegen add: {message}", file=sys.stderr)
    return 2


def cmd_add(args: argparse.Namespace) -> int:
    from sitegen.ingest.lookup import LookupFailed, Unreachable

    parsed = arxiv_id(args.paper)
    if parsed is None:
        return _fail(f"{args.paper!r} is not an arXiv id or an arXiv / Hugging Face paper URL")
    arxiv = parsed[0]
    folder = args.content / PAPERS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    existing: dict[str, str] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            meta, _ = read_page(path.read_text(encoding="utf-8"), f"{PAPERS_DIR}/{path.name}")
        except (OSError, UnicodeDecodeError, PageError):
            continue
        if str(meta.get("arxiv", "")).split("v")[0] == arxiv:
            if not args.quiet:
                print(f"{path.stem}: already in the list (arXiv {arxiv})")
            return 0
        if isinstance(meta.get("title"), str):
            existing[paper_key(meta["title"])] = path.stem
    found: Candidate | None = None
    abstract = ""
    note = "offline: the title is the id until `sitegen enrich` looks it up"
    if not args.offline:
        clients = services(args.cache)
        try:
            for name in ("hf", "arxiv"):
                try:
                    answers = [c for c in ask_by_id(clients[name], arxiv) if c.arxiv == arxiv]
                except Unreachable as err:
                    note = f"{err}: written offline"
                    break
                except (LookupFailed, ValueError) as err:
                    note = f"{name}: {err}: written offline"
                    continue
                if answers:
                    found, abstract, note = answers[0], answers[0].summary, f"found on {name}"
                    break
        finally:
            for client in clients.values():
                client.close()
    today = dt.date.today().isoformat()
    if found is None:
        candidate = Candidate(placeholder_title(arxiv), arxiv)
        tags: tuple[str, ...] = ()
    else:
        candidate = found
        tags = load_taxonomy(args.content).match(found.title, abstract)
    if paper_key(candidate.title) in existing:
        slug = existing[paper_key(candidate.title)]
        return _fail(f"{PAPERS_DIR}/{slug}.md has this title already: add `arxiv: {arxiv}` to it instead")
    taken = {p.stem for p in folder.glob("*.md")}
    slugs = assign_slugs({paper_key(candidate.title): candidate.title}, {}, taken)
    path = folder / f"{slugs[paper_key(candidate.title)]}.md"
    with papers_lock(folder):
        if not create_page(path, page_for(candidate, abstract, tags, today).encode("utf-8")):
            return _fail(f"{path}: appeared while it was being written; nothing written")
    if not args.quiet:
        print(f"{path.stem}: added ({note})")
    return 0
