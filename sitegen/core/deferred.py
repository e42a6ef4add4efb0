"""Subcommands whose code is imported only when they run, and the options they share.

`sitegen build` on an unchanged site takes a few tenths of a second, and importing every
command's implementation to describe its arguments would add a fifth to that. Each package
declares its arguments in a light module and names its command function by module and name.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path

Command = Callable[[argparse.Namespace], int]


def deferred(module: str, name: str) -> Command:
    """The function `module.name`, imported on its first call."""

    def call(args: argparse.Namespace) -> int:
        function: Command = getattr(importlib.import_module(module), name)
        return function(args)

    call.__qualname__ = call.__name__ = name
    call.target = (module, name)  # type: ignore[attr-defined]  # for the test that each one exists
    return call


def content_option(parser: argparse.ArgumentParser, holding: str = "") -> None:
    """`--content DIR`, every command's: the content folder (`holding` says what it reads there)."""
    what = f" holding {holding}" if holding else ""
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help=f"content folder{what} (default: content)",
    )


def cache_option(parser: argparse.ArgumentParser) -> None:
    """`--cache DIR`: where look-ups are kept (`add`, `enrich`)."""
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(".sitegen-cache"),
        metavar="DIR",
        help="cache folder (default: .sitegen-cache)",
    )
