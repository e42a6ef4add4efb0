"""The Jinja environment (build/templating.py): its filters and its globals."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment, Template

from sitegen.build.templating import make_environment


def env_with(tmp_path: Path, files: dict[str, str]) -> Environment:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return make_environment([tmp_path])


def _stock_environment(folder: Path) -> Environment:
    """make_environment's settings with Jinja's own code generator and template class."""
    from jinja2.compiler import CodeGenerator

    env = make_environment([folder])
    env.code_generator_class = CodeGenerator
    env.template_class = Template
    return env


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
