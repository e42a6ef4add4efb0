"""The Jinja2 environment every page is rendered with, and what it adds to Jinja:
the `rel`, `markdown` and `json_script` filters, the `cached` tag (partials.py),
template fingerprints that follow `extends`/`include`/`import`, and, where its tested
Jinja version is installed, a faster code generator (codegen.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from sitegen.build import codegen
from sitegen.build.partials import CachedExtension
from sitegen.core.escapes import replace_each
from sitegen.site.markdown import to_html

_new_str = str.__new__


@pass_context
def _rel(context: Context, target: str) -> str:
    """A site path as a link from the page being rendered (`root` leads to the site root).
    `root` looked up as `context["root"]` does, without its two method calls."""
    names = context.vars
    return str(names["root"] if "root" in names else context.parent["root"]) + target


def _json_script(value: Any) -> Markup:
    """JSON safe inside a <script> element: no `<`, `>` or `&` survive, nor U+2028/U+2029
    (line breaks to old JavaScript parsers). Compact, keys sorted; made with orjson and
    escaped as bytes (a paper page's JSON-LD: 20 us through json.dumps, under 9 this way)."""
    data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return _new_str(Markup, replace_each(data, _SCRIPT_ESCAPES).decode("utf-8"))


_SCRIPT_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


class SiteEnvironment(Environment):
    """Jinja's Environment, its templates' globals a plain dict. Jinja's own ChainMap
    (template globals over the environment's, so that a global set later reaches templates
    loaded before) is copied into every page's context and consulted at every
    `{% from ... import %}`, slowly for a ChainMap: at 10,000 papers the dict renders the
    site in about 6% less time. sitegen sets no globals once templates are loaded."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **d} if d else dict(self.globals)


def make_environment(template_dirs: list[Path]) -> Environment:
    """Templates from the first folder that has each file: the site's own
    `templates/` overrides the bundled theme file by file."""
    env = SiteEnvironment(
        loader=FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        extensions=[CachedExtension],
    )
    codegen.install(env)
    from sitegen.search.shards import BROWSE_WORD

    env.globals["browse_word"] = BROWSE_WORD
    env.filters["rel"] = _rel
    env.filters["markdown"] = lambda text: Markup(to_html(text))
    env.filters["json_script"] = _json_script
    return env


def clear_memo(env: Environment) -> None:
    """Forget the `{% cached %}` blocks' markup (a build does this first: what it keeps is its own)."""
    cached = env.extensions.get(CachedExtension.identifier)
    if isinstance(cached, CachedExtension):
        cached.clear()


@lru_cache(maxsize=256)
def _referenced(source: str, name: str, filename: str | None) -> tuple[str, ...]:
    """The templates `source` extends, includes or imports ("*" for a name computed at
    render time). A pure function of the text, so `serve` parses an unchanged template once.
    The default syntax is the only one make_environment sets up, and all this depends on."""
    tree = _PARSER.parse(source, name, filename)
    return tuple(sorted(r or "*" for r in meta.find_referenced_templates(tree)))


_PARSER = Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, extensions=[CachedExtension])


def template_key(env: Environment, name: str) -> str:
    """Hash of a template and, recursively, of every template it references."""

    @cache
    def key(template: str) -> str:
        assert env.loader is not None
        source, filename, _ = env.loader.get_source(env, template)
        digest = hashlib.sha1(source.encode("utf-8"))
        for other in _referenced(source, template, filename):
            # A name computed at render time could be any template: depend on all of them.
            targets = env.list_templates() if other == "*" else [other]
            for target in targets:
                if target != template:
                    digest.update(key(target).encode())
        return digest.hexdigest()

    return key(name)
