"""The Jinja environment's macro memo: a call is memoised only when its result cannot
depend on anything but its arguments, and a memoised site is byte for byte the site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment, Template
from markupsafe import Markup

from sitegen.build.pipeline import Project, build
from sitegen.build.templating import MacroMemo, make_environment
from tests.sites import ROOT, copy_content


@dataclass(frozen=True)
class Frozen:
    name: str


@dataclass
class Mutable:
    name: str


def env_with(tmp_path: Path, files: dict[str, str]) -> Environment:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return make_environment([tmp_path])


MACROS = "{% macro card(p, n) %}<b>{{ p.name }}/{{ n }}</b>{% endmacro %}{% macro bare(x) %}[{{ x }}]{% endmacro %}"


def cards_page(tmp_path: Path, macros: str, second: str) -> Environment:
    """An environment whose `page.html` calls `card(p, <second>)` of `m.html` for each p in ps."""
    page = '{% from "m.html" import card %}{% for p in ps %}{{ card(p, ' + second + ") }}{% endfor %}"
    return env_with(tmp_path, {"m.html": macros, "page.html": page})


def test_an_imported_macro_is_rendered_once_per_argument_set(tmp_path: Path) -> None:
    env = cards_page(tmp_path, MACROS, "n")
    a, b = Frozen("a"), Frozen("b")
    html = env.get_template("page.html").render(ps=[a, b, a, a], n=1)
    assert html == "<b>a/1</b><b>b/1</b><b>a/1</b><b>a/1</b>"
    memo: MacroMemo = env.macro_memo  # type: ignore[attr-defined]
    assert memo.hits == 2 and len(memo.entries) == 2
    # another number is another call; an equal but distinct object is another call too
    assert env.get_template("page.html").render(ps=[a, Frozen("a")], n=2) == "<b>a/2</b><b>a/2</b>"
    assert memo.hits == 2 and len(memo.entries) == 4


def test_arguments_that_could_change_are_never_memoised(tmp_path: Path) -> None:
    env = env_with(
        tmp_path,
        {
            "m.html": MACROS,
            "page.html": '{% from "m.html" import card, bare %}{{ card(p, 1) }}{{ bare(xs) }}{{ bare(d) }}',
        },
    )
    p, xs, d = Mutable("a"), [1], {"k": 1}
    assert env.get_template("page.html").render(p=p, xs=xs, d=d) == "<b>a/1</b>[[1]][{&#39;k&#39;: 1}]"
    p.name, xs[0], d["k"] = "z", 2, 3
    assert env.get_template("page.html").render(p=p, xs=xs, d=d) == "<b>z/1</b>[[2]][{&#39;k&#39;: 3}]"
    assert not env.macro_memo.entries  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "page",
    [
        # a macro of the page itself reads the page's variables, which may change between calls
        "{% macro own(x) %}{{ x }}:{{ t }}{% endmacro %}{% set t = title %}{{ own(1) }}{% set t = 'x' %}{{ own(1) }}",
        # a macro imported with context does too
        '{% from "ctx.html" import seen with context %}{{ seen(1) }}',
        # a caller block is an argument the key cannot name
        '{% from "ctx.html" import wrap %}{% call wrap(1) %}{{ title }}{% endcall %}',
    ],
)
def test_macros_that_see_the_page_are_called_every_time(tmp_path: Path, page: str) -> None:
    env = env_with(
        tmp_path,
        {
            "ctx.html": "{% macro seen(x) %}{{ x }}:{{ title }}{% endmacro %}"
            "{% macro wrap(x) %}{{ x }}:{{ caller() }}{% endmacro %}",
            "page.html": page,
        },
    )
    template = env.get_template("page.html")
    twice = "{% set t = 'x'" in page
    assert template.render(title="one") == ("1:one1:x" if twice else "1:one")
    assert template.render(title="two") == ("1:two1:x" if twice else "1:two")


LINKS = (
    '{% macro card(p, root) %}<a href="{{ root }}{{ p.name }}">{{ p.name }}</a>{{ tags(p, root) }}{% endmacro %}'
    '{% macro tags(p, root) %}<i href="{{ root }}t/{{ p.name }}"></i>{% endmacro %}'
)


def test_a_card_that_only_outputs_its_link_prefix_is_rendered_once_for_every_depth(tmp_path: Path) -> None:
    env = cards_page(tmp_path, LINKS, "root")
    a, b = Frozen("a"), Frozen("b")
    page = env.get_template("page.html")
    assert page.render(ps=[a, b], root="../../") == (
        '<a href="../../a">a</a><i href="../../t/a"></i><a href="../../b">b</a><i href="../../t/b"></i>'
    )
    memo: MacroMemo = env.macro_memo  # type: ignore[attr-defined]
    entries = len(memo.entries)
    assert page.render(ps=[a], root="") == '<a href="a">a</a><i href="t/a"></i>'
    assert page.render(ps=[a], root="../../../../") == '<a href="../../../../a">a</a><i href="../../../../t/a"></i>'
    assert len(memo.entries) == entries  # the other depths came from the same renders
    # a prefix that escaping would change is not substituted: the macro runs as Jinja runs it
    assert page.render(ps=[a], root="/a&b/") == '<a href="/a&amp;b/a">a</a><i href="/a&amp;b/t/a"></i>'


@pytest.mark.parametrize(
    ("body", "once"),
    [
        ('<a href="{{ root }}x">{% if p %}{{ root }}{% endif %}</a>', True),
        ("{{ root ~ 'x' }}", False),
        ("{% if root %}deep{% endif %}{{ root }}", False),
        ("{{ root | length }}", False),
        ("{% set root = 'x' %}{{ root }}", False),
        ("{% for root in [1] %}{{ root }}{% endfor %}", False),
        ("{% filter upper %}{{ root }}{% endfilter %}", False),
        ("{% set held %}{{ root }}{% endset %}{{ held }}", False),
        ("{{ other(p, root) }}", True),
        ("{{ other(p, root=root) }}", True),
        ("{{ other(p, root) | upper }}", False),
        ("{{ counts(root) }}", False),
        ("{{ undefined_macro(root) }}", False),
    ],
)
def test_which_macros_are_rendered_once_for_every_depth(tmp_path: Path, body: str, once: bool) -> None:
    """Only a macro whose output holds its `root` argument verbatim (itself, or through a
    macro that does the same) is rendered once; any other use renders it per depth."""
    from sitegen.build.templating import ROOT_MARK, _only_output

    macros = (
        "{% macro card(p, root) %}" + body + "{% endmacro %}"
        "{% macro other(p, root) %}<b>{{ root }}</b>{% endmacro %}"
        "{% macro counts(root) %}{{ root.count('.') }}{% endmacro %}"
    )
    env = env_with(tmp_path, {"m.html": macros})
    assert _only_output(env.parse(macros), "card", "root", frozenset()) is once
    if "undefined_macro" in body:
        return
    card = env.get_template("m.html").module.card  # type: ignore[attr-defined]
    memo: MacroMemo = env.macro_memo  # type: ignore[attr-defined]
    paper = Frozen("a")
    for root in ("", "../../", "../../../../"):  # memoised or not, each depth gets its own links
        assert str(memo.call(env, card, (paper, root))) == str(card(paper, root))
    held = [markup for key, (_, markup) in memo.entries.items() if key[0] == id(card)]
    assert len(held) == (1 if once else 3)
    assert all(ROOT_MARK in markup for markup in held) is once


def test_the_memo_stays_bounded(tmp_path: Path) -> None:
    env = env_with(
        tmp_path,
        {
            "m.html": MACROS,
            "page.html": '{% from "m.html" import bare %}{% for i in range(n) %}{{ bare(i) }}{% endfor %}',
        },
    )
    env.macro_memo.limit = 10  # type: ignore[attr-defined]
    assert env.get_template("page.html").render(n=25) == "".join(f"[{i}]" for i in range(25))
    assert len(env.macro_memo.entries) <= 10  # type: ignore[attr-defined]


def test_a_site_rendered_with_the_memo_is_the_site_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sitegen.build.templating as templating

    content = copy_content(ROOT / "content", tmp_path)
    memoised = built_site(content, tmp_path / "memo")
    original = templating.make_environment
    monkeypatch.setattr(templating, "make_environment", lambda dirs: original(dirs, memo=False))
    assert memoised == built_site(content, tmp_path / "plain")
    assert len(memoised) > 300


def built_site(content: Path, folder: Path) -> dict[Path, bytes]:
    """Every file of the site built from `content` into `folder`, by path."""
    out = folder / "site"
    build(Project(content, folder / "none", out, cache=folder / "cache"), search=False)
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@given(st.one_of(st.text(), st.integers(), st.none(), st.builds(Markup, st.text()), st.floats(allow_nan=False)))
def test_the_fast_escape_is_markupsafes(value: object) -> None:
    from sitegen.build.templating import escape

    assert escape(value) == markupsafe.escape(value)
    assert type(escape(value)) is Markup


def test_templates_escape_with_the_fast_escape(tmp_path: Path) -> None:
    env = env_with(tmp_path, {"p.html": "{{ a }}|{{ b }}|{{ c }}"})
    assert env.get_template("p.html").render(a="<&>\"'", b=Markup("<b>"), c=3) == "&lt;&amp;&gt;&#34;&#39;|<b>|3"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_json_in_a_script_element_is_the_json_and_cannot_end_the_script(value: object) -> None:
    import json

    from sitegen.build.templating import _json_script

    text = str(_json_script(value))
    assert json.loads(text) == value
    assert not any(char in text for char in "<>&\u2028\u2029")
    if isinstance(value, dict):
        assert list(json.loads(text)) == sorted(value)  # keys sorted: the same input, the same bytes


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
    """make_environment's settings with Jinja's own code generator, template class and
    escaper, and no macro memo."""
    from jinja2.compiler import CodeGenerator

    env = make_environment([folder], memo=False)
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
    import jinja2.compiler

    import sitegen.build.templating as templating

    content = copy_content(ROOT / "content", tmp_path)
    inline = built_site(content, tmp_path / "inline")
    monkeypatch.setattr(templating, "FastCodeGenerator", jinja2.compiler.CodeGenerator)
    monkeypatch.setattr(templating, "SiteEnvironment", jinja2.Environment)  # and the globals Jinja's way
    assert inline == built_site(content, tmp_path / "jinja")
    assert len(inline) > 300


def test_a_templates_globals_are_jinjas_in_a_dict(tmp_path: Path) -> None:
    import jinja2

    sources = {
        "_m.html": "{% macro card(x) %}<{{ x }}|{{ range(2) | list }}>{% endmacro %}",
        "page.html": '{% from "_m.html" import card %}{{ card(s) }}{{ card(s) }}|{{ cycler("a", "b").next() }}',
    }
    env = env_with(tmp_path, sources)
    stock = _stock_environment(tmp_path)
    stock.__class__ = jinja2.Environment  # SiteEnvironment adds no state, only make_globals
    for name in sources:
        mine, jinjas = env.get_template(name, globals={"extra": 1}), stock.get_template(name, globals={"extra": 1})
        assert type(mine.globals) is dict
        assert list(mine.globals.items()) == list(jinjas.globals.items())
    assert env.get_template("page.html").render(s="<i>") == stock.get_template("page.html").render(s="<i>")
    assert env.get_template("page.html").render(s="<i>") == "<&lt;i&gt;|[0, 1]><&lt;i&gt;|[0, 1]>|a"
