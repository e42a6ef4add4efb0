"""Command line: argument parsing and exit codes only; the work is done elsewhere."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import BuildError, Project, build
from .check import check_site
from .config import ConfigError, load_config
from .enrich import register as register_enrich
from .importer import run_import
from .pages import PageError
from .reading_cli import register as register_reading
from .tags import TaxonomyError
from .wording import count

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help="content folder holding digests/, papers/, taxonomy.yaml, config.yaml (default: content)",
    )
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    noise.add_argument("-v", "--verbose", action="store_true", help="print every warning and file written")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen", description="Turn pasted paper listings into a reading-list website."
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import",
        help="parse content/digests/ into content/papers/*.md",
        description="Parse every digest in DIR/digests/ into one Markdown page per paper in "
        "DIR/papers/. Your edits to those pages are kept; only digest-owned facts "
        "and the taxonomy's tags are updated.",
    )
    _common(imp)
    imp.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")

    bld = commands.add_parser(
        "build",
        help="import, render the site into site/ and index it for search",
        description="Import changed digests, render every page into OUTPUT (default site/) "
        "and build the search index. The new site replaces the old one only when "
        "complete: a failed build leaves the old site untouched.",
    )
    _common(bld)
    _site_options(bld)
    bld.add_argument("--no-import", action="store_true", help="build from content/papers as they are")
    bld.add_argument("--no-search", action="store_true", help="skip the search index (faster)")
    bld.add_argument("--timings", action="store_true", help="print how long each stage of the build took")
    bld.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        metavar="N",
        help="processes that render a full build (default: the number of cores, at most 4)",
    )

    chk = commands.add_parser(
        "check",
        help="report broken internal links and missing assets in site/",
        description="Crawl the built site and report every internal link or asset that "
        "points to a missing file. Exits 1 when any is broken.",
    )
    chk.add_argument("--output", type=Path, default=Path("site"), metavar="DIR", help="site folder (default: site)")
    chk.add_argument("-q", "--quiet", action="store_true", help="print broken links only")

    srv = commands.add_parser(
        "serve",
        help="build, serve site/ on http://127.0.0.1:8000/, rebuild and reload on change",
        description="Build the site, serve it over http (loopback only by default), watch "
        "content/ and templates/, rebuild what changed and reload open pages. "
        "Build errors show in the terminal and in the browser; the server keeps "
        "running. Example: sitegen serve --port 8080",
    )
    _common(srv)
    _site_options(srv)
    srv.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")

    register_reading(commands)
    register_enrich(commands)
    return parser


def _site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--templates",
        type=Path,
        default=Path("templates"),
        metavar="DIR",
        help="your templates; each file overrides the bundled theme's (default: templates)",
    )
    parser.add_argument(
        "--output", type=Path, default=Path("site"), metavar="DIR", help="where the site is written (default: site)"
    )


def _print_problems(problems: Sequence[object], verbose: bool, quiet: bool, limit: int = 20) -> None:
    if quiet:
        return
    shown = problems if verbose else problems[:limit]
    for problem in shown:
        print(f"warning: {problem}", file=sys.stderr)
    if len(problems) > len(shown):
        print(f"... {count(len(problems) - len(shown), 'more warning')} (-v shows all)", file=sys.stderr)


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


def cmd_build(args: argparse.Namespace) -> int:
    project = Project(content=args.content, templates=args.templates, output=args.output)
    show = sys.stderr.isatty() and not args.quiet

    def progress(files: int) -> None:
        print(f"\rrendering: {count(files, 'file')} written", end="", file=sys.stderr, flush=True)

    report = build(
        project,
        run_importer=not args.no_import,
        search=False if args.no_search else None,
        progress=progress if show else None,
        workers=args.jobs,
    )
    if show:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    _print_problems(report.problems, args.verbose, args.quiet)
    if not args.quiet:
        if report.imported is not None:
            print(f"import: {report.imported.summary()}")
        print(report.summary())
    if args.timings:
        for stage, seconds in report.timings:
            print(f"  {seconds:7.2f} s  {stage}", file=sys.stderr)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if not args.output.is_dir():
        print(f"error: {args.output} does not exist; run 'sitegen build' first", file=sys.stderr)
        return EXIT_ERROR
    pages, broken = check_site(args.output)
    for link in broken:
        print(link)
    if not args.quiet:
        print(f"checked {count(pages, 'page')}: {count(len(broken), 'broken link')}")
    return EXIT_WARN if broken else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(args, "func"):
        return int(args.func(args))
    try:
        if args.command == "import":
            return cmd_import(args)
        if args.command == "build":
            return cmd_build(args)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "serve":
            from .serve import serve

            return serve(
                Project(content=args.content, templates=args.templates, output=args.output), args.host, args.port
            )
    except (ConfigError, TaxonomyError, PageError, BuildError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


ONE_SHOT = frozenset({"build", "import", "check"})
"""Commands after which the process has nothing left to do but exit."""


def run() -> None:
    """The `sitegen` program: main(), then exit. After a one-shot command everything is
    written and closed, and Python's own clean-up (taking apart the whole library object
    by object: 0.25 s at 10,000 papers) is skipped."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if len(sys.argv) > 1 and sys.argv[1] in ONE_SHOT:
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
