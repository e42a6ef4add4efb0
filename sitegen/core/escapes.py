"""Escaping by a short table of replacements, shared by the feeds (XML text and
attributes), the templates' `json_script` filter and the offline search index."""

from __future__ import annotations

from typing import AnyStr


def replace_each(text: AnyStr, replacements: tuple[tuple[AnyStr, AnyStr], ...]) -> AnyStr:
    """`text` with each (raw, escaped) pair replaced in order, by str/bytes.replace where
    the raw part occurs: several times faster than str.translate with a table, which looks
    up every character. Order matters when one escape's output holds another's input
    (`&` goes first in XML)."""
    for raw, escaped in replacements:
        if raw in text:
            text = text.replace(raw, escaped)
    return text
