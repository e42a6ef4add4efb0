"""Command line: argument parsing and exit codes only; the work is done elsewhere."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen import __version__
from sitegen.config import CONFIG_FILE, base_url_warning, load_config, parse_memory
from sitegen.core.deferred import content_option
from sitegen.core.errors import BuildError, InputError
from sitegen.core.progress import Progress
from sitegen.core.wording import count
from sitegen.ingest.arguments import register_add, register_enrich
from sitegen.reading.arguments import register as register_reading

if TYPE_CHECKING:
    from sitegen.build.pipeline import Project

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


def _common(parser: argparse.ArgumentParser) -> None:
    content_option(parser, "digests/, papers/, taxonomy.yaml, config.yaml")
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
    imp.add_argument("--timings", action="store_true", help="print how long each stage of the import took")
    imp.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes that tag a large import (default: one per core, at most 4)",
    )

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
    srv.add_argument(
        "--host", default="127.0.0.1", help="address to listen on, IPv4 or IPv6, e.g. ::1 (default: 127.0.0.1)"
    )
    srv.add_argument("--open", action="store_true", help="open the site in your browser once it is served")

    ini = commands.add_parser(
        "init",
        help="start a new reading list in DIR (default: the current folder)",
        description="Write content/ (config.yaml with every setting commented, the default "
        "taxonomy, an empty digests/), an empty templates/, .gitignore and a GitHub Pages "
        "workflow. Refuses to overwrite anything.",
    )
    ini.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR")

    register_reading(commands)
    register_enrich(commands)
    register_add(commands)
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
    parser.add_argument(
        "--base-url",
        default="",
        metavar="URL",
        help="absolute URL the site is published at, for feeds, sitemap and canonical links "
        "(overrides base_url in config.yaml and SITEGEN_BASE_URL)",
    )
    parser.add_argument(
        "--max-memory",
        type=_memory_size,
        default=0,
        metavar="SIZE",
        help="memory budget for the search indexing processes at once, e.g. 2G or 1500M "
        "(overrides max_memory in config.yaml; default 2G)",
    )
    parser.add_argument(
        "--drafts",
        action="store_true",
        help="include pages marked draft or private and notes after <!-- private --> (a local preview)",
    )


def _memory_size(text: str) -> int:
    """`--max-memory`: checked as the setting is; argparse reports a bad one (exit 2)."""
    try:
        return parse_memory(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _print_problems(problems: Sequence[object], verbose: bool, quiet: bool, limit: int = 20) -> None:
    if quiet:
        return
    shown = problems if verbose else problems[:limit]
    for problem in shown:
        print(f"warning: {problem}", file=sys.stderr)
    if len(problems) > len(shown):
        print(f"... {count(len(problems) - len(shown), 'more warning')} (-v shows all)", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from sitegen.core.collector import collector_paused
    from sitegen.ingest.importer import run_import
    from sitegen.taxonomy.parallel import default_workers

    config = load_config(args.content)
    progress = Progress.on_stderr(args.quiet)
    workers = args.jobs if args.jobs and args.jobs > 0 else default_workers()
    with collector_paused():  # a build's own import runs inside the build's pause
        report = run_import(args.content, config, dry_run=args.dry_run, progress=progress, workers=workers)
    progress.clear()
    _print_problems(report.problems, args.verbose, args.quiet)
    if args.verbose:
        for path in report.written:
            print(f"wrote {path}")
    if not args.quiet:
        print(("dry run: " if args.dry_run else "") + report.summary())
    if args.timings:
        _print_timings(report.timings)
    return EXIT_WARN if report.unreadable else EXIT_OK


def _project(args: argparse.Namespace) -> Project:
    from sitegen.build.pipeline import Project  # imported when used: `sitegen import` starts faster

    return Project(
        content=args.content,
        templates=args.templates,
        output=args.output,
        base_url=args.base_url,
        drafts=args.drafts,
        max_memory=args.max_memory,
    )


def cmd_build(args: argparse.Namespace) -> int:
    from sitegen.build.pipeline import build

    project = _project(args)
    progress = Progress.on_stderr(args.quiet)
    rendered = progress.counter("render", "file")

    def tell(files: int, total: int = 0) -> None:
        rendered(files, max(total, files))

    report = build(
        project,
        run_importer=not args.no_import,
        search=False if args.no_search else None,
        progress=tell if progress.enabled else None,
        workers=args.jobs,
    )
    progress.clear()
    relative = base_url_warning(report.base_url, str(args.content / CONFIG_FILE))
    _print_problems([*report.problems, *([relative] if relative else [])], args.verbose, args.quiet)
    if not args.quiet:
        if report.imported is not None:
            print(f"import: {report.imported.summary()}")
        print(report.summary())
    if args.timings:
        _print_timings(report.timings)
        if report.imported is not None and report.imported.timings:
            print("  of which the import:", file=sys.stderr)
            _print_timings(report.imported.timings, indent="    ")
    return EXIT_OK


def _print_timings(timings: Sequence[tuple[str, float]], indent: str = "  ") -> None:
    """`--timings`: one line per stage, on stderr (the summary stays alone on stdout)."""
    for stage, seconds in timings:
        print(f"{indent}{seconds:7.2f} s  {stage}", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    from sitegen.init import InitError, write_starter

    try:
        write_starter(args.dir)
    except InitError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as err:  # a folder that cannot be written: what was made so far stays
        print(f"error: {err.filename or args.dir}: {err.strerror or err}", file=sys.stderr)
        return EXIT_ERROR
    digests = args.dir / "content" / "digests"
    print(f"new reading list in {args.dir}: paste a Hugging Face listing into {digests}/, then run 'sitegen build'")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if not args.output.is_dir():
        print(f"error: {args.output} does not exist; run 'sitegen build' first", file=sys.stderr)
        return EXIT_ERROR
    from sitegen.site.check import check_site

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
        if args.command == "init":
            return cmd_init(args)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "serve":
            from sitegen.serve import serve
            from sitegen.serve_http import BindError

            try:
                return serve(
                    _project(args), args.host, args.port, quiet=args.quiet, verbose=args.verbose, browse=args.open
                )
            except BindError as err:
                print(f"error: {err}", file=sys.stderr)
                return EXIT_ERROR
    except (InputError, BuildError) as err:  # config.yaml, taxonomy.yaml, a page; a build
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as err:  # a full disk, a folder it may not write: a full build's old site is kept
        print(f"error: {describe_os_error(err)}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


def describe_os_error(err: OSError) -> str:
    """One line for an operating-system error: the file, then what went wrong
    (`site/x.html: No space left on device`), without Python's `[Errno 28]`."""
    reason = err.strerror or str(err)
    if err.filename is None:
        return reason
    if err.filename2 is not None:
        return f"{err.filename} -> {err.filename2}: {reason}"
    return f"{err.filename}: {reason}"


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
