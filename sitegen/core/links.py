"""Find the links an abstract mentions and tell code from project pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sitegen.core.models import Link

# A URL runs until white space, a quote, an angle bracket or a brace (`...Models{LOST Repo}`).
_URL_RE = re.compile(r"https?://[^\s<>\"'{}|\\^`\[\]]+", re.IGNORECASE)
_TRAILING = ".,;:!?*"
CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co"}


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end.
    (Linear: the brackets are counted once, not once per character dropped.)"""
    opening, closing = url.count("("), url.count(")")
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last == ")" and opening < closing:
            end -= 1
            closing -= 1
        else:
            break
    return url[:end]


def is_http_url(url: str) -> bool:
    """Only http(s) URLs with a host are ever emitted as links."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def classify(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return "code" if host in CODE_HOSTS else "project"


def find_links(text: str) -> tuple[Link, ...]:
    """Every distinct http(s) link in the text, in order of appearance."""
    seen: dict[str, Link] = {}
    for match in _URL_RE.finditer(text):
        url = _trim(match.group(0))
        if is_http_url(url) and url not in seen:
            seen[url] = Link(url=url, kind=classify(url))
    return tuple(seen.values())
