"""The one front-matter editor, used by every command that changes a page (import, enrich,
add, mark, rate, tag). Only the changed keys' own text is touched, so the user's keys,
their order, quoting, comments, indentation, blank lines, line endings, BOM and body stay
byte for byte. Each key is changed in the narrowest way that works:

1. a list that gains or loses items: only the items' lines (kept items keep their quoting
   and their comments), or the `[...]` of a flow list;
2. a one-line scalar: only its characters (a `# comment` after it stays on its line);
3. anything else (a multi-line value, a reordered list): the key's lines, dumped again,
   with any comment that was inside them moved to the lines just below;
4. a missing key is appended as the last key; a key set to None is removed.

Every result is parsed back and checked before it is returned. When even step 3 cannot
be done, `set_keys` (the reading commands) writes the whole front matter again with
PyYAML, key order kept, but only if it holds no comment to lose; the importer
(`replace_front`) leaves the page as it is. Text in, text out."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from sitegen.core.models import Problem
from sitegen.pagefile.pageread import PageError, PageText, parse_front, read_page

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_WIDTH = 1_000_000_000  # never fold a long value over several lines


class _Unsafe(Exception):
    """A layout this step of the editor does not change."""


# --------------------------------------------------------------------------- text helpers


def _line_start(text: str, index: int) -> int:
    """Index of the first character of the line holding `index`."""
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def _line_end(text: str, index: int) -> int:
    """Index of the line break (`\\n`, `\\r`, or the `\\r` of a `\\r\\n`) at or after
    `index`, or len(text)."""
    ends = [e for e in (text.find("\n", index), text.find("\r", index)) if e >= 0]
    return min(ends) if ends else len(text)


def _break_after(text: str, index: int) -> int:
    """Index just past the line break at `index` (none at the end of the text)."""
    return index + (2 if text.startswith("\r\n", index) else 1 if index < len(text) else 0)


def _dump(key: str, value: Any, flow: bool) -> str:
    """`key: value` as YAML (block style unless `flow`), without a final line break."""
    if flow and isinstance(value, (list, dict)):
        inline = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, width=_WIDTH, default_flow_style=True)
        return f"{key}: {inline.strip()}"  # the user's `key: [a, b]` style stays
    return yaml.dump(
        {key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=_WIDTH, default_flow_style=False
    ).rstrip("\n")


def _scalar(value: Any) -> str:
    """A scalar value's text in block context, or _Unsafe if it takes more than one line."""
    text = _dump("k", value, False)[3:]
    if "\n" in text:
        raise _Unsafe("a multi-line value")
    return text


def _item(value: Any) -> str:
    """A block list item's text (after `- `), or _Unsafe if it takes more than one line."""
    text = yaml.dump([value], Dumper=_Dumper, allow_unicode=True, width=_WIDTH, default_flow_style=False)
    if text.count("\n") != 1:
        raise _Unsafe("a multi-line item")
    return text[2:-1]


def _compose(front: str) -> yaml.MappingNode | None:
    """The front matter's node tree (the pure-Python loader: its marks index characters)."""
    try:
        root = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise _Unsafe("not readable YAML") from err
    if root is not None and (not isinstance(root, yaml.MappingNode) or root.flow_style):
        raise _Unsafe("not a block mapping")
    return root


# --------------------------------------------------------------------------- comments


def _scalar_spans(node: yaml.Node, text: str, out: list[tuple[int, int]], seen: set[int]) -> None:
    """Where every scalar's own characters are (a `#` there is text, not a comment)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        start = node.start_mark.index
        if node.style in ("|", ">"):  # the header line (`|  # comment`) is not content
            start = _line_end(text, start)
        out.append((start, node.end_mark.index))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _scalar_spans(item, text, out, seen)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _scalar_spans(key, text, out, seen)
            _scalar_spans(value, text, out, seen)


def _comments_in(text: str, root: yaml.Node | None, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every comment beginning in text[start:end]."""
    spans: list[tuple[int, int]] = []
    if root is not None:
        _scalar_spans(root, text, spans, set())
    spans.sort()
    end = len(text) if end is None else end
    found, i, s = [], start, 0
    while i < end:
        j = text.find("#", i, end)
        if j < 0:
            break
        while s < len(spans) and spans[s][1] <= j:
            s += 1
        if s < len(spans) and spans[s][0] <= j:  # inside a scalar: skip past it
            i = spans[s][1]
            continue
        if j == 0 or text[j - 1] in " \t\r\n":
            stop = _line_end(text, j)
            found.append((j, stop))
            i = stop
        else:
            i = j + 1
    return found


def comments(front: str) -> list[str]:
    """Every comment in the front matter, in order (raises _Unsafe for unreadable YAML)."""
    return [front[a:b].rstrip() for a, b in _comments_in(front, _compose(front))]


# --------------------------------------------------------------------------- the edits of one key


def _append_key(front: str, root: yaml.MappingNode | None, key: str, value: Any, newline: str) -> str:
    """`key: value` as a new last key, before any blank lines that end the front matter;
    a list follows the indentation of the page's own block lists."""
    pairs = root.value if root is not None else []
    indent = " " * (pairs[0][0].start_mark.column if pairs else 0)
    lines = _dump(key, value, False).split("\n")
    item_indent = ""
    for key_node, node in pairs:
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            item_indent = " " * (node.start_mark.column - key_node.start_mark.column)
            break
    block = newline.join([indent + lines[0]] + [indent + item_indent + line for line in lines[1:]])
    end = len(front.rstrip("\r\n"))
    return front[:end] + (newline if end else "") + block + front[end:]


def _single_line_scalar(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and node.style in (None, "'", '"')
        and node.start_mark.line == node.end_mark.line
    )


def _set_scalar_text(front: str, node: yaml.Node, text: str) -> str:
    """Replace a scalar value's characters; an empty value (`key:`) gets one inserted."""
    if node.start_mark.index == node.end_mark.index:  # `key:` with no value
        return front[: node.start_mark.index] + " " + text + front[node.end_mark.index :]
    return front[: node.start_mark.index] + text + front[node.end_mark.index :]


def _edit_list(
    front: str, key_node: yaml.Node, node: yaml.Node, new: Sequence[Any], newline: str, drop_comments: bool
) -> str:
    """Delete the lines of removed items, add new items as lines after the last one. A
    removed item's comment goes with it only when `drop_comments` (the user asked for the
    removal); otherwise such a removal is left to the key's rewrite, which keeps comments."""
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        return front[: node.start_mark.index] + _dump("k", list(new), True)[3:] + front[node.end_mark.index :]
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null" and not node.value:
        if not new:
            return _set_scalar_text(front, node, "[]")
        end = _line_end(front, node.end_mark.index)  # `tags:` alone: items on the lines below
        indent = " " * key_node.start_mark.column
        return front[:end] + "".join(f"{newline}{indent}- {_item(v)}" for v in new) + front[end:]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise _Unsafe("not a list of items")
    items = []
    for item in node.value:
        if not _single_line_scalar(item):
            raise _Unsafe("an item over several lines")
        start, end = _line_start(front, item.start_mark.index), _line_end(front, item.end_mark.index)
        prefix, rest = front[start : item.start_mark.index], front[item.end_mark.index : end]
        if not re.fullmatch(r"[ \t]*-[ \t]+", prefix) or not re.fullmatch(r"[ \t]*(#.*)?", rest):
            raise _Unsafe("several items on a line")
        value = yaml.safe_load(front[item.start_mark.index : item.end_mark.index])
        if value not in new and rest.strip() and not drop_comments:
            raise _Unsafe("a removed item has a comment")
        items.append((value, start, end, prefix))
    kept = [value for value, *_ in items if value in new]
    if kept != list(new[: len(kept)]):
        raise _Unsafe("a reordered list")
    added = new[len(kept) :]
    if not kept and not added:  # every item removed: an empty list, not a null
        colon = front.index(":", key_node.end_mark.index)
        return front[: colon + 1] + " []" + front[colon + 1 : _line_end(front, colon)] + front[items[-1][2] :]
    out = front
    last_end, last_prefix = items[-1][2], items[-1][3]
    if added:
        out = out[:last_end] + "".join(newline + last_prefix + _item(v) for v in added) + out[last_end:]
    for value, start, end, _ in reversed(items):
        if value in new:
            continue
        if end < len(out):  # delete the line with its terminator
            out = out[:start] + out[_break_after(out, end) :]
        else:  # the last line of the front matter: delete the terminator before it
            cut = start - (2 if out[start - 2 : start] == "\r\n" else 1) if start else 0
            out = out[:cut] + out[end:]
    return out


def _content_end(node: yaml.Node, text: str) -> int:
    """Where a value's last character is (block collections and block scalars end at
    the next token, after any blank lines and comments)."""
    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark.index
        if node.style in ("|", ">"):
            while end > node.start_mark.index and text[end - 1] in " \t\r\n":
                end -= 1
        return end
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and node.flow_style:
        return node.end_mark.index
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    return max((_content_end(child, text) for child in children), default=node.end_mark.index)


def _rewrite_key(
    front: str, root: yaml.MappingNode, key_node: yaml.Node, node: yaml.Node, value: Any, newline: str
) -> str:
    """The key's lines dumped again (None: removed); comments inside them move below."""
    if key_node.start_mark.column != 0:
        raise _Unsafe("indented keys")
    start = key_node.start_mark.index
    stop = max(_content_end(node, front), key_node.end_mark.index)
    tail_end = _line_end(front, stop)
    tail = front[stop:tail_end]
    if tail.strip() and not tail.lstrip(" \t").startswith("#"):
        raise _Unsafe(f"text after {key_node.value!r}")
    inner = [front[a:b] for a, b in _comments_in(front, root, start, stop)]
    flow = isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and bool(node.flow_style)
    lines = [] if value is None else [_dump(key_node.value, value, flow)]
    if lines and isinstance(node, yaml.SequenceNode) and not node.flow_style and node.start_mark.column:
        indent = " " * node.start_mark.column  # the user's `  - item` list style stays
        lines[0] = lines[0].replace("\n", "\n" + indent)
    if tail.strip() and lines and "\n" not in lines[0]:
        lines[0] += tail  # `key: value  # comment` keeps its comment on its line
        tail = ""
    lines += inner + ([tail.strip()] if tail.strip() else [])
    if lines:
        return front[:start] + newline.join(line.replace("\n", newline) for line in lines) + front[tail_end:]
    # Removed without a trace: the key's lines and their line break go.
    after = _break_after(front, tail_end)
    if after == tail_end and start:  # the last line: drop the break before it instead
        start -= 2 if front[start - 2 : start] == "\r\n" else 1
    return front[:start] + front[after:]


def _set_key(front: str, key: str, value: Any, newline: str, drop_comments: bool) -> str:
    root = _compose(front)
    pairs = [(k, v) for k, v in (root.value if root else []) if isinstance(k, yaml.ScalarNode) and k.value == key]
    if len(pairs) > 1:
        raise _Unsafe(f"{key!r} appears twice")
    if not pairs:
        return front if value is None else _append_key(front, root, key, value, newline)
    key_node, node = pairs[0]
    if node.start_mark.index < key_node.end_mark.index:
        raise _Unsafe(f"{key!r} is an alias")
    try:
        if isinstance(value, list) and (isinstance(node, yaml.SequenceNode) or _single_line_scalar(node)):
            if not (isinstance(node, yaml.ScalarNode) and node.value):  # a list, or `key:` alone
                return _edit_list(front, key_node, node, value, newline, drop_comments)
        elif value is not None and not isinstance(value, dict) and _single_line_scalar(node):
            return _set_scalar_text(front, node, _scalar(value))
    except _Unsafe:
        pass  # the key's lines are dumped again
    assert root is not None  # the key was found in it
    return _rewrite_key(front, root, key_node, node, value, newline)


def edit_front(front: str, changes: Mapping[str, Any], newline: str, drop_comments: bool = False) -> str:
    """The front matter with each key of `changes` set to its value (None: removed), or
    _Unsafe. The result is not checked here: the callers below parse it back."""
    for key, value in changes.items():
        front = _set_key(front, key, value, newline, drop_comments)
    return front


# --------------------------------------------------------------------------- the two entry points


def _expected(meta: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The values a correct edit reads back: changed keys in place, new ones at the end."""
    out = {k: changes.get(k, v) for k, v in meta.items() if not (k in changes and changes[k] is None)}
    out.update({k: v for k, v in changes.items() if k not in meta and v is not None})
    return out


def _reads_back(front: str, expected: Mapping[str, Any], source: str) -> bool:
    try:
        return repr(list(parse_front(front, source).items())) == repr(list(expected.items()))
    except PageError:
        return False


def _splice(text: str, parts: PageText, front: str) -> str:
    """`text` with its front matter replaced by `front`."""
    start = text.index(parts.newline) + len(parts.newline)  # after the opening `---` line
    end = start + len(parts.front)
    if not parts.front and front:
        front += parts.newline  # `---` directly followed by `---`
    return text[:start] + front + text[end:]


def replace_front(text: str, parts: PageText, meta: dict[str, Any], changes: dict[str, Any], source: str) -> str:
    """The importer's edit: `text` with each key of `changes` set to its value (None:
    removed), or PageError when it cannot be done keeping every comment (the page is
    then reported and left as it is)."""
    try:
        front = edit_front(parts.front, changes, parts.newline)
        if not _reads_back(front, _expected(meta, changes), source):
            raise _Unsafe("values do not read back")
        if sorted(comments(front)) != sorted(comments(parts.front)):
            raise _Unsafe("comments would move or change")
    except _Unsafe as err:
        raise PageError(
            Problem(source, 1, f"cannot update this front matter safely ({err}); edit it by hand")
        ) from None
    return _splice(text, parts, front)


def set_keys(text: str, changes: Mapping[str, Any], source: str) -> str:
    """A command's edit (mark, rate, tag, enrich, add): the page with each key of `changes`
    set to its value (None: removed; appended when missing), every other character
    unchanged; a removed list item's comment goes with it. For a layout the surgical
    edit cannot change, the front matter is written again with PyYAML (values and key
    order kept, quoting and layout normalised) when it has no comments; with comments,
    PageError naming the key's line, and nothing is changed."""
    meta, parts = read_page(text, source)
    expected = _expected(meta, changes)
    reason = "values do not read back"
    try:
        front = edit_front(parts.front, changes, parts.newline, drop_comments=True)
        if _reads_back(front, expected, source):
            return _splice(text, parts, front)
    except _Unsafe as err:
        reason = str(err)
    root = _compose(parts.front)
    names = [k for k, _ in (root.value if root else []) if isinstance(k, yaml.ScalarNode)]
    keys = {k.value: k for k in names}
    first = next((keys[k] for k in changes if k in keys), None)
    line = (first.start_mark.line if first is not None else 0) + 2  # 1-based, after the `---` line
    found = comments(parts.front)
    if found:
        raise PageError(
            Problem(
                source,
                line,
                f"cannot change {', '.join(changes)} in place ({reason}), and writing the front matter "
                f"again would lose its comments ({found[0]}); edit the page by hand",
            )
        )
    if len(keys) != len(names):  # written again, only the last of the values would stay
        raise PageError(
            Problem(source, line, f"cannot change {', '.join(changes)} in place ({reason}); edit the page by hand")
        )
    front = (
        yaml.dump(
            dict(expected), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=_WIDTH, default_flow_style=False
        )
        .rstrip("\n")
        .replace("\n", parts.newline)
    )
    if not _reads_back(front, expected, source):
        raise PageError(Problem(source, line, "cannot write this front matter again safely; edit the page by hand"))
    return _splice(text, parts, front)
