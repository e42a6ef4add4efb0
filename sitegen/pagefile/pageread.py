"""Reading a page: the file split into front matter and body (keeping the file's own
bytes of each), and the front matter parsed into plain values, with every problem a
PageError naming the file and line. Text in, values out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from sitegen.core import devices
from sitegen.core.errors import InputError
from sitegen.core.models import Problem
from sitegen.pagefile.frontmatter import load_simple


class PageError(InputError):
    """A page whose front matter cannot be read."""


@dataclass(frozen=True)
class PageText:
    """A page split into its parts; `front` and `body` keep the file's own bytes."""

    front: str
    body: str
    newline: str
    bom: bool
    body_line: int
    """1-based line number where the body starts."""


def split_page(text: str, source: str) -> PageText:
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    # The page's line ending is the first line's: notes pasted with other endings
    # further down must not make the front matter unreadable.
    first = re.match(r"---[ \t]*(\r\n|\n|\r)", text)
    if not first:
        raise PageError(Problem(source, 1, "front matter must start with a '---' line"))
    newline = first.group(1)
    lines = text.split(newline)
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return PageText(
                front=newline.join(lines[1:i]),
                body=newline.join(lines[i + 1 :]),
                newline=newline,
                bom=bom,
                body_line=i + 2,
            )
    raise PageError(Problem(source, 1, "front matter is not closed by a '---' line"))


def _yaml_error(err: Exception, source: str) -> PageError:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening '---'
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return PageError(Problem(source, line, f"invalid front matter: {problem}"))


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """The safe loaders' timestamp constructor, with an impossible date (`2024-02-30`) a
    YAML error at its line rather than a ValueError from deep inside the loader."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as err:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({err})", node.start_mark
        ) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, with `_timestamp`. The Python one: libyaml's C loader bought
    nothing measurable, as every page sitegen writes is read by load_simple (README, Performance)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class _NoAliasLoader(yaml.SafeLoader):
    """The pure-Python safe loader (its composer is Python, so it can be told to stop),
    refusing aliases (`*name`) with a YAML error at the alias: nested aliases expand
    exponentially once the values are used (a 374-byte page took 79 s and 5.9 GB), and
    sitegen's pages have no use for them. Used for front matter that contains a `*`
    (an alias cannot be written without one)."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"YAML aliases (*{event.anchor}) are not allowed in a page", event.start_mark
            )
        return super().compose_node(parent, index)


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def parse_front(front: str, source: str) -> dict[str, Any]:
    """The front matter's values, or PageError (file and line). The simple shape sitegen
    writes is read by `load_simple`, several times faster than YAML and with the same
    result; anything it is not sure of goes to YAML, whose errors are reported."""
    meta = load_simple(front, _Loader) if devices.simple_yaml else None
    if meta is not None:
        return meta
    try:
        meta = yaml.load(front, Loader=_NoAliasLoader if "*" in front else _Loader)  # noqa: S506 - safe loaders
    except yaml.YAMLError as err:
        raise _yaml_error(err, source) from None
    except RecursionError:
        raise PageError(Problem(source, 2, "invalid front matter: nested too deeply")) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise PageError(Problem(source, 2, "front matter must be a mapping of keys to values"))
    return meta


def read_page(text: str, source: str) -> tuple[dict[str, Any], PageText]:
    """Front matter as plain values, and the page's parts."""
    parts = split_page(text, source)
    return parse_front(parts.front, source), parts
