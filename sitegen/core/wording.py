"""Counts in messages: `1 warning`, `2 warnings`, `1 entry`, `3 entries`.

One function, so that no message prints "1 digests read" or "1 warnings" again.
"""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """`n` and the noun in the form that agrees with it (`plural` defaults to singular + s)."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
