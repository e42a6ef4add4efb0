"""The `{% cached %}` tag (build/partials.py): a block is rendered once per key when the
template author declares it, only then, and never for keys that could change under it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from jinja2 import Environment

from sitegen.build.partials import CachedExtension
from sitegen.build.templating import clear_memo, make_environment


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


def cached_of(env: Environment) -> CachedExtension:
    extension = env.extensions[CachedExtension.identifier]
    assert isinstance(extension, CachedExtension)
    return extension


CARDS = "{% for p in ps %}{% cached p, n %}<b>{{ p.name }}/{{ n }}/{{ calls.append(1) or '' }}</b>{% endcached %}{% endfor %}"


def test_a_declared_block_is_rendered_once_per_key(tmp_path: Path) -> None:
    env = env_with(tmp_path, {"page.html": CARDS})
    a, b = Frozen("a"), Frozen("b")
    calls: list[int] = []
    html = env.get_template("page.html").render(ps=[a, b, a, a], n=1, calls=calls)
    assert html == "<b>a/1/</b><b>b/1/</b><b>a/1/</b><b>a/1/</b>"
    assert len(calls) == 2 and cached_of(env).hits == 2
    # another number is another key; an equal but distinct object is another key too
    assert env.get_template("page.html").render(ps=[a, Frozen("a")], n=2, calls=calls) == "<b>a/2/</b><b>a/2/</b>"
    assert len(calls) == 4


def test_the_block_renders_as_its_body_would(tmp_path: Path) -> None:
    body = '<a href="{{ root }}{{ p.name }}">{{ p.name }}</a>\n'
    env = env_with(
        tmp_path,
        {
            "cached.html": "{% for p in ps %}\n{% cached p, root %}\n" + body + "{% endcached %}\n{% endfor %}\n",
            "plain.html": "{% for p in ps %}\n" + body + "{% endfor %}\n",
        },
    )
    values = {"ps": [Frozen("<x>"), Frozen("y")], "root": "../"}
    for _ in range(2):  # the second time from the cache
        assert env.get_template("cached.html").render(values) == env.get_template("plain.html").render(values)
    assert (
        env.get_template("plain.html").render(values) == '<a href="../&lt;x&gt;">&lt;x&gt;</a>\n<a href="../y">y</a>\n'
    )


def test_keys_that_could_change_are_never_cached(tmp_path: Path) -> None:
    env = env_with(tmp_path, {"page.html": "{% cached p, xs %}{{ p.name }}{{ xs }}{% endcached %}"})
    p, xs = Mutable("a"), [1]
    assert env.get_template("page.html").render(p=p, xs=xs) == "a[1]"
    p.name, xs[0] = "z", 2
    assert env.get_template("page.html").render(p=p, xs=xs) == "z[2]"
    assert not cached_of(env).entries


_READS: list[str] = []


@dataclass(frozen=True)
class Counted:
    """A frozen value (the kind a cache keys by identity) that counts how often it is shown."""

    name: str

    @property
    def shown(self) -> str:
        _READS.append(self.name)
        return self.name


def test_without_the_tag_nothing_is_cached(tmp_path: Path) -> None:
    """The cache is the author's declaration: an imported macro called three times with
    the same frozen argument runs three times (no macro is judged pure by sitegen)."""
    env = env_with(
        tmp_path,
        {
            "m.html": "{% macro card(p) %}<{{ p.shown }}>{% endmacro %}",
            "page.html": '{% from "m.html" import card %}{% for p in ps %}{{ card(p) }}{% endfor %}',
        },
    )
    _READS.clear()
    a = Counted("a")
    assert env.get_template("page.html").render(ps=[a, a, a]) == "<a><a><a>"
    assert _READS == ["a", "a", "a"]


def test_two_blocks_with_the_same_keys_are_two_entries(tmp_path: Path) -> None:
    env = env_with(tmp_path, {"page.html": "{% cached k %}one{% endcached %}|{% cached k %}two{% endcached %}"})
    assert env.get_template("page.html").render(k=1) == "one|two"


def test_a_build_starts_with_an_empty_cache_and_the_cache_stays_bounded(tmp_path: Path) -> None:
    env = env_with(tmp_path, {"page.html": "{% for i in range(n) %}{% cached i %}[{{ i }}]{% endcached %}{% endfor %}"})
    cached_of(env).limit = 10
    assert env.get_template("page.html").render(n=25) == "".join(f"[{i}]" for i in range(25))
    assert 0 < len(cached_of(env).entries) <= 10
    clear_memo(env)
    assert not cached_of(env).entries


def test_switched_off_every_block_is_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEGEN_DEVICES_OFF", "cached_partials")
    env = env_with(tmp_path, {"page.html": CARDS})
    calls: list[int] = []
    a = Frozen("a")
    assert env.get_template("page.html").render(ps=[a, a], n=1, calls=calls) == "<b>a/1/</b><b>a/1/</b>"
    assert len(calls) == 2 and not cached_of(env).entries


def test_the_bundled_listing_declares_its_cards_cached() -> None:
    from sitegen.core.resources import default_templates_dir

    listing = (default_templates_dir() / "list.html").read_text(encoding="utf-8")
    assert "{% cached paper, root as text %}" in listing


TEXT_CARDS = (
    "{% for p in ps %}{% cached p, root as text %}"
    '<a href="{{ root }}{{ p.name }}">{% if root %}deep{% else %}top{% endif %}</a>{{ calls.append(1) or "" }}'
    "{% endcached %}{% endfor %}"
)
PLAIN_CARDS = (
    '{% for p in ps %}<a href="{{ root }}{{ p.name }}">{% if root %}deep{% else %}top{% endif %}</a>{% endfor %}'
)


def test_a_text_variable_is_written_in_at_each_use(tmp_path: Path) -> None:
    """`root as text`: one render per paper for every link prefix, the page as the plain body gives it."""
    env = env_with(tmp_path, {"cached.html": TEXT_CARDS, "plain.html": PLAIN_CARDS})
    a, b = Frozen("a<"), Frozen("b")
    calls: list[int] = []
    for root in ["../../", "../", "../../../../", "../../"]:
        got = env.get_template("cached.html").render(ps=[a, b, a], root=root, calls=calls)
        assert got == env.get_template("plain.html").render(ps=[a, b, a], root=root)
        assert got.startswith(f'<a href="{root}a&lt;">deep</a>')
    assert len(calls) == 2  # a and b, once each, for four prefixes
    assert cached_of(env).hits == 10


def test_an_empty_text_variable_is_its_own_entry(tmp_path: Path) -> None:
    """The placeholder is not empty; an empty prefix is rendered as it is, so a test of it holds."""
    env = env_with(tmp_path, {"cached.html": TEXT_CARDS, "plain.html": PLAIN_CARDS})
    a = Frozen("a")
    calls: list[int] = []
    for root in ["", "../", ""]:
        got = env.get_template("cached.html").render(ps=[a], root=root, calls=calls)
        assert got == env.get_template("plain.html").render(ps=[a], root=root)
    assert got == '<a href="a">top</a>'
    assert len(calls) == 2


def test_a_text_that_escaping_changes_is_rendered_with(tmp_path: Path) -> None:
    """A value whose escaped form differs (`&`) could be written in raw or escaped: it is
    handed to the block as it is, uncached, and the block escapes it as it would."""
    env = env_with(tmp_path, {"cached.html": TEXT_CARDS, "plain.html": PLAIN_CARDS})
    a = Frozen("a")
    calls: list[int] = []
    for root in ["/x&y/", "/x&y/"]:
        got = env.get_template("cached.html").render(ps=[a], root=root, calls=calls)
        assert got == env.get_template("plain.html").render(ps=[a], root=root) == '<a href="/x&amp;y/a">deep</a>'
    assert len(calls) == 2 and not cached_of(env).entries


def test_only_a_variable_can_be_text(tmp_path: Path) -> None:
    from jinja2 import TemplateSyntaxError

    env = env_with(tmp_path, {"page.html": "{% cached p, root ~ 'x' as text %}{% endcached %}"})
    with pytest.raises(TemplateSyntaxError, match="only a variable can be declared 'as text'"):
        env.get_template("page.html")


def test_switched_off_a_text_block_is_rendered_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEGEN_DEVICES_OFF", "cached_partials")
    env = env_with(tmp_path, {"cached.html": TEXT_CARDS})
    calls: list[int] = []
    assert env.get_template("cached.html").render(ps=[Frozen("a")] * 2, root="../", calls=calls) == (
        '<a href="../a">deep</a>' * 2
    )
    assert len(calls) == 2 and not cached_of(env).entries


def test_what_reads_a_text_variable_from_the_page_writes_it_too(tmp_path: Path) -> None:
    """The `rel` filter reads `root` from the page, not from the block: it sees the
    placeholder while the block is rendered for the cache, and the page's value after."""
    body = '<a href="{{ p.name | rel }}">{{ root }}</a>'
    env = env_with(
        tmp_path,
        {
            "cached.html": "{% for p in ps %}{% cached p, root as text %}"
            + body
            + "{% endcached %}{% endfor %}|{{ root }}",
            "plain.html": "{% for p in ps %}" + body + "{% endfor %}|{{ root }}",
        },
    )
    a = Frozen("a")
    for root in ["../", "", "../../", "../"]:
        got = env.get_template("cached.html").render(ps=[a, a], root=root)
        assert got == env.get_template("plain.html").render(ps=[a, a], root=root)
        assert got == f'<a href="{root}a">{root}</a>' * 2 + f"|{root}"


def test_a_text_variable_of_another_type_is_rendered_with(tmp_path: Path) -> None:
    """A list, or Markup, given for a text variable: rendered every time, as without the tag."""
    from markupsafe import Markup

    env = env_with(tmp_path, {"cached.html": "{% cached p, root as text %}[{{ root }}]{% endcached %}"})
    a = Frozen("a")
    assert env.get_template("cached.html").render(p=a, root=["x", "<y>"]) == "[[&#39;x&#39;, &#39;&lt;y&gt;&#39;]]"
    assert env.get_template("cached.html").render(p=a, root=Markup("<b>")) == "[<b>]"
    assert not cached_of(env).entries
