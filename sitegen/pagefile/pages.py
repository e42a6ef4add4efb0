"""Per-paper Markdown pages: YAML front matter + the user's notes.

The digest owns a few facts (`DIGEST_KEYS`); everything else in a page belongs to
the user. A re-import rewrites a page only when a digest-owned fact or the
taxonomy's tags changed, and then only the changed values' own text: the user's keys,
order, quoting, comments, line endings and body stay byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from sitegen.core import devices
from sitegen.core.identifiers import placeholder_title
from sitegen.core.models import Paper, Problem
from sitegen.pagefile.frontmatter import load_simple
from sitegen.pagefile.frontwrite import dump_front

DIGEST_KEYS = ("title", "date", "date_written", "authors", "upvotes", "sources", "links", "abstract")
"""Front-matter keys the importer keeps in step with the digests."""
IDENTIFIER_KEYS = ("arxiv", "arxiv_version", "doi", "published", "pdf", "hf")
"""Facts richer inputs give (see identifiers.py): written when an input gives them and
updated when it changes them, never removed when none does (`sitegen enrich` or the
user may have written them)."""
AUTO_TAGS = "auto_tags"
"""sitegen's record of the tags the taxonomy gave, to tell the user's tag edits from its own."""
REMOVED_TAGS = "removed_tags"
"""Tags the user removed that the taxonomy no longer gives: without this record the
removal would be forgotten, and the tag put back when the taxonomy gave it again.
Written only when needed."""
ADDED_TAGS = "added_tags"
"""Tags the user added that the taxonomy now gives too: without this record they would
pass for the taxonomy's, and go when it stopped giving them. Written only when needed."""
BOOKKEEPING_KEYS = (AUTO_TAGS, REMOVED_TAGS, ADDED_TAGS)
"""Keys sitegen writes for itself (not the user's data, not shown on the site)."""

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class PageError(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


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


def _timestamp(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
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

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"YAML aliases (*{event.anchor}) are not allowed in a page", event.start_mark
            )
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


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


def digest_facts(paper: Paper) -> dict[str, Any]:
    """The digest-owned front matter of a paper, in the page's key order."""
    facts: dict[str, Any] = {"title": paper.title}
    if paper.date:
        facts["date"] = date.fromisoformat(paper.date)
    if paper.date_text:
        facts["date_written"] = paper.date_text
    if paper.ids.authors:
        facts["authors"] = list(paper.ids.authors)
    elif paper.authors is not None:
        facts["authors"] = paper.authors
    if paper.upvotes is not None:
        facts["upvotes"] = paper.upvotes
    for key in IDENTIFIER_KEYS:
        value = getattr(paper.ids, key)
        if value:
            facts[key] = date.fromisoformat(value) if key == "published" else value
    facts["sources"] = list(paper.sources)
    if paper.links:
        facts["links"] = [{"url": link.url, "kind": link.kind} for link in paper.links]
    facts["abstract"] = paper.abstract
    return facts


def new_page_meta(paper: Paper, today: str) -> dict[str, Any]:
    """The front matter of a paper's first page, in its key order."""
    facts = digest_facts(paper)
    first = ("title", "date", "date_written", "authors", "upvotes", *IDENTIFIER_KEYS)
    meta: dict[str, Any] = {k: facts[k] for k in first if k in facts}
    meta["tags"] = list(paper.tags)
    meta["added"] = date.fromisoformat(paper.added or today)
    meta.update({k: facts[k] for k in ("sources", "links", "abstract") if k in facts})
    meta[AUTO_TAGS] = list(paper.tags)
    return meta


def new_page(paper: Paper, today: str) -> str:
    """The first version of a paper's page; from then on it is the user's file."""
    meta = new_page_meta(paper, today)
    front = dump_front(meta, _Dumper)  # yaml.dump's bytes, without its Python layers (0.4 ms a page)
    if front is None:
        front = yaml.dump(
            meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000_000, default_flow_style=False
        )
    return f"---\n{front}---\n"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, date) or isinstance(b, date):
        return str(a) == str(b)
    return bool(a == b)


def is_placeholder(meta: dict[str, Any]) -> bool:
    """Whether the page's title is the one an id-only paper gets (`arXiv:2403.12345`),
    which the real title replaces when an input gives it."""
    arxiv = meta.get("arxiv")
    return bool(arxiv) and str(meta.get("title")) == placeholder_title(str(arxiv))


def wanted_changes(meta: dict[str, Any], paper: Paper) -> dict[str, Any]:
    """Keys to set (value) or remove (None) so the page matches the digests."""
    facts = digest_facts(paper)
    changes: dict[str, Any] = {}
    for key in DIGEST_KEYS + IDENTIFIER_KEYS:
        if key == "title" and meta.get("title") not in (None, "") and not is_placeholder(meta):
            continue  # the page's title is the user's once written: a hand edit is kept
        if key == "authors" and isinstance(meta.get("authors"), list) and not isinstance(facts.get("authors"), list):
            continue  # names (from an input, a look-up or by hand) are not replaced by a mere count
        if key in IDENTIFIER_KEYS and key not in facts:
            continue
        if key in facts:
            if key not in meta or not _same(meta[key], facts[key]):
                changes[key] = facts[key]
        elif meta.get(key) is not None:
            changes[key] = None
    user_tags = meta.get("tags")
    if user_tags is not None and not isinstance(user_tags, (str, list)):
        return changes  # not a list of tags: the user's to sort out, left as it is
    current = _as_list(user_tags)
    old_auto = _as_list(meta.get(AUTO_TAGS))
    new_auto = list(paper.tags)
    # The user's tag edits, as of this import: what they added or removed against the
    # taxonomy's last tags, plus the edits recorded because a taxonomy change would
    # otherwise have hidden them (see REMOVED_TAGS and ADDED_TAGS).
    added = [t for t in current if t not in old_auto or t in _as_list(meta.get(ADDED_TAGS))]
    removed = [t for t in dict.fromkeys(old_auto + _as_list(meta.get(REMOVED_TAGS))) if t not in current]
    tags = [t for t in current if t in new_auto or t in added]
    tags += [t for t in new_auto if t not in tags and t not in removed]
    if tags != current:
        # The user's own values stay as written (a tag written 2024 stays an int).
        originals = dict(zip(current, user_tags if isinstance(user_tags, list) else [user_tags], strict=False))
        changes["tags"] = [originals.get(t, t) for t in tags]
    if old_auto != new_auto or AUTO_TAGS not in meta:
        changes[AUTO_TAGS] = new_auto
    for key, wanted in (
        (REMOVED_TAGS, [t for t in removed if t not in new_auto]),
        (ADDED_TAGS, [t for t in added if t in new_auto]),
    ):
        if _as_list(meta.get(key)) != wanted:
            changes[key] = wanted or None
    return changes


def update_page(text: str, paper: Paper, source: str) -> str | None:
    """The page with digest-owned facts brought up to date, or None when nothing
    changed. Raises PageError (file and line) for a page it cannot read or cannot
    change safely; such a page is left as it is."""
    meta, parts = read_page(text, source)
    changes = wanted_changes(meta, paper)
    if not changes:
        return None
    return replace_front(text, parts, meta, changes, source)


# --------------------------------------------------------------------------- surgical front-matter edits
#
# Only the changed keys' own text is replaced: every other character of the page (the
# user's keys, their order and quoting, comments, blank lines, line endings, BOM and
# body) stays byte for byte. A comment inside a replaced value moves to the lines just
# after it; nothing the user wrote is dropped. Every result is parsed back and checked
# (values and comments) before it is returned.


class _Unsafe(Exception):
    """A layout the surgical editor does not change (the page is reported, not rewritten)."""


def replace_front(text: str, parts: PageText, meta: dict[str, Any], changes: dict[str, Any], source: str) -> str:
    """`text` with each key of `changes` set to its value (None: removed), or PageError."""
    front = parts.front
    try:
        for key, value in changes.items():
            front = _set_key(front, key, value, parts.newline)
        expected = {k: changes.get(k, v) for k, v in meta.items() if not (k in changes and changes[k] is None)}
        expected.update({k: v for k, v in changes.items() if k not in meta and v is not None})
        got = parse_front(front, source)
        if repr(list(got.items())) != repr(list(expected.items())):
            raise _Unsafe("values do not read back")
        if sorted(_comments(front)) != sorted(_comments(parts.front)):
            raise _Unsafe("comments would move or change")
    except (_Unsafe, PageError, yaml.YAMLError) as err:
        raise PageError(
            Problem(source, 1, f"cannot update this front matter safely ({err}); edit it by hand")
        ) from None
    start = text.index(parts.newline) + len(parts.newline)  # after the opening `---` line
    end = start + len(parts.front)
    if not parts.front:
        front += parts.newline  # `---` directly followed by `---`
    return text[:start] + front + text[end:]


def _dump(key: str, value: Any, flow: bool) -> str:
    if flow and isinstance(value, (list, dict)):
        inline = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, width=1_000_000_000, default_flow_style=True)
        return f"{key}: {inline.strip()}"  # the user's `key: [a, b]` style stays
    return yaml.dump(
        {key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000_000, default_flow_style=False
    ).rstrip("\n")


def _compose(front: str) -> yaml.MappingNode | None:
    root = yaml.compose(front, Loader=yaml.SafeLoader)  # the pure-Python one: its marks index characters
    if root is not None and (not isinstance(root, yaml.MappingNode) or root.flow_style):
        raise _Unsafe("not a block mapping")
    return root


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


def _comments(front: str) -> list[str]:
    return [front[a:b].rstrip() for a, b in _comments_in(front, _compose(front))]


def _line_end(text: str, index: int) -> int:
    """Index of the line break at or after `index`, or len(text)."""
    ends = [e for e in (text.find("\n", index), text.find("\r", index)) if e >= 0]
    return min(ends) if ends else len(text)


def _content_end(node: yaml.Node, text: str) -> int:
    """Where a value's last character is (block collections and block scalars end at
    the next token, after any blank lines and comments)."""
    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark.index
        if node.style in ("|", ">"):
            while end > node.start_mark.index and text[end - 1] in " \t\r\n":
                end -= 1
        return end
    if node.flow_style:
        return node.end_mark.index
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    return max((_content_end(child, text) for child in children), default=node.end_mark.index)


def _set_key(front: str, key: str, value: Any, newline: str) -> str:
    root = _compose(front)
    pairs = [(k, v) for k, v in (root.value if root else []) if isinstance(k, yaml.ScalarNode) and k.value == key]
    if len(pairs) > 1:
        raise _Unsafe(f"{key!r} appears twice")
    if not pairs:
        if value is None:
            return front
        block = _dump(key, value, False).replace("\n", newline)
        end = len(front.rstrip("\r\n"))  # before any blank lines that end the front matter
        return front[:end] + (newline if end else "") + block + front[end:]
    key_node, node = pairs[0]
    if key_node.start_mark.column != 0:
        raise _Unsafe("indented keys")
    if node.start_mark.index < key_node.end_mark.index:
        raise _Unsafe(f"{key!r} is an alias")
    start = key_node.start_mark.index
    stop = max(_content_end(node, front), key_node.end_mark.index)
    tail_end = _line_end(front, stop)
    tail = front[stop:tail_end]
    if tail.strip() and not tail.lstrip(" \t").startswith("#"):
        raise _Unsafe(f"text after {key!r}")
    inner = [front[a:b] for a, b in _comments_in(front, root, start, stop)]
    lines = [] if value is None else [_dump(key, value, bool(getattr(node, "flow_style", False)))]
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
    after = tail_end + (2 if front.startswith("\r\n", tail_end) else 1 if tail_end < len(front) else 0)
    if after == tail_end and start:  # the last line: drop the break before it instead
        start -= 2 if front[start - 2 : start] == "\r\n" else 1
    return front[:start] + front[after:]
