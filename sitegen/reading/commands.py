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
import textwrap
from pathlib import Path
from typing import Any

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
from sitegen.site.library import STATUSES, LibraryPaper, paper_from_page

NAME_HELP = "the paper: its slug, its exact title, or words of its title (quoted or not)"


def today() -> dt.date:
    """The date `mark ... read` records; tests replace it."""
    return dt.date.today()


# --------------------------------------------------------------------------- parser


def _command(
    commands: argparse._SubParsersAction,
    name: str,
    help: str,
    description: str,
    examples: str,
    quiet: str = "print errors only",
    **kw: Any,
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=textwrap.fill(description, 79),  # the raw formatter keeps the examples' layout
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        **kw,
    )
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help="content folder holding papers/ (default: content)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help=quiet)
    return parser


def _rating(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 5:
        raise argparse.ArgumentTypeError(f"expected a whole number 1-5, got {value!r}")
    return number


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2025-06-01, got {value!r}") from None


def register(commands: argparse._SubParsersAction) -> None:
    """Add mark, rate, note, tag and list to `sitegen`'s subcommands; each sets `func`,
    which takes the parsed arguments and returns the exit status."""
    statuses = ", ".join(STATUSES)
    mark = _command(
        commands,
        "mark",
        help="set a paper's reading status",
        description=f"Set the status of one paper ({statuses}). Marking a paper read also "
        "records today's date as read_on, unless the page already has one. Only that "
        "key changes in the page; an unknown or ambiguous name changes nothing.",
        examples="  sitegen mark scaling laws part reading\n"
        "  sitegen mark monet-mixture-of-monosemantic-experts-for-transformers read\n"
        "  sitegen mark 'OutlierTune' read --on 2025-06-01",
    )
    mark.add_argument("paper", nargs="+", metavar="PAPER", help=NAME_HELP)
    mark.add_argument("status", choices=STATUSES, metavar="STATUS", help=statuses)
    mark.add_argument("--on", type=_date, metavar="DATE", help="with 'read': the read_on date (default: today)")
    mark.set_defaults(func=cmd_mark)

    rate = _command(
        commands,
        "rate",
        help="rate a paper 1-5",
        description="Set the rating (1-5) of one paper.",
        examples="  sitegen rate monet 4",
    )
    rate.add_argument("paper", nargs="+", metavar="PAPER", help=NAME_HELP)
    rate.add_argument("rating", type=_rating, metavar="RATING", help="1 (poor) to 5 (excellent)")
    rate.set_defaults(func=cmd_rate)

    note = _command(
        commands,
        "note",
        help="add notes to a paper (opens $EDITOR, or appends -m TEXT)",
        description="Append TEXT as a new paragraph at the end of a paper's notes, or, "
        "without -m, open the page in $VISUAL or $EDITOR (default: vi).",
        examples="  sitegen note monet -m 'Sparse experts, one concept each.'\n"
        "  sitegen note scaling laws repeated data          # opens your editor",
    )
    note.add_argument("paper", nargs="+", metavar="PAPER", help=NAME_HELP)
    note.add_argument(
        "-m",
        "--message",
        action="append",
        metavar="TEXT",
        help="the paragraph to append (repeat for several paragraphs)",
    )
    note.set_defaults(func=cmd_note)

    tag = _command(
        commands,
        "tag",
        help="add (+tag) or remove (-tag) a paper's tags",
        description="Add and remove tags of one paper; without +TAG/-TAG, show its tags. "
        "Your tag edits survive every re-import. To remove a tag named like an option "
        "(-q), put -- before the tag changes.",
        examples="  sitegen tag monet +interpretability -other\n  sitegen tag outliertune            # show its tags\n"
        "  sitegen tag monet -- -q            # remove the tag 'q'",
        usage="%(prog)s [-h] [--content DIR] [-q] PAPER... [+TAG | -TAG ...]",
    )
    tag.add_argument(
        "words",
        nargs=argparse.REMAINDER,
        metavar="PAPER... [+TAG | -TAG ...]",
        help=NAME_HELP + ", then +TAG to add a tag and -TAG to remove one",
    )
    tag.set_defaults(func=cmd_tag)

    lst = _command(
        commands,
        "list",
        help="print a table of papers, filtered by status or tag",
        description="Print slug, status, rating, date and title of the matching papers, "
        "one per line, at most 100 columns wide.",
        examples="  sitegen list --status reading\n"
        "  sitegen list --status none --tag quantization --sort title\n"
        "  sitegen list --status read --sort rating",
        quiet="rows only: no header, count or warnings",
    )
    lst.add_argument(
        "--status",
        choices=(*STATUSES, reading.NO_STATUS),
        metavar="STATUS",
        help=f"only papers with this status ({statuses}, or none for papers without one)",
    )
    lst.add_argument("--tag", action="append", default=[], metavar="TAG", help="only papers with this tag (repeatable)")
    lst.add_argument(
        "--sort",
        choices=reading.SORTS,
        default="date",
        help="date (newest first, the default), title, added (newest first), rating (best first)",
    )
    lst.set_defaults(func=cmd_list)


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
