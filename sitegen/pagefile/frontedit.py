"""Surgical edits to a page's front matter: only the characters of the value being
changed are replaced (or a line inserted or deleted), so the user's comments, quoting,
indentation, line endings, BOM and body stay byte for byte. A full ruamel round trip would
re-indent `  - tag` lists and move comments, so it is used only as a fallback for layouts
the surgical edit does not handle, and every result is checked by parsing it back before
it is returned. Text in, text out."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from sitegen.core.models import Problem
from sitegen.pagefile.pages import PageError, PageText, parse_front, read_page


def _round_trip() -> Any:
    """ruamel set up as pages.update_page sets it up (the fallback editor). Imported here:
    every sitegen command loads this module, few of them edit pages this way."""
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1_000_000_000
    rt.indent(mapping=2, sequence=2, offset=0)
    return rt


def _inline(value: Any) -> str:
    """One plain or quoted YAML scalar, valid both in block and flow context."""
    dumped = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=1_000_000_000)
    return dumped.strip()[1:-1]


def _flow_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_inline(v) for v in values) + "]"


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Index of the line terminator after `index` (of the `\\r` of a CRLF), or len(text)."""
    end = text.find("\n", index)
    if end == -1:
        return len(text)
    return end - 1 if end > index and text[end - 1] == "\r" else end


class _Unsupported(Exception):
    """A layout the surgical editor leaves to the round-trip fallback."""


def _top_level(front: str) -> tuple[yaml.MappingNode, dict[str, tuple[yaml.Node, yaml.Node]]]:
    try:
        root = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise _Unsupported from err
    if root is None:
        return yaml.MappingNode("tag:yaml.org,2002:map", []), {}
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise _Unsupported
    nodes = {}
    for key_node, value_node in root.value:
        if isinstance(key_node, yaml.ScalarNode):
            nodes[key_node.value] = (key_node, value_node)
    return root, nodes


def _single_line_scalar(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and node.style in (None, "'", '"')
        and node.start_mark.line == node.end_mark.line
    )


def _append_key(front: str, root: yaml.MappingNode, key: str, value: Any, newline: str) -> str:
    """`key: value` as a new last key, before any blank lines that end the front matter."""
    indent = " " * (root.value[0][0].start_mark.column if root.value else 0)
    if isinstance(value, list):
        item_indent = indent
        for _, node in root.value:  # follow the page's own list indentation
            if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
                item_indent = " " * node.start_mark.column
                break
        lines = (
            [f"{indent}{key}: []"]
            if not value
            else [f"{indent}{key}:"] + [f"{item_indent}- {_inline(v)}" for v in value]
        )
    else:
        lines = [f"{indent}{key}: {_inline(value)}"]
    block = newline.join(lines)
    content_end = len(front.rstrip("\r\n"))
    if content_end == 0:
        return block + front
    return front[:content_end] + newline + block + front[content_end:]


def _edit_list(front: str, key_node: yaml.Node, node: yaml.Node, new: list[Any], newline: str) -> str:
    """Delete the lines of removed items, add new items as lines after the last one."""
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        return front[: node.start_mark.index] + _flow_list(new) + front[node.end_mark.index :]
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null" and not node.value:
        if not new:
            return _set_scalar_text(front, node, "[]")
        end = _line_end(front, node.end_mark.index)  # `tags:` alone: items on the lines below
        indent = " " * key_node.start_mark.column
        return front[:end] + "".join(f"{newline}{indent}- {_inline(v)}" for v in new) + front[end:]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise _Unsupported
    items = []
    for item in node.value:
        if not _single_line_scalar(item):
            raise _Unsupported
        start, end = _line_start(front, item.start_mark.index), _line_end(front, item.end_mark.index)
        prefix, rest = front[start : item.start_mark.index], front[item.end_mark.index : end]
        if not re.fullmatch(r"[ \t]*-[ \t]+", prefix) or not re.fullmatch(r"[ \t]*(#.*)?", rest):
            raise _Unsupported
        items.append((yaml.safe_load(front[item.start_mark.index : item.end_mark.index]), start, end, prefix))
    old = [value for value, *_ in items]
    kept = [v for v in old if v in new]
    if kept != new[: len(kept)]:
        raise _Unsupported  # a reordering: not a plain add/remove
    added = new[len(kept) :]
    if not kept and not added:  # every item removed: an empty list, not a null
        colon = front.index(":", key_node.end_mark.index)
        key_line_end = _line_end(front, colon)
        return front[: colon + 1] + " []" + front[colon + 1 : key_line_end] + front[items[-1][2] :]
    out = front
    last_end, last_prefix = items[-1][2], items[-1][3]
    if added:
        out = out[:last_end] + "".join(newline + last_prefix + _inline(v) for v in added) + out[last_end:]
    for value, start, end, _ in reversed(items):
        if value in new:
            continue
        if end < len(out):  # delete the line with its terminator
            out = out[:start] + out[out.index("\n", end) + 1 :]
        else:  # the last line of the front matter: delete the terminator before it
            cut = start - 1
            if cut > 0 and out[cut - 1] == "\r":
                cut -= 1
            out = out[: max(cut, 0)] + out[end:]
    return out


def _set_scalar_text(front: str, node: yaml.Node, text: str) -> str:
    """Replace a scalar value's characters; an empty value (`key:`) gets one inserted."""
    if node.start_mark.index == node.end_mark.index:  # `key:` with no value
        return front[: node.start_mark.index] + " " + text + front[node.end_mark.index :]
    return front[: node.start_mark.index] + text + front[node.end_mark.index :]


def _surgical(front: str, changes: Mapping[str, Any], newline: str) -> str:
    for key, value in changes.items():
        root, nodes = _top_level(front)
        if key not in nodes:
            front = _append_key(front, root, key, value, newline)
            continue
        key_node, node = nodes[key]
        if isinstance(value, list):
            front = _edit_list(front, key_node, node, value, newline)
        elif _single_line_scalar(node):
            front = _set_scalar_text(front, node, _inline(value))
        else:
            raise _Unsupported
    return front


def _rewritten(front: str, changes: Mapping[str, Any], newline: str) -> str:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError as RuamelError

    rt = _round_trip()
    try:
        doc = rt.load(front)
    except RuamelError as err:
        raise _Unsupported from err
    if doc is None:
        doc = CommentedMap()
    for key, value in changes.items():
        doc[key] = value
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue().replace("\n", newline)


def _front_span(text: str, parts: PageText) -> tuple[int, int]:
    """Where the front matter sits in the page's text."""
    start = text.index(parts.newline) + len(parts.newline)
    return start, start + len(parts.front)


def set_keys(text: str, changes: Mapping[str, Any], source: str) -> str:
    """The page with each front-matter key in `changes` set to its value (appended when
    missing), every other character unchanged. Raises PageError for a page it cannot read."""
    meta, parts = read_page(text, source)
    expected = {**meta, **changes}
    start, end = _front_span(text, parts)
    for edit in (_surgical, _rewritten):
        try:
            front = edit(parts.front, changes, parts.newline)
        except _Unsupported:
            continue
        try:
            ok = list(parse_front(front, source).items()) == list(expected.items())
        except PageError:
            ok = False
        if ok:
            if not parts.front and front:  # `---` directly followed by `---`
                front += parts.newline
            return text[:start] + front + text[end:]
    raise PageError(Problem(source, 1, "cannot edit this front matter safely; edit the file by hand"))
