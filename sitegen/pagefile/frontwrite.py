"""Writing a new page's front matter without PyYAML's Python representer, byte for byte as it would.

`yaml.dump` spends most of an import's writing time in PyYAML's Python layers (representing
and resolving every value), for a mapping whose shape `pages.new_page` fixes: string, int
and date scalars, lists of strings, and lists of one-level mappings. `dump_front` writes that
shape directly, choosing each string's style as the emitter does (plain when it may be read
back as the same string, else single-quoted) within a deliberately narrow set of strings;
anything outside it (double-quoted or multi-line strings, other types) gives None, and the
caller dumps with YAML. tests/test_frontwrite.py holds it to `yaml.dump` on real and random values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

_SAFE = re.compile("[\x20-\x7e\u00a1-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]+")
"""Characters both PyYAML's and libyaml's emitters print as they are in a quoted or plain
scalar (with allow_unicode): no tabs, breaks (NEL, U+2028/9), BOM, no-break space or
characters beyond the Basic Multilingual Plane, which libyaml escapes."""
_INDICATORS = frozenset(",[]{}#&*!|>'\"%@` ")
"""First characters after which the emitters never write a string plain."""
_UNSURE = frozenset("-?:.")
"""First characters after which it depends on what follows (`- a` but `-a`, `...`): left to YAML."""
_KEY = re.compile(r"[a-z_]+")


def _resolves_to_str(text: str, dumper: type) -> bool:
    """Whether `text` written plain reads back as a string: no implicit resolver (int,
    bool, null, timestamp...) of `dumper` claims it, as `BaseResolver.resolve` decides."""
    for match in _matchers(dumper, text[0]):  # noqa: SIM110 - no generator: 17 calls a page
        if match(text):
            return False
    return True


@functools.lru_cache(maxsize=1024)
def _matchers(dumper: type, first: str) -> tuple[Callable[[str], object], ...]:
    """The `match` of each implicit resolver `dumper` tries on a text starting with `first`
    (worked out once per character: a page has a hundred strings to check)."""
    resolvers = dumper.yaml_implicit_resolvers  # type: ignore[attr-defined]
    return tuple(regexp.match for _, regexp in resolvers.get(first, []) + resolvers.get(None, []))


def scalar(value: object, dumper: type) -> str | None:
    """`value` as the emitter writes it in block context, or None when unsure."""
    if type(value) is str:
        if not _SAFE.fullmatch(value) or value[0] in _UNSURE:
            return None  # empty, a character that may call for double quotes or escapes, or unsure
        plain = (
            value[0] not in _INDICATORS
            and value[-1] != " "
            and ": " not in value
            and " #" not in value
            and not value.endswith(":")
            and _resolves_to_str(value, dumper)
        )
        return value if plain else "'" + value.replace("'", "''") + "'"
    if type(value) is int:
        return str(value)
    if type(value) is date:
        return value.isoformat()
    return None


def dump_front(meta: dict[str, Any], dumper: type) -> str | None:
    """`yaml.dump(meta, Dumper=dumper, sort_keys=False, allow_unicode=True, width=<huge>,
    default_flow_style=False)` for a mapping of scalars, lists of scalars and lists of
    mappings of scalars; None for anything else or any value `scalar` is unsure of."""
    out: list[str] = []
    for key, value in meta.items():
        if not (isinstance(key, str) and _KEY.fullmatch(key) and _resolves_to_str(key, dumper)):
            return None
        if isinstance(value, (dict, tuple, set, datetime)):
            return None
        if not isinstance(value, list):
            text = scalar(value, dumper)
            if text is None:
                return None
            out.append(f"{key}: {text}\n")
            continue
        if not value:
            out.append(f"{key}: []\n")
            continue
        out.append(f"{key}:\n")
        for item in value:
            if type(item) is dict:
                if not item:
                    return None
                lead = "- "
                for inner_key, inner_value in item.items():
                    text = scalar(inner_value, dumper)
                    if text is None or not (
                        isinstance(inner_key, str) and _KEY.fullmatch(inner_key) and _resolves_to_str(inner_key, dumper)
                    ):
                        return None
                    out.append(f"{lead}{inner_key}: {text}\n")
                    lead = "  "
                continue
            text = scalar(item, dumper)
            if text is None:
                return None
            out.append(f"- {text}\n")
    return "".join(out)
