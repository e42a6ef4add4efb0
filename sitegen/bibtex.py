"""BibTeX for papers, from what the digest knows: title, year, a URL. Digests do not
name the authors, and the entries say so instead of inventing them."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"[&%$#_{}\\~^]")
_REPLACEMENTS = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_KEY = re.compile(r"[^a-z0-9]+")


def escape(text: str) -> str:
    """Text safe inside a braced BibTeX field (LaTeX specials escaped, ~ and ^ spelled out)."""
    if _SPECIAL.search(text) is None:
        return text  # most titles: no substitution to set up
    return _SPECIAL.sub(lambda m: _REPLACEMENTS.get(m.group(0), "\\" + m.group(0)), text)


def cite_key(slug: str, year: str | None) -> str:
    words = [w for w in _KEY.split(slug.lower()) if w][:3]
    return "".join(words) + (year or "nd")


def cite_keys(papers: list[tuple[str, str | None]]) -> dict[str, str]:
    """A distinct key per (slug, year), in the given order: `scalinglawsfor2024`,
    then `scalinglawsfor2024a`, `...b` for later papers with the same words and year."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for slug, year in papers:
        base = key = cite_key(slug, year)
        n = 0
        while key in used:
            key = base + _suffix(n)
            n += 1
        used.add(key)
        keys[slug] = key
    return keys


def _suffix(n: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[n] if n < 26 else f"{letters[n % 26]}{n // 26}"


def entry(key: str, title: str, year: str | None, url: str, authors: int | None) -> str:
    """One `@misc` entry; `url` is the paper's page (or a search for it)."""
    count = f"{authors} author{'' if authors == 1 else 's'}, " if authors else ""
    note = escape(f"Authors not recorded in the digest ({count}see the paper page)")
    url = url.replace("}", "%7D").replace("{", "%7B")
    year_field = f"  year = {{{year}}},\n" if year else ""
    return (
        f"@misc{{{key},\n  title = {{{{{escape(title)}}}}},\n  author = {{{{Unknown}}}},\n"
        f"{year_field}  note = {{{note}}},\n  url = {{{url}}}\n}}\n"
    )
