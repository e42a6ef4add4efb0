"""The arguments of `sitegen add` and `sitegen enrich`; their code (and the network client)
is imported only when one of them runs (see core/deferred.py)."""

from __future__ import annotations

import argparse
import textwrap

from sitegen.core.deferred import cache_option, content_option, deferred


def register_add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "add",
        help="add one paper by its arXiv id or URL",
        description="Write a page for one paper, named by its arXiv id or an arxiv.org or huggingface.co/papers "
        "URL; its facts are looked up online (unless --offline).",
        epilog="examples:\n  sitegen add 2403.12345\n  sitegen add https://huggingface.co/papers/2403.12345 --offline",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paper", help="arXiv id (2403.12345, hep-th/9901001) or an arXiv / Hugging Face URL")
    content_option(parser)
    cache_option(parser)
    parser.add_argument("--offline", action="store_true", help="write the id and its links only; no look-up")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.set_defaults(func=deferred("sitegen.ingest.add_paper", "cmd_add"))


def register_enrich(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "enrich",
        help="look up arXiv ids, authors and dates online (opt-in)",
        description=textwrap.fill(
            "Look up each paper that lacks an arXiv id, author names or a publication date "
            "(Hugging Face paper search, then the arXiv API) and write confident matches into its page. "
            "Answers are kept in .sitegen-cache/lookups/: a re-run asks nothing twice. Builds never go online.",
            79,
        ),
        epilog="examples:\n  sitegen enrich --dry-run     # what would be written\n  sitegen enrich --service arxiv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    content_option(parser)
    cache_option(parser)
    parser.add_argument(
        "--service",
        choices=("hf", "arxiv", "both"),
        default="both",
        help="where to look (default: both, Hugging Face first)",
    )
    parser.add_argument("--dry-run", action="store_true", help="look up and report; write nothing")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.set_defaults(func=deferred("sitegen.ingest.enrich", "cmd_enrich"))
