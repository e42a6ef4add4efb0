"""The pages already in content/papers, read for an import: the ones it may update, and the
ones it leaves alone (and why), each reported with its file.

A page that cannot be read (not UTF-8, broken front matter, a second page of the same paper)
is never written by the import: its paper waits until the page is fixed (importer.held_papers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.core.keys import paper_key
from sitegen.core.layout import PAPERS_DIR
from sitegen.core.models import Problem
from sitegen.ingest.matching import PageIdentity, PageTwins, page_identity
from sitegen.pagefile.pages import PageError, PageText, read_page


@dataclass
class PapersFolder:
    """What `read_papers_folder` found."""

    readable: dict[PageIdentity, tuple[str, str, bytes]] = field(default_factory=dict)
    """Each readable page by its identity: (slug, text, bytes as read)."""
    broken: dict[str, str] = field(default_factory=dict)
    """slug -> the text of a page left untouched, as far as it decodes."""
    occupied: set[str] = field(default_factory=set)
    """Names taken by something that is not a page (a folder named like one)."""
    by_hand: set[str] = field(default_factory=set)
    """Pages with no `sources` (added by hand, or by `sitegen add`): no digest is expected to list them."""
    parsed: dict[str, tuple[dict[str, Any], PageText]] = field(default_factory=dict)
    """slug -> what read_page made of a readable page."""
    problems: list[Problem] = field(default_factory=list)
    """One per page left untouched, in the pages' order."""


def read_papers_folder(folder: Path) -> PapersFolder:
    """Read every page of `folder` (none when it does not exist yet)."""
    found = PapersFolder()
    twins = PageTwins()
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        source = f"{PAPERS_DIR}/{path.name}"
        if not path.is_file():  # a folder named like a page: its name is taken, nothing else
            found.occupied.add(path.stem)
            continue
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
            meta, parts = read_page(text, source)
        except OSError as err:
            found.problems.append(Problem(source, 0, f"left untouched: cannot read ({err.strerror or err})"))
            found.broken[path.stem] = ""
            continue
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            found.problems.append(Problem(source, line, "left untouched: not UTF-8 text"))
            found.broken[path.stem] = data.decode("cp1252", "replace")  # an editor's legacy encoding, most likely
            continue
        except PageError as err:
            found.problems.append(
                Problem(err.problem.source, err.problem.line, f"left untouched: {err.problem.message}")
            )
            found.broken[path.stem] = text
            continue
        ident = page_identity(path.stem, meta, paper_key)
        twin = twins.find(ident)
        if twin is not None:
            found.problems.append(Problem(source, 0, f"same paper as papers/{twin.slug}.md; left untouched"))
            found.broken[path.stem] = text
            continue
        found.readable[ident] = (path.stem, text, data)
        found.parsed[path.stem] = (meta, parts)
        twins.add(ident)
        if not meta.get("sources"):
            found.by_hand.add(path.stem)  # added by hand (`sitegen add`, or typed): no digest is expected to list it
    return found
