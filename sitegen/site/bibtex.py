"""BibTeX for papers, from what is known. A paper with an arXiv id gets the entry
arXiv's own BibTeX export gives (`@misc` with `eprint`, `archivePrefix`, `primaryClass`);
one whose authors are unknown gets no `author` field at all (a made-up `Unknown` would
be printed in a bibliography) and a note that says so."""

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


def _url(url: str) -> str:
    return url.replace("}", "%7D").replace("{", "%7B")


def entry(key: str, title: str, year: str | None, url: str, authors: int | None) -> str:
    """One `@misc` entry for a paper known by its title only; `url` is a search for it."""
    count = f"{authors} author{'' if authors == 1 else 's'}, " if authors else ""
    note = escape(f"Authors not recorded in the digest ({count}see the paper page)")
    year_field = f"  year = {{{year}}},\n" if year else ""
    return (
        f"@misc{{{key},\n  title = {{{{{escape(title)}}}}},\n"
        f"{year_field}  note = {{{note}}},\n  url = {{{_url(url)}}}\n}}\n"
    )


def arxiv_entry(
    key: str,
    title: str,
    year: str | None,
    authors: tuple[str, ...],
    arxiv: str | None,
    primary_class: str | None,
    doi: str | None,
    url: str,
) -> str:
    """One `@misc` entry in the form of arXiv's export: `author = {A and B}` (only when
    the names are known), `eprint`, `archivePrefix = {arXiv}`, `primaryClass` when known."""
    fields = [("title", f"{{{escape(title)}}}")]
    if authors:
        fields.append(("author", " and ".join(_name(a) for a in authors)))
    if year:
        fields.append(("year", year))
    if arxiv:
        fields += [("eprint", arxiv), ("archivePrefix", "arXiv")]
        if primary_class:
            fields.append(("primaryClass", primary_class))
    if doi:
        fields.append(("doi", escape(doi)))
    fields.append(("url", _url(url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def _name(name: str) -> str:
    """An author name for `author = {A and B}`: escaped, and braced when it holds a
    word `and` (which BibTeX would read as a separator)."""
    text = escape(name)
    return f"{{{text}}}" if re.search(r"\band\b", text, re.IGNORECASE) else text
