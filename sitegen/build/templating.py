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
identity) are memoised; any other call runs as Jinja runs it. A macro whose `root`
argument (the link prefix, which differs between `tags/x/` and `tags/x/page/2/`) is only
ever output as it is renders once with a mark in its place, and each call puts its
prefix in: one card per paper instead of one per paper and depth (_link_prefix_at).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import MutableMapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import markupsafe
import orjson
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    meta,
    nodes,
    pass_context,
    select_autoescape,
)
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from sitegen.core.escapes import replace_each
from sitegen.site.markdown import to_html

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
        self.pure: dict[int, tuple[Macro, bool, int | None]] = {}
        """id(macro) -> (the macro, kept alive; whether its closure sees only globals; the
        position of its link-prefix parameter when that is only ever output (_link_prefix_at))."""
        self.hits = 0

    def clear(self) -> None:
        self.entries.clear()
        self.pure.clear()

    def call(self, environment: Environment, macro: Macro, args: tuple[Any, ...]) -> Any:
        known = self.pure.get(id(macro))
        if known is None:
            pure = _sees_only_globals(environment, macro)
            at = _link_prefix_at(environment, macro) if pure else None
            known = self.pure[id(macro)] = (macro, pure, at)
        if not known[1]:
            return macro(*args)
        at, root, called = known[2], None, args
        if at is not None and at < len(args) and type(args[at]) is str and escape(args[at]) == args[at]:
            root = args[at]  # rendered once with ROOT_MARK in its place, for every link depth
            called = (*args[:at], ROOT_MARK, *args[at + 1 :])
        key = _key(macro, called)
        if key is None:
            return macro(*args)
        hit = self.entries.get(key)
        if hit is not None:
            self.hits += 1
            markup = hit[1]
        else:
            markup = macro(*called)
            if len(self.entries) >= self.limit:
                self.entries.clear()
            self.entries[key] = (args, markup)
        if root is None:
            return markup
        return _new_str(Markup, markup.__str__().replace(ROOT_MARK, root))


ROOT = "root"
"""The parameter by which macros take the link prefix (`../../`) to the site root."""
ROOT_MARK = Markup("<\x00root\x00>")
"""Renders in place of a link prefix, to be replaced by it: no output can hold it otherwise
(text is escaped, and Markdown turns NUL into U+FFFD)."""


def _link_prefix_at(environment: Environment, macro: Macro) -> int | None:
    """The position of the macro's `root` parameter when its output depends on it only by
    holding it verbatim: a paper card is then rendered once for all link depths (a listing
    at `tags/x/` and one at `tags/x/page/2/` link up by different prefixes), and the
    prefix is put in by string replacement. Decided from the macro's source (the template
    its code was compiled from) by _only_output; None when it cannot be shown."""
    if ROOT not in macro.arguments or environment.loader is None:
        return None
    name = macro._func.__globals__.get("name")
    if not isinstance(name, str):
        return None
    try:
        source = environment.loader.get_source(environment, name)[0]
        tree = environment.parse(source, name)
    except Exception:  # noqa: BLE001 - not provable: memoised as any other call
        return None
    return macro.arguments.index(ROOT) if _only_output(tree, macro.name, ROOT, frozenset()) else None


_CAPTURING = (nodes.FilterBlock, nodes.AssignBlock, nodes.CallBlock, nodes.Macro, nodes.Block)
"""Constructs that could take a macro's output and transform it before it is output."""


def _only_output(tree: nodes.Template, macro_name: str, param: str, seen: frozenset[tuple[str, str]]) -> bool:
    """Whether, in the template's one macro `macro_name`, every use of parameter `param`
    is `{{ param }}` itself or `{{ other(..., param, ...) }}` where macro `other` of the
    same template only outputs its own parameter in the same way."""
    if (macro_name, param) in seen:
        return True  # a macro passing it on to itself adds no other use
    defs = _defined(tree, macro_name)
    bound = [n for n in tree.find_all(nodes.Name) if n.name == macro_name and n.ctx != "load"]
    imported = _has(tree, (nodes.FromImport, nodes.Import))
    if len(defs) != 1 or bound or imported or param not in [arg.name for arg in defs[0].args]:
        return False
    macro, seen = defs[0], seen | {(macro_name, param)}
    if _has(macro, _CAPTURING):
        return False
    uses = [n for n in macro.find_all(nodes.Name) if n.name == param and n.ctx != "param"]
    if any(n.ctx != "load" for n in uses):
        return False  # assigned, or a loop variable
    params = {arg.name for arg in macro.args}
    accepted = 0
    for output in macro.find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.Name) and child.name == param:
                accepted += 1
            elif isinstance(child, nodes.Call) and isinstance(child.node, nodes.Name) and child.node.name not in params:
                passed: list[tuple[int | str, nodes.Expr]] = [
                    (i, arg) for i, arg in enumerate(child.args) if _is_name(arg, param)
                ]
                passed += [(kw.key, kw.value) for kw in child.kwargs if _is_name(kw.value, param)]
                for where, _ in passed:
                    callee = _defined(tree, child.node.name)
                    names = [arg.name for arg in callee[0].args] if len(callee) == 1 else []
                    target = names[where] if isinstance(where, int) and where < len(names) else where
                    if not isinstance(target, str) or not _only_output(tree, child.node.name, target, seen):
                        return False
                    accepted += 1
    return accepted == len(uses)


def _defined(tree: nodes.Template, name: str) -> list[nodes.Macro]:
    """The template's top-level definitions of macro `name`."""
    return [node for node in tree.body if isinstance(node, nodes.Macro) and node.name == name]


def _has(node: nodes.Node, kinds: tuple[type[nodes.Node], ...]) -> bool:
    return next(node.find_all(kinds), None) is not None


def _is_name(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Name) and node.name == name


def _key(macro: Macro, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """A key naming the call, or None when an argument could change under the memo."""
    key: list[Any] = [id(macro)]
    for arg in args:
        kind: type = type(arg)
        if arg is ROOT_MARK:
            key.append(ROOT_MARK)
        elif kind in _BY_VALUE:
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
    from markupsafe import _escape_inner as _escape_text
except ImportError:  # pragma: no cover - markupsafe without it

    def _escape_text(text: str, /) -> str:
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
        return _new_str(Markup, _escape_text(value))
    if kind is Markup:
        return value  # type: ignore[no-any-return]
    return markupsafe.escape(value)


class FastEscapeTemplate(Template):
    """A Jinja template whose compiled code escapes output with `escape` above. The code
    Jinja generates looks up `escape` among its module globals, shared by the template's
    root, block and macro functions; this sets that one name, and the one FastCodeGenerator's
    code escapes plain strings with."""

    @classmethod
    def from_code(cls, environment: Environment, code: Any, globals: Any, uptodate: Any = None) -> Template:  # noqa: A002
        template = super().from_code(environment, code, globals, uptodate)
        names = template.root_render_func.__globals__
        names["escape"] = escape
        names[_ESCAPE_TEXT] = _escape_text
        return template


_ESCAPE_TEXT = "_sg_escape_text"
"""The escaper of plain strings, among a compiled template's globals."""


class FastCodeGenerator(CodeGenerator):
    """Jinja's code generator (3.1), writing the most frequent work of a page inline (a
    paper page has about 80 attribute lookups and 80 escaped values; at 10,000 papers these
    and the generators' hand-offs took a fifth or more of the rendering time):

    - `obj.attr`: Python's `getattr(obj, "attr", missing)`, and Jinja's
      `environment.getattr` (attribute, then item, then undefined) only when that misses;
    - an output value: a plain `str` escaped by markupsafe's C escaper directly, anything
      else by `escape` (Markup as it is, numbers, objects with `__html__`);
    - the text and values between two tags: one string (visit_Output).

    The page is what Jinja's own code gives, byte for byte (tests/test_templating.py renders
    the bundled site both ways); each sub-expression is evaluated once (held by an
    assignment expression, in names Jinja never uses)."""

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        """Jinja's visit_Output (3.1), but an output of several parts outside a buffer is
        yielded as one string (`yield "".join((...))`), not one part at a time: each part
        would travel up every generator of the page (block, child template, base template)."""
        if frame.buffer is not None:
            super().visit_Output(node, frame)
            return
        if frame.require_output_check:
            if self.has_known_extends:
                return
            self.writeline("if parent_template is None:")
            self.indent()
        finalize = self._make_finalize()
        body: list[list[Any] | nodes.Expr] = []
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except (nodes.Impossible, Exception):
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        joined = len(body) > 1
        if joined:
            self.writeline('yield "".join((')
            self.indent()
        for item in body:
            if isinstance(item, list):
                value = self._output_const_repr(item)
                self.writeline(value + "," if joined else "yield " + value)
            else:
                if joined:
                    self.newline(item)
                else:
                    self.writeline("yield ", item)
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
                if joined:
                    self.write(",")
        if joined:
            self.outdent()
            self.writeline("))")
        if frame.require_output_check:
            self.outdent()

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async or self.environment.sandboxed:
            CodeGenerator.visit_Getattr.__wrapped__(self, node, frame)  # type: ignore[attr-defined]
            return
        self.write("(_sg_a if (_sg_a := getattr((_sg_o := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr(_sg_o, {node.attr!r}))")

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if _escapes_inline(frame, finalize):
            self.write(f"({_ESCAPE_TEXT}(_sg_s) if type(_sg_s := (")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if _escapes_inline(frame, finalize):
            self.write(")) is str else escape(_sg_s))")
        else:
            super()._output_child_post(node, frame, finalize)


def _escapes_inline(frame: Frame, finalize: Any) -> bool:
    """Whether an output value is escaped by FastCodeGenerator's inline code: always-on
    autoescaping and no `finalize` (else Jinja's own code, which handles those)."""
    return bool(frame.eval_ctx.autoescape) and not frame.eval_ctx.volatile and finalize.src is None


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
    """Jinja's environment, with each template's globals in a plain dict.

    Jinja chains a template's own globals to the environment's (`collections.ChainMap`),
    so that a global set later reaches templates loaded before. Every render copies that
    chain into the page's context, and every `{% from ... import %}` subtracts its keys
    from a set: ChainMap does both in Python, key by key, a sixteenth of a paper page's
    rendering. sitegen sets its globals before loading any template and never after, so a
    dict made once per template holds the same names and values, and is copied in C."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def make_environment(template_dirs: list[Path], memo: bool = True) -> Environment:
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
    )
    env.template_class = FastEscapeTemplate
    env.code_generator_class = FastCodeGenerator
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
