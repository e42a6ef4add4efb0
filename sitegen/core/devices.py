"""Every speed device sitegen has, by name, and the switch that turns them off.

A speed device is code that exists only to make a build faster: the output is the same
without it. Each is read here and nowhere else, as `devices.<name>` (a bool), so the
list below is the whole list, and a reference build without any of them proves the
output does not depend on them (tests/test_golden.py builds both ways).

    SITEGEN_REFERENCE=1              every device off: the reference build
    SITEGEN_DEVICES_OFF=patch,codegen  the named devices off (tests/bench/devices.py
                                       measures each against the reference)

Read from the environment at each use (not at import), so forked workers and `serve`
see what the command was started with, and a test can switch modes with monkeypatch.
Kept only while tests/bench/devices.py shows a device buys at least 5% of a 10,000-paper
full build, or is needed for the no-op (< 0.5 s) or saved-note (< 0.2 s) targets; the
figures are in README's Performance section.
"""

from __future__ import annotations

import os
from functools import lru_cache

from sitegen.core.errors import BuildError

DEVICES: dict[str, str] = {
    "codegen": "templates compiled by build/codegen.py (inline attribute lookups and escaping)",
    "cached_partials": "a `{% cached %}` block's markup kept for the build, by its key",
    "simple_yaml": "front matter of the shape sitegen writes read without YAML (pagefile/frontmatter.py)",
    "workers": "pages parsed and rendered by several processes (`--jobs`)",
    "early_writer": "a full build writes listings while a child process computes the related papers",
    "patch": "serve: the last build's jobs remade for the papers whose views changed (build/patch.py)",
    "related_standby": "related papers computed by a child process forked at start, while pages load",
    "gc_pause": "Python's cycle collector paused during a build or an import",
    "import_memo": "an import tags only papers the last import did not (ingest/tagmemo.py)",
}
"""Name -> what it does."""

REFERENCE = "SITEGEN_REFERENCE"
OFF = "SITEGEN_DEVICES_OFF"


class UnknownDevice(BuildError):
    """SITEGEN_DEVICES_OFF named a device that does not exist."""


@lru_cache(maxsize=8)
def _off(reference: str, off: str) -> frozenset[str]:
    if reference not in ("", "0"):
        return frozenset(DEVICES)
    names = frozenset(name.strip() for name in off.split(",") if name.strip())
    unknown = sorted(names - DEVICES.keys())
    if unknown:
        raise UnknownDevice(f"{OFF}: no speed device named {', '.join(unknown)} (known: {', '.join(DEVICES)})")
    return names


def switched_off() -> frozenset[str]:
    """The devices the environment turns off."""
    return _off(os.environ.get(REFERENCE, ""), os.environ.get(OFF, ""))


def reference() -> bool:
    """Whether every device is off."""
    return switched_off() == frozenset(DEVICES)


def __getattr__(name: str) -> bool:
    """`devices.patch` and the like: whether that device is on."""
    if name not in DEVICES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return name not in switched_off()
