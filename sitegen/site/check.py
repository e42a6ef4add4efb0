"""`sitegen check`: crawl the built site for broken internal links and missing assets."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class BrokenLink:
    page: str
    target: str

    def __str__(self) -> str:
        return f"{self.page}: broken link to {self.target}"


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src"):
            value = values.get(name)
            if value and not (tag == "link" and values.get("rel") == "canonical"):
                self.targets.append(value)


def _is_internal(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("#")


def check_site(root: Path) -> tuple[int, list[BrokenLink]]:
    """Count pages checked and list every internal link whose file does not exist
    (a folder link counts as broken: it does not open from file://)."""
    broken: list[BrokenLink] = []
    pages = sorted(root.rglob("*.html"))
    ids: dict[str, set[str]] = {}
    pending: list[tuple[str, str, str, str]] = []
    for page in pages:
        rel = page.relative_to(root).as_posix()
        parser = _LinkParser()
        parser.feed(page.read_text(encoding="utf-8"))
        ids[rel] = parser.ids
        for target in parser.targets:
            if not _is_internal(target):
                continue
            parts = urlsplit(target)
            path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(parts.path)))
            pending.append((rel, target, path, parts.fragment))
    for rel, target, path, fragment in pending:
        file = root / path
        if path.startswith("..") or not file.is_file():
            broken.append(BrokenLink(rel, target))
        elif fragment and path.endswith(".html") and fragment not in ids.get(path, set()):
            broken.append(BrokenLink(rel, target))
    return len(pages), broken
