"""A faster Jinja code generator, isolated here because it rests on Jinja's compiler
internals (the methods of `jinja2.compiler.CodeGenerator` it overrides are not a public
API) and on markupsafe's C escaper: `install` sets it up only on the Jinja and
markupsafe versions it was tested with (TESTED), and leaves Jinja's own generator
otherwise, so an upgrade of either library gives a slower build, never a wrong one.
A speed device (core/devices.py `codegen`): tests/bench/devices.py measures what it buys.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import jinja2
import markupsafe
from jinja2 import Environment, Template, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from markupsafe import Markup

from sitegen.core import devices

TESTED = {"jinja2": ((3, 1), (3, 2)), "markupsafe": ((2, 1), (3, 1))}
"""Library -> [lowest, highest) (major, minor) versions the generator was tested with:
tests/test_templating.py renders the bundled site with it and with Jinja's own, byte for byte."""


def _installed(name: str) -> str:
    """The installed version of `name`: Jinja's own `__version__` (what a compiled
    template's code belongs to), markupsafe's from its package metadata (its
    `__version__` is deprecated)."""
    if name == "jinja2":
        return str(getattr(jinja2, "__version__", ""))
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def tested(name: str, installed: str) -> bool:
    """Whether version `installed` of library `name` is in its TESTED range."""
    parts = installed.split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return False
    low, high = TESTED[name]
    return low <= (int(parts[0]), int(parts[1])) < high


def usable() -> bool:
    """Whether this generator may compile templates: switched on, and every library it
    reaches into at a version it was tested with."""
    return devices.codegen and all(tested(name, _installed(name)) for name in TESTED)


def install(env: Environment) -> bool:
    """Compile `env`'s templates with FastCodeGenerator when usable(); whether it did."""
    if not usable():
        return False
    env.template_class = FastEscapeTemplate
    env.code_generator_class = FastCodeGenerator
    return True


_ESCAPES = str.maketrans({"&": "&amp;", ">": "&gt;", "<": "&lt;", "'": "&#39;", '"': "&#34;"})


def _escape_python(text: str) -> str:
    """markupsafe's escaping of a plain string, in Python: what its C escaper gives."""
    return text.translate(_ESCAPES)


_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _escape_python)
"""markupsafe's C escaper where the tested markupsafe has it (install() checks the version)."""

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
