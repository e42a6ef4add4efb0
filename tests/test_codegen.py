"""The code generator (build/codegen.py): what it renders is what Jinja's own code
renders, byte for byte, and it is used only on the Jinja version it was tested with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment, Template
from markupsafe import Markup

from sitegen.build import codegen
from sitegen.build.pipeline import Project, build
from sitegen.build.templating import make_environment
from tests.sites import ROOT, copy_content


@dataclass(frozen=True)
class Frozen:
    name: str


def env_with(tmp_path: Path, files: dict[str, str]) -> Environment:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return make_environment([tmp_path])


def built_site(content: Path, folder: Path) -> dict[Path, bytes]:
    """Every file of the site built from `content` into `folder`, by path."""
    out = folder / "site"
    build(Project(content, folder / "none", out, cache=folder / "cache"), search=False)
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@given(st.one_of(st.text(), st.integers(), st.none(), st.builds(Markup, st.text()), st.floats(allow_nan=False)))
def test_the_fast_escape_is_markupsafes(value: object) -> None:
    from sitegen.build.codegen import escape

    assert escape(value) == markupsafe.escape(value)
    assert type(escape(value)) is Markup
    if type(value) is str:  # the escaper used where markupsafe has no C one
        assert codegen._escape_python(value) == markupsafe.escape(value)


def test_templates_escape_with_the_fast_escape(tmp_path: Path) -> None:
    env = env_with(tmp_path, {"p.html": "{{ a }}|{{ b }}|{{ c }}"})
    assert env.get_template("p.html").render(a="<&>\"'", b=Markup("<b>"), c=3) == "&lt;&amp;&gt;&#34;&#39;|<b>|3"


class _Counted:
    """An object whose `value` attribute counts how often it is read."""

    def __init__(self) -> None:
        self.reads = 0

    @property
    def value(self) -> str:
        self.reads += 1
        return "<v>"


class _Broken:
    @property
    def oops(self) -> str:
        raise AttributeError("inside the property")


class _Html:
    def __html__(self) -> str:
        return "<i>html</i>"


class _Text(str):
    pass


_CASES = {
    "attr.html": "{{ obj.name }}|{{ obj.name.upper() }}|{{ d.key }}|{{ d['key'] }}|{{ d.items }}",
    "values.html": "{{ n }}|{{ f }}|{{ none }}|{{ m }}|{{ h }}|{{ t }}|{{ s }}|{{ s | upper }}|{{ 'x<' ~ s }}",
    "nested.html": "{{ outer.inner.name }}{% for o in objs %}[{{ o.name }}{{ loop.index }}]{% endfor %}",
    "capture.html": "{% set b %}{{ s }}{{ obj.name }}{% endset %}{{ b }}|{% filter upper %}{{ s }}{% endfilter %}",
    "raw.html": "{% autoescape false %}{{ s }}{{ obj.name }}{% endautoescape %}|{{ s }}",
    "plain.txt": "{{ s }}|{{ obj.name }}|{{ n }}",
    "macro.html": "{% macro m(x) %}<{{ x.name }}>{% endmacro %}{{ m(obj) }}"
    "{% macro w(x) %}({{ caller() }}{{ x.name }}){% endmacro %}{% call w(obj) %}{{ s }}{% endcall %}",
}


def _stock_environment(folder: Path) -> Environment:
    """make_environment's settings with Jinja's own code generator, template class and escaper."""
    from jinja2.compiler import CodeGenerator

    env = make_environment([folder])
    env.code_generator_class = CodeGenerator
    env.template_class = Template
    return env


@given(st.text(), st.text())
def test_the_inline_code_renders_what_jinjas_code_renders(
    tmp_path_factory: pytest.TempPathFactory, s: str, name: str
) -> None:
    folder = tmp_path_factory.mktemp("t")
    fast = env_with(folder, _CASES)
    stock = _stock_environment(folder)
    values = {
        "obj": Frozen(name),
        "outer": {"inner": Frozen(name)},
        "objs": [Frozen(name), Frozen(s)],
        "d": {"key": s, "items": "shadowed"},
        "n": 3,
        "f": 0.5,
        "none": None,
        "m": Markup("<b>&amp;</b>"),
        "h": _Html(),
        "t": _Text("<sub>"),
        "s": s,
    }
    for template in _CASES:
        assert fast.get_template(template).render(values) == stock.get_template(template).render(values), template


def test_the_inline_code_evaluates_each_expression_once_and_fails_as_jinja_does(tmp_path: Path) -> None:
    from jinja2 import UndefinedError

    fast = env_with(
        tmp_path, {"once.html": "{{ c.value }}", "missing.html": "{{ obj.nope }}", "broken.html": "{{ b.oops }}"}
    )
    stock = _stock_environment(tmp_path)
    counted = _Counted()
    assert fast.get_template("once.html").render(c=counted) == "&lt;v&gt;"
    assert counted.reads == 1
    for template, values in (("missing.html", {"obj": Frozen("x")}), ("broken.html", {"b": _Broken()})):
        for env in (fast, stock):
            with pytest.raises(UndefinedError):
                env.get_template(template).render(values)


def test_a_site_rendered_by_the_inline_code_is_the_site_jinjas_code_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    inline = built_site(content, tmp_path / "inline")
    monkeypatch.setenv("SITEGEN_DEVICES_OFF", "codegen")
    assert inline == built_site(content, tmp_path / "jinja")
    assert len(inline) > 300


@pytest.mark.parametrize(
    ("name", "version", "tested"),
    [
        ("jinja2", "3.1.0", True),
        ("jinja2", "3.1.6", True),
        ("jinja2", "3.2.0", False),
        ("jinja2", "3.0.3", False),
        ("jinja2", "4.0", False),
        ("jinja2", "3.2.0.dev0", False),
        ("jinja2", "", False),
        ("jinja2", "three", False),
        ("markupsafe", "3.0.3", True),
        ("markupsafe", "3.1.0", False),
    ],
)
def test_the_tested_versions(name: str, version: str, tested: bool) -> None:
    assert codegen.tested(name, version) is tested


def test_on_an_untested_jinja_the_build_uses_jinjas_own_generator_and_the_site_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jinja2
    from jinja2.compiler import CodeGenerator

    content = copy_content(ROOT / "content", tmp_path)
    inline = built_site(content, tmp_path / "inline")
    assert make_environment([tmp_path]).code_generator_class is codegen.FastCodeGenerator
    monkeypatch.setattr(jinja2, "__version__", "3.2.0")
    env = make_environment([tmp_path])
    assert env.code_generator_class is CodeGenerator and env.template_class is Template
    assert inline == built_site(content, tmp_path / "untested")


def test_the_jinja_pin_is_gone() -> None:
    """pyproject.toml takes any Jinja 3: an untested one is used without the generator."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.strip().startswith('"jinja2'))
    assert "<" not in line
