"""The arguments of `sitegen mark | rate | note | tag | list`; the commands themselves are in
commands.py, imported only when one of them runs (see core/deferred.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import textwrap
from typing import Any

from sitegen.core.deferred import content_option, deferred
from sitegen.core.models import STATUSES

COMMANDS = "sitegen.reading.commands"
NAME_HELP = "the paper: its slug, its exact title, or words of its title (quoted or not)"
SORTS = ("date", "title", "added", "rating")
"""`sitegen list --sort`."""
NO_STATUS = "none"
"""`sitegen list --status none`: papers without a status."""


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
    content_option(parser, "papers/")
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
    mark.set_defaults(func=deferred(COMMANDS, "cmd_mark"))

    rate = _command(
        commands,
        "rate",
        help="rate a paper 1-5",
        description="Set the rating (1-5) of one paper.",
        examples="  sitegen rate monet 4",
    )
    rate.add_argument("paper", nargs="+", metavar="PAPER", help=NAME_HELP)
    rate.add_argument("rating", type=_rating, metavar="RATING", help="1 (poor) to 5 (excellent)")
    rate.set_defaults(func=deferred(COMMANDS, "cmd_rate"))

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
    note.set_defaults(func=deferred(COMMANDS, "cmd_note"))

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
    tag.set_defaults(func=deferred(COMMANDS, "cmd_tag"))

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
        choices=(*STATUSES, NO_STATUS),
        metavar="STATUS",
        help=f"only papers with this status ({statuses}, or none for papers without one)",
    )
    lst.add_argument("--tag", action="append", default=[], metavar="TAG", help="only papers with this tag (repeatable)")
    lst.add_argument(
        "--sort",
        choices=SORTS,
        default="date",
        help="date (newest first, the default), title, added (newest first), rating (best first)",
    )
    lst.set_defaults(func=deferred(COMMANDS, "cmd_list"))
