"""The Jinja environment's macro memo: a call is memoised only when its result cannot
depend on anything but its arguments, and a memoised site is byte for byte the site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment
from markupsafe import Markup

from sitegen.build import Project, build
from sitegen.templating import MacroMemo, make_environment
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


def test_an_imported_macro_is_rendered_once_per_argument_set(tmp_path: Path) -> None:
    env = env_with(
        tmp_path,
        {
            "m.html": MACROS,
            "page.html": '{% from "m.html" import card %}{% for p in ps %}{{ card(p, n) }}{% endfor %}',
        },
    )
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
    import sitegen.templating as templating

    content = copy_content(ROOT / "content", tmp_path)
    sites = {}
    for memo in (True, False):
        if not memo:
            original = templating.make_environment
            monkeypatch.setattr(
                templating, "make_environment", lambda dirs, original=original: original(dirs, memo=False)
            )
        out = tmp_path / f"site-{memo}"
        build(Project(content, tmp_path / "none", out, cache=tmp_path / f"cache-{memo}"), search=False)
        sites[memo] = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert sites[True] == sites[False]
    assert len(sites[True]) > 300


@given(st.one_of(st.text(), st.integers(), st.none(), st.builds(Markup, st.text()), st.floats(allow_nan=False)))
def test_the_fast_escape_is_markupsafes(value: object) -> None:
    from sitegen.templating import escape

    assert escape(value) == markupsafe.escape(value)
    assert type(escape(value)) is Markup


def test_templates_escape_with_the_fast_escape(tmp_path: Path) -> None:
    env = env_with(tmp_path, {"p.html": "{{ a }}|{{ b }}|{{ c }}"})
    assert env.get_template("p.html").render(a="<&>\"'", b=Markup("<b>"), c=3) == "&lt;&amp;&gt;&#34;&#39;|<b>|3"
