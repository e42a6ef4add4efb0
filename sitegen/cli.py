"""Command line: argument parsing and exit codes only; the work is done elsewhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .config import ConfigError, load_config
from .importer import run_import
from .pages import PageError
from .tags import TaxonomyError

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder holding digests/, papers/, taxonomy.yaml, config.yaml (default: content)")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    noise.add_argument("-v", "--verbose", action="store_true", help="print every warning and file written")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description="Turn pasted paper listings into a reading-list website.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser("import", help="parse content/digests/ into content/papers/*.md",
                              description="Parse every digest in DIR/digests/ into one Markdown page per paper in "
                                          "DIR/papers/. Your edits to those pages are kept; only digest-owned facts "
                                          "and the taxonomy's tags are updated.")
    _common(imp)
    imp.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    return parser


def _print_problems(problems: Sequence[object], verbose: bool, quiet: bool, limit: int = 20) -> None:
    if quiet:
        return
    shown = problems if verbose else problems[:limit]
    for problem in shown:
        print(f"warning: {problem}", file=sys.stderr)
    if len(problems) > len(shown):
        print(f"... {len(problems) - len(shown)} more warnings (-v shows all)", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    config = load_config(args.content)
    report = run_import(args.content, config, dry_run=args.dry_run)
    _print_problems(report.problems, args.verbose, args.quiet)
    if args.verbose:
        for path in report.written:
            print(f"wrote {path}")
    if not args.quiet:
        print(("dry run: " if args.dry_run else "") + report.summary())
    return EXIT_WARN if report.unreadable else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "import":
            return cmd_import(args)
    except (ConfigError, TaxonomyError, PageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
