"""`{% cached key, ... %}...{% endcached %}`: a template author's declaration that a
block's markup depends on nothing but the listed keys, so it is rendered once per key
for the rest of the build (as Hugo's `partialCached`). The bundled `list.html` wraps its
paper cards in one: at 10,000 papers the listings show 46,000 cards for 20,000 distinct
(paper, link prefix) pairs, and the cards were most of a listing's time.

A variable the block only writes out as text can be declared so: `{% cached paper, root
as text %}` renders the card once per paper, with a placeholder for `root`, and writes the
value of `root` where the placeholder is at each use. The listings' cards are linked from
pages at three depths (`""`, `../../`, `../../../../`): this halves the cards rendered
(20,000 to 10,000 at 10,000 papers). A text variable is a string whose escaped form is
itself (the link prefixes are): any other value is rendered with, as a plain key. An empty
one is rendered as it is (its own entry), so `{% if root %}` in the block still holds; and
the page's own `root` holds the placeholder too while the block is rendered, so the `rel`
filter (which reads it from the page) writes it as well.

The declaration is the author's promise, not checked: a block that shows a value it does
not list as a key shows the first value it was rendered with, and a block that does more
with a text variable than write it out or test it (`root | length`) sees the placeholder.
A key is compared by value when it is a string, number, bool or None, and by identity when
it is a frozen dataclass instance (the views templates get are); with any other key the
block is rendered every time, as without the tag. A speed device (core/devices.py
`cached_partials`): switched off, every block is rendered every time.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import secrets
from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from markupsafe import Markup, escape

from sitegen.core import devices

LIMIT = 50_000
"""Blocks kept at once (a paper card is about 1.5 KB); the cache starts afresh when
full, so memory stays bounded at any number of papers."""
_BY_VALUE = frozenset({str, int, float, bool, type(None)})
_BLOCKS = itertools.count()
_PLACEHOLDER = f"\x00sitegen-text-{secrets.token_hex(8)}-{{}}\x00"
"""What a text variable is while its block is rendered for the cache (numbered): NUL never
reaches a page (library.clean_text drops it from every text), escaping leaves it as it is,
and the random part is this process's own."""
_new_str = str.__new__


@functools.cache
def _placeholder(number: int) -> str:
    return _PLACEHOLDER.format(number)


class CachedExtension(Extension):
    """The `cached` tag; its cache lives as long as the environment, and a build clears
    it first (`clear`), so nothing is kept from another build's values."""

    tags = {"cached"}

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.entries: dict[tuple[Any, ...], tuple[tuple[Any, ...], Markup]] = {}
        """key -> (the key values, kept alive so no id in a key is reused; the markup)."""
        self.limit = LIMIT
        self.hits = 0
        self.on = devices.cached_partials
        """Read when made and at each build's `clear`, not at each of the 46,000 cards."""
        self.kept = _Kept(self)
        """What a compiled block looks its use up in (see parse)."""

    def parse(self, parser: Parser) -> list[nodes.Node]:
        lineno = next(parser.stream).lineno
        keys: list[nodes.Expr] = []
        texts: list[str] = []  # variables the block writes out as text (`root as text`)
        while True:
            key = parser.parse_expression()
            if parser.stream.skip_if("name:as"):
                parser.stream.expect("name:text")
                if not isinstance(key, nodes.Name):
                    parser.fail("only a variable can be declared 'as text'", key.lineno)
                texts.append(key.name)
            else:
                keys.append(key)
            if not parser.stream.skip_if("comma"):
                break
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        # The same keys in two blocks are two entries: each block compiled gets its own name.
        number = next(_BLOCKS)
        use = [
            nodes.Const(f"{parser.name}:{lineno}:{number}"),
            nodes.Tuple(keys, "load"),
            nodes.Tuple([nodes.Name(name, "load") for name in texts], "load"),
        ]
        # The body is a macro taking the text variables, so the cache can hand it placeholders.
        params = [nodes.Name(name, "param") for name in texts]
        names = [nodes.Const(tuple(texts)), nodes.ContextReference()]
        render = nodes.CallBlock(self.call_method("_render", [*use, *names]), params, [], body)
        # A use whose markup is kept is looked up by item access (`kept[use]`): Jinja would
        # make a macro of the body and call through the context at every use, which cost
        # as much as the card's lookup itself.
        hit = f"_sg_cached_{number}"
        lookup = nodes.Getitem(self.attr("kept"), nodes.Tuple(use, "load"), "load")
        return [
            nodes.Assign(nodes.Name(hit, "store"), lookup).set_lineno(lineno),
            nodes.If(
                nodes.Test(nodes.Name(hit, "load"), "none", [], [], None, None),
                [render],
                [],
                [nodes.Output([nodes.Name(hit, "load")])],
            ).set_lineno(lineno),
        ]

    def _lookup(self, where: str, values: tuple[Any, ...], texts: tuple[Any, ...]) -> tuple[Any, Markup | None]:
        """(the use's key, or None when it is not to be cached; its kept markup, with the
        text variables written in, or None)."""
        key = _key(where, values) if self.on else None
        if key is None:
            return None, None
        if texts:
            if not _plain(texts):
                return None, None
            key += tuple([text == "" for text in texts])
        hit = self.entries.get(key)
        if hit is None:
            return key, None
        self.hits += 1
        return key, _written_in(hit[1], texts)

    def _render(
        self,
        where: str,
        values: tuple[Any, ...],
        texts: tuple[Any, ...],
        names: tuple[str, ...],
        context: Context,
        caller: Callable[..., Markup],
    ) -> Markup:
        """The block's markup for this use: kept, or rendered (with placeholders for the
        text variables, which are then written in) and kept. While the block is rendered
        for the cache, the page's own variables of those `names` hold the placeholders too,
        so what reads them from the page (the `rel` filter reads `root`) writes them."""
        key, markup = self._lookup(where, values, texts)
        if markup is not None:
            return markup
        if key is None:
            return caller(*texts)
        placeholders = [text and _placeholder(i) for i, text in enumerate(texts)]
        page = context.vars
        saved = {name: page[name] for name in names if name in page}
        page.update(zip(names, placeholders, strict=True))
        try:
            markup = caller(*placeholders)
        finally:
            for name in names:
                if name in saved:
                    page[name] = saved[name]
                else:
                    del page[name]
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[key] = (values, markup)
        return _written_in(markup, texts)

    def clear(self) -> None:
        self.entries.clear()
        self.hits = 0
        self.on = devices.cached_partials


class _Kept:
    """`kept[(where, values, texts)]`: the markup kept for a use of a block, or None."""

    __slots__ = ("_lookup",)

    def __init__(self, extension: CachedExtension) -> None:
        self._lookup = extension._lookup

    def __getitem__(self, use: tuple[str, tuple[Any, ...], tuple[Any, ...]]) -> Markup | None:
        return self._lookup(*use)[1]


_PLAIN: set[str] = set()
"""Text variables' values known to be strings that escaping leaves as they are (link
prefixes: a handful), so a use does not escape them again."""


def _plain(texts: tuple[Any, ...]) -> bool:
    """Whether each of `texts` is a string that escaping leaves as it is (remembered in
    _PLAIN; the type first: a list is not hashable)."""
    for text in texts:
        if type(text) is not str:
            return False
        if text not in _PLAIN:
            if escape(text) != text:
                return False
            if len(_PLAIN) > 1000:
                _PLAIN.clear()
            _PLAIN.add(text)
    return True


def _written_in(markup: Markup, texts: tuple[Any, ...]) -> Markup:
    """`markup` with the text variables' values where their placeholders are."""
    if not texts:
        return markup
    out = markup.__str__()
    for i, text in enumerate(texts):
        if text:  # an empty one was rendered as it is
            out = out.replace(_placeholder(i), text)
    return _new_str(Markup, out)


def _key(where: str, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """A key naming the block and its values, or None when a value could change under it."""
    key: list[Any] = [where]
    for value in values:
        kind = type(value)
        if kind in _BY_VALUE:
            key.append((kind, value))
        elif _frozen(kind):
            key.append(id(value))
        else:
            return None
    return tuple(key)


def _frozen(kind: type) -> bool:
    """Whether instances of `kind` are frozen dataclasses (remembered by type)."""
    known = _FROZEN.get(kind)
    if known is None:
        params = getattr(kind, "__dataclass_params__", None)
        known = _FROZEN[kind] = dataclasses.is_dataclass(kind) and params is not None and bool(params.frozen)
    return known


_FROZEN: dict[type, bool] = {}
