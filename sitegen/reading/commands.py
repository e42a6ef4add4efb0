"""`sitegen mark | rate | note | tag | list`: keeping the reading list from the shell.

Argument parsing and the commands only; the decisions (which page a name means, how its
text changes) are in edits.py, reading and writing the pages in pagefolder.py. Each command
edits at most the one page it names, writes it atomically, and changes nothing when the
name is unknown or ambiguous.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import subprocess
import sys
from pathlib import Path

from sitegen.pagefile.pages import PageError, read_page
from sitegen.reading import edits as reading
from sitegen.reading.pagefolder import (
    EXIT_OK,
    EXIT_WARN,
    Failed,
    edit,
    find,
    load_folder,
    page_files,
    read_text,
    run,
    say,
)
from sitegen.site.library import LibraryPaper, paper_from_page


def today() -> dt.date:
    """The date `mark ... read` records; tests replace it."""
    return dt.date.today()


# --------------------------------------------------------------------------- commands


def cmd_mark(args: argparse.Namespace) -> int:
    def work() -> int:
        if args.on is not None and args.status != "read":
            raise Failed("--on goes with 'read' (it sets read_on)")
        return edit(args, args.paper, lambda text, src: reading.mark(text, args.status, today(), src, args.on))

    return run(args, work)


def cmd_rate(args: argparse.Namespace) -> int:
    return run(args, lambda: edit(args, args.paper, lambda text, src: reading.rate(text, args.rating, src)))


def cmd_note(args: argparse.Namespace) -> int:
    def append(text: str, source: str) -> reading.Edit:
        for message in args.message:
            text = reading.append_note(text, message, source).text or text
        count = len(args.message)
        return reading.Edit(text, (f"{count} paragraph{'s' if count > 1 else ''} added to the notes",))

    def work() -> int:
        if args.message:
            return edit(args, args.paper, append)
        return _open_editor(args)

    return run(args, work)


def _open_editor(args: argparse.Namespace) -> int:
    slug, path = find(args, args.paper)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        before = path.read_bytes()
    except OSError as err:
        raise Failed(f"{path}: cannot read ({err.strerror})") from None
    try:
        status = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
    except (OSError, ValueError) as err:
        raise Failed(f"cannot run the editor {editor!r}: {getattr(err, 'strerror', None) or err}") from None
    try:
        after = path.read_bytes()
    except OSError:
        raise Failed(f"{path} is gone after editing") from None
    say(args, f"{slug}: {'changed' if after != before else 'unchanged'} ({path})")
    if status != 0:
        raise Failed(f"the editor {editor!r} exited with status {status}")
    if after != before:
        try:
            paper_from_page(after.decode("utf-8"), slug, str(path))
        except UnicodeDecodeError:
            print(f"warning: {path}: not UTF-8 text any more; the build will stop on it", file=sys.stderr)
            return EXIT_WARN
        except PageError as err:
            print(f"warning: {err} (the build will stop on it until it is fixed)", file=sys.stderr)
            return EXIT_WARN
    return EXIT_OK


def _tag_words(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The paper's words and the +TAG/-TAG words of `sitegen tag`.

    Its words are taken as they come (a tag may start with '-'), so the command's own
    options are picked out here wherever they stand: -q/--quiet and --content DIR.
    After `--`, every word is the paper's name or a tag change, `-q` a tag to remove.
    """
    name: list[str] = []
    changes: list[str] = []
    words = list(args.words)
    literal = False
    while words:
        word = words.pop(0)
        if not literal and word == "--":
            literal = True
        elif not literal and word in ("-q", "--quiet"):
            args.quiet = True
        elif not literal and (word == "--content" or word.startswith("--content=")):
            value = word.partition("=")[2] if "=" in word else (words.pop(0) if words else "")
            if not value:
                raise Failed("--content needs a folder: --content DIR")
            args.content = Path(value)
        elif changes or word[:1] in ("+", "-"):
            changes.append(word)
        else:
            name.append(word)
    return name, changes


def cmd_tag(args: argparse.Namespace) -> int:
    def work() -> int:
        name, changes = _tag_words(args)
        if not name:
            raise Failed("name the paper first: sitegen tag PAPER +TAG -TAG")
        try:
            ops = reading.parse_tag_ops(changes)
        except ValueError as err:
            raise Failed(str(err)) from None
        if not ops:
            slug, path = find(args, name)
            meta, _ = read_page(read_text(path), str(path))
            tags = reading.tag_list(meta.get("tags"))
            print(f"{slug}: tags: {', '.join(map(str, tags)) if tags else '(none)'}")
            return EXIT_OK
        folder = load_folder(args.content)

        def new_tags(slug: str) -> list[str]:
            return [
                f"note: {name} is a new tag (no other paper has it)"
                for sign, name in ops
                if sign == "+" and not folder.tags.get(name)  # on no page before, this one included
            ]

        return edit(args, name, lambda text, src: reading.tag(text, ops, src), folder, new_tags)

    return run(args, work)


def cmd_list(args: argparse.Namespace) -> int:
    def work() -> int:
        papers: list[LibraryPaper] = []
        problems = []
        for path in page_files(args.content):
            try:
                papers.append(paper_from_page(read_text(path), path.stem, str(path)))
            except (Failed, PageError) as err:
                problems.append(str(err))
        if not args.quiet:
            for problem in problems:
                print(f"warning: skipped {problem}", file=sys.stderr)
        chosen = reading.select(papers, args.status, args.tag, args.sort)
        try:
            if chosen:
                print("\n".join(reading.table(chosen, header=not args.quiet)), flush=True)
        except BrokenPipeError:  # `sitegen list | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        if not args.quiet:
            missing = reading.unknown_tags(papers, args.tag)
            hint = f" (no paper is tagged {', '.join(missing)})" if missing else ""
            print(f"{len(chosen)} of {len(papers)} papers{hint}")
        return EXIT_WARN if problems else EXIT_OK

    return run(args, work)
