"""The Jinja2 environment every page is rendered with, and what it adds to Jinja:
the `rel`, `markdown` and `json_script` filters, template fingerprints that follow
`extends`/`include`/`import`, and a memo for macro calls.

The memo: a listing page shows 20 paper cards, and at 10,000 papers the site renders
46,000 cards for 20,000 distinct (paper, link depth) pairs; the card macro was most
of a listing's time. A macro imported from another template file (without context)
can see nothing but its arguments and the environment's globals, so with the same
arguments it returns the same markup: `MemoContext.call` keeps that markup for the
rest of the build. Only such macros, and only arguments that cannot change under it
(strings, numbers, None by value; frozen dataclass instances, which views are, by
identity) are memoised; any other call runs as Jinja runs it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import markupsafe
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, meta, pass_context, select_autoescape
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from .markdown import to_html

MEMO_LIMIT = 50_000
"""Memoised macro calls kept at once (about 1.5 KB of markup each); the memo starts
afresh when full, so memory stays bounded at any number of papers."""
_BY_VALUE = frozenset({str, int, float, bool, type(None)})
_SKIP = {"_loop_vars", "_block_vars"}
"""Keyword arguments Jinja adds to calls made inside loops and blocks, for functions
that take the context; macros never see them."""


class MacroMemo:
    """Markup of pure macro calls, by macro and arguments; see the module docstring."""

    def __init__(self, limit: int = MEMO_LIMIT) -> None:
        self.limit = limit
        self.entries: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
        """key -> (the arguments, kept alive so no id in a key is reused; the markup)."""
        self.pure: dict[int, tuple[Macro, bool]] = {}
        """id(macro) -> (the macro, kept alive; whether its closure sees only globals)."""
        self.hits = 0

    def clear(self) -> None:
        self.entries.clear()
        self.pure.clear()

    def call(self, environment: Environment, macro: Macro, args: tuple[Any, ...]) -> Any:
        key = _key(macro, args) if self._is_pure(environment, macro) else None
        if key is None:
            return macro(*args)
        hit = self.entries.get(key)
        if hit is not None:
            self.hits += 1
            return hit[1]
        markup = macro(*args)
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[key] = (args, markup)
        return markup

    def _is_pure(self, environment: Environment, macro: Macro) -> bool:
        known = self.pure.get(id(macro))
        if known is None:
            known = self.pure[id(macro)] = (macro, _sees_only_globals(environment, macro))
        return known[1]


def _key(macro: Macro, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """A key naming the call, or None when an argument could change under the memo."""
    key: list[Any] = [id(macro)]
    for arg in args:
        kind = type(arg)
        if kind in _BY_VALUE:
            key.append((kind, arg))
        elif _frozen(kind):
            key.append(id(arg))
        else:
            return None
    return tuple(key)


@cache
def _frozen(kind: type) -> bool:
    params = getattr(kind, "__dataclass_params__", None)
    return dataclasses.is_dataclass(kind) and params is not None and bool(params.frozen)


_PLUMBING = frozenset({"concat", "environment", "missing", "undefined", "cond_expr_undefined"})
"""Names Jinja's compiled templates bind once per template, the same for every call."""


def _sees_only_globals(environment: Environment, macro: Macro) -> bool:
    """True when the macro's result depends on its arguments and the environment's globals
    alone. Decided from the names its compiled function closes over: Jinja's plumbing,
    filters and tests (`t_1`), other macros, and a context (`context`, `resolve`) whose
    variables are macros and whose other values are the globals: a template imported
    without context. A macro of the page being rendered closes over the page's variables
    (`l_0_title`, or a context holding them) and is called as it is, every time."""
    allowed = environment.globals.keys()
    code, cells = macro._func.__code__, macro._func.__closure__ or ()
    for name, cell in zip(code.co_freevars, cells, strict=True):
        value = cell.cell_contents
        if name in _PLUMBING or (name.startswith("t_") and name[2:].isdigit()):
            continue
        if name.startswith("l_0_") and isinstance(value, Macro):
            continue
        context = getattr(value, "__self__", value)  # `resolve` is a bound method of the context
        if name not in ("context", "resolve") or not isinstance(context, Context):
            return False
        if not context.parent.keys() <= allowed or not all(isinstance(v, Macro) for v in context.vars.values()):
            return False
    return True


class MemoContext(Context):
    """Jinja's context, with calls of pure macros memoised (see MacroMemo)."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's own signature
        if type(__obj) is Macro:
            memo: MacroMemo | None = getattr(__self.environment, "macro_memo", None)
            if memo is not None and kwargs.keys() <= _SKIP:
                return memo.call(__self.environment, __obj, args)
        return super().call(__obj, *args, **kwargs)


try:  # markupsafe's C escaper; the pure-Python twin below gives the same text
    from markupsafe import _escape_inner as _escape_text  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - markupsafe without it

    def _escape_text(text: str) -> str:
        return (
            text.replace("&", "&amp;")
            .replace(">", "&gt;")
            .replace("<", "&lt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )


_new_str = str.__new__


def escape(value: Any) -> Markup:
    """markupsafe.escape, faster for the two common cases: a plain string (made Markup
    without going through Markup's Python-level constructor) and Markup already (returned
    as it is, not copied: the memoised paper cards are 1.5 KB each). A page has about 100
    escaped values; at 10,000 papers this saves about a second of rendering."""
    kind = type(value)
    if kind is str:
        return _new_str(Markup, _escape_text(value))  # type: ignore[no-any-return]
    if kind is Markup:
        return value  # type: ignore[no-any-return]
    return markupsafe.escape(value)


class FastEscapeTemplate(Template):
    """A Jinja template whose compiled code escapes output with `escape` above. The code
    Jinja generates looks up `escape` among its module globals, shared by the template's
    root, block and macro functions; this sets that one name."""

    @classmethod
    def from_code(cls, environment: Environment, code: Any, globals: Any, uptodate: Any = None) -> Template:  # noqa: A002
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = escape
        return template


@pass_context
def _rel(context: Any, target: str) -> str:
    """A site path as a link from the page being rendered (`root` leads to the site root)."""
    return str(context["root"]) + target


def _json_script(value: Any) -> Markup:
    """JSON safe inside a <script> element: no `<`, `>` or `&` survive."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def make_environment(template_dirs: list[Path], memo: bool = True) -> Environment:
    """Templates from the first folder that has each file: the site's own
    `templates/` overrides the bundled theme file by file."""
    env = Environment(
        loader=FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.template_class = FastEscapeTemplate
    env.filters["rel"] = _rel
    env.filters["markdown"] = lambda text: Markup(to_html(text))
    env.filters["json_script"] = _json_script
    if memo:
        env.context_class = MemoContext
        env.macro_memo = MacroMemo()  # type: ignore[attr-defined]
    return env


def clear_memo(env: Environment) -> None:
    """Forget memoised macro calls (a build does this first: what it keeps is its own)."""
    memo: MacroMemo | None = getattr(env, "macro_memo", None)
    if memo is not None:
        memo.clear()


@lru_cache(maxsize=256)
def _referenced(source: str, name: str, filename: str | None) -> tuple[str, ...]:
    """The templates `source` extends, includes or imports ("*" for a name computed at
    render time). A pure function of the text, so `serve` parses an unchanged template once.
    The default syntax is the only one make_environment sets up, and all this depends on."""
    tree = _PARSER.parse(source, name, filename)
    return tuple(sorted(r or "*" for r in meta.find_referenced_templates(tree)))


_PARSER = Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


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
