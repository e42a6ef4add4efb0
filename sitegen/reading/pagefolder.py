"""The reading commands' pages on disk: the papers folder read into slugs, titles and tags,
a name resolved to one page, and one page's read-change-write under the folder's lock
(re-applied to an editor's save made meanwhile). The commands themselves, and their
arguments, are in commands.py; the decisions in edits.py."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.core.layout import PAPERS_DIR
from sitegen.pagefile.pages import PageError, read_page
from sitegen.pagefile.pagewrite import Outcome, PageConflict, papers_lock, replace_page
from sitegen.reading import edits as reading

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2
"""As in cli.py (not imported from there: cli.py imports this module)."""


class Failed(Exception):
    """An error already worded for the user; the command exits 2."""


@dataclass
class Folder:
    paths: dict[str, Path] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    """Slug -> title; "" for a page whose title cannot be read (it still matches by slug)."""
    problems: list[str] = field(default_factory=list)
    tags: dict[str, set[str]] = field(default_factory=dict)
    """Tag -> slugs of the pages that have it (in `tags` or `auto_tags`)."""


def page_files(content: Path) -> list[Path]:
    folder = content / PAPERS_DIR
    if not folder.is_dir():
        raise Failed(f"{folder} does not exist; run 'sitegen import' first (or pass --content DIR)")
    return sorted(p for p in folder.glob("*.md") if p.is_file() and not p.name.startswith("."))


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise Failed(f"{path}: cannot read ({err.strerror})") from None


def decoded(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Failed(f"{path}: not UTF-8 text") from None


def read_text(path: Path) -> str:
    return decoded(read_bytes(path), path)


def load_folder(content: Path) -> Folder:
    found = Folder()
    for path in page_files(content):
        found.paths[path.stem] = path
        try:
            meta, _ = read_page(read_text(path), str(path))
            found.titles[path.stem] = str(meta.get("title") or "")
            for name in reading.tag_list(meta.get("tags")) + reading.tag_list(meta.get("auto_tags")):
                found.tags.setdefault(str(name), set()).add(path.stem)
        except (Failed, PageError) as err:
            found.titles[path.stem] = ""
            found.problems.append(str(err))
    return found


def find(args: argparse.Namespace, words: list[str], folder: Folder | None = None) -> tuple[str, Path]:
    folder = folder or load_folder(args.content)
    found = reading.resolve(" ".join(words), folder.titles)
    if isinstance(found, reading.Unresolved):
        message = found.message()
        if folder.problems and not found.matches:
            message += "\n(unreadable pages match by slug only: " + "; ".join(folder.problems[:3]) + ")"
        raise Failed(message)
    return found, folder.paths[found]


def say(args: argparse.Namespace, line: str) -> None:
    if not args.quiet:
        print(line)


def run(args: argparse.Namespace, work: Callable[[], int]) -> int:
    try:
        return work()
    except Failed as err:
        print(f"error: {err}", file=sys.stderr)
    except PageError as err:
        print(f"error: {err}; nothing written", file=sys.stderr)
    return EXIT_ERROR


def edit(
    args: argparse.Namespace,
    words: list[str],
    change: Callable[[str, str], reading.Edit],
    folder: Folder | None = None,
    after: Callable[[str], list[str]] | None = None,
) -> int:
    """Resolve the paper, apply `change` to its text, write it if it changed; `after`
    adds remarks about the paper it was applied to.

    The read-change-write holds the papers folder's lock, so parallel commands all
    land; a save by an editor in the meantime gets the change re-applied to it."""
    slug, path = find(args, words, folder)
    try:
        with papers_lock(path.parent):
            data = read_bytes(path)
            result = apply_change(change, decoded(data, path), path)
            if result.text is not None and result.text.encode("utf-8") != data:

                def rebase(current: bytes) -> bytes | None:
                    try:
                        again = change(current.decode("utf-8"), str(path))
                    except (UnicodeDecodeError, PageError, ValueError):
                        return None
                    return current if again.text is None else again.text.encode("utf-8")

                if replace_page(path, data, result.text.encode("utf-8"), rebase) is Outcome.SKIPPED:
                    raise Failed(
                        f"{path} changed while it was being edited and the change no longer fits it; nothing written"
                    )
    except PageConflict as conflict:
        raise Failed(str(conflict)) from None
    except OSError as err:
        raise Failed(f"{path}: cannot write ({err.strerror or err})") from None
    say(args, f"{slug}: " + "; ".join(result.messages))
    if result.text is not None and after is not None:
        for remark in after(slug):
            say(args, remark)
    return EXIT_OK


def apply_change(change: Callable[[str, str], reading.Edit], text: str, path: Path) -> reading.Edit:
    try:
        return change(text, str(path))
    except PageError:
        raise
    except ValueError as err:  # a value the pure functions refuse (an empty note)
        raise Failed(str(err)) from None
