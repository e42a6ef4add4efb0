"""When two spellings are one thing: the identity of tags and titles.

Text pasted from web pages carries characters nobody sees: soft hyphens, zero-width
spaces and joiners, direction marks, variation selectors. Unicode names them
Default_Ignorable_Code_Point; they are kept where text is shown (a zero-width joiner
holds an emoji together) but never count when deciding whether two titles are one
paper or two tags are one tag. The set is defined here and nowhere else.

A tag's identity (`tag_key`) also ignores case, Unicode compatibility forms (`ＬＬＭ` is
`LLM`) and runs of white space: `+LLM` on one page and `+llm` on another are one tag,
with one page, one count and one sitemap entry. merge_spellings picks the spelling
shown and reports the tags spelled more than one way. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import chain

from sitegen.core.models import Problem
from sitegen.core.wording import count

IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; direction marks
    (0x202A, 0x202E),  # bidirectional embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidirectional isolates
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)
"""Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), as inclusive ranges."""

IGNORABLE_CLASS = "".join(
    f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in IGNORABLE_RANGES
)
"""The set as the inside of a regex character class (`[...]`), for other modules' patterns."""

_IGNORABLE = re.compile(f"[{IGNORABLE_CLASS}]+")


def strip_ignorable(text: str) -> str:
    """`text` without its default-ignorable code points (ASCII has none: returned as is)."""
    return text if text.isascii() else _IGNORABLE.sub("", text)


def tag_display(tag: str) -> str:
    """A tag as it is shown: composed (NFC), invisibles removed, white space collapsed."""
    if tag.isascii():
        return " ".join(tag.split())
    return " ".join(unicodedata.normalize("NFC", strip_ignorable(tag)).split())


def tag_key(tag: str) -> str:
    """A tag's identity: invisibles removed, NFKC, case-folded (`Straße` is `strasse`),
    white space collapsed. Two spellings with one key are one tag; a taxonomy id
    (lower-case ASCII, digits and `-`) is its own key."""
    if tag.isascii():
        return " ".join(tag.lower().split())
    text = unicodedata.normalize("NFKC", strip_ignorable(tag)).casefold()
    text = strip_ignorable(unicodedata.normalize("NFKC", text))  # casefold may decompose; NFKC may unveil fillers
    return " ".join(text.split())


def merge_spellings(
    pages: Sequence[tuple[str, tuple[str, ...]]], fixed: Mapping[str, str] | None = None, folder: str = "papers"
) -> tuple[dict[str, str], list[Problem]]:
    """The name to show for each tag key, and a warning for each tag spelled more than one way.

    `pages` holds (slug, spellings) per page, the spellings as tag_display gives them.
    A tag is shown by its most common spelling (on the most pages), ties going to the
    first in code-point order, so the choice never depends on the order pages are read;
    `fixed` maps keys to names that win regardless (the taxonomy's display names). The
    warning names every spelling and the first page (by slug) that uses it."""
    counts = Counter(chain.from_iterable(spellings for _, spellings in pages))  # counted in C: 10,000 pages in 3 ms
    by_key: dict[str, list[str]] = defaultdict(list)
    for spelling in counts:  # a few hundred distinct spellings, however many pages
        by_key[tag_key(spelling)].append(spelling)
    fixed = fixed or {}
    names: dict[str, str] = {}
    merged: dict[str, list[str]] = {}
    for key in sorted(by_key):
        ranked = sorted(by_key[key], key=lambda s: (-counts[s], s))
        names[key] = fixed.get(key) or ranked[0]
        if len(ranked) > 1:
            merged[key] = ranked
    if not merged:
        return names, []
    odd = {spelling for ranked in merged.values() for spelling in ranked}
    first: dict[str, str] = {}
    for slug, spellings in pages:
        for spelling in odd.intersection(spellings):
            if slug < first.get(spelling, "\U0010ffff"):
                first[spelling] = slug
    problems = []
    for key, ranked in merged.items():
        where = [f"{s!r} ({count(counts[s], 'page')}, e.g. {folder}/{first[s]}.md)" for s in ranked]
        message = (
            f"tag {names[key]!r} is spelled {len(ranked)} ways: {', '.join(where)}; they are one tag "
            f"(case, Unicode form, spacing and invisible characters do not count), shown as {names[key]!r}"
        )
        problems.append(Problem(f"{folder}/{first[ranked[1]]}.md", 0, message))
    return names, problems
