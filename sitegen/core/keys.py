"""A paper's key (its identity by title) and the slug made from its title: used by the
importer to match pages, by the site for URLs and by the reading commands to find papers."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from sitegen.core.identity import strip_ignorable
from sitegen.core.translit import to_ascii

MAX_SLUG = 80
_END_PUNCT = frozenset(".,;:!?\u3002")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Names Windows refuses as files, whatever the extension.
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def paper_key(title: str) -> str:
    """A paper's identity: its title with Unicode form, case, white space and
    trailing punctuation normalised and invisible characters (identity.IGNORABLE_RANGES:
    a soft hyphen, a zero-width space) removed, so the same paper pasted twice is one paper."""
    text = unicodedata.normalize("NFKC", strip_ignorable(title)).casefold()
    text = " ".join(strip_ignorable(text).split())  # what NFKC made invisible (U+FFA0 -> U+1160)
    end = len(text)
    while end and (text[end - 1] in _END_PUNCT or text[end - 1].isspace()):
        end -= 1  # a loop, not a `[...]+$` regex: that one is quadratic on long runs of punctuation
    return text[:end] or text


def base_slug(title: str) -> str:
    """ASCII, lowercase, hyphenated, at most MAX_SLUG characters, cut at a word boundary.
    Greek, Cyrillic and German letters are spelled in ASCII (`π0` -> `pi0`, `Straße` ->
    `strasse`), accents dropped. Pages made before keep their file names: the importer
    matches existing pages by title key, never by slug."""
    slug = _NON_ALNUM.sub("-", to_ascii(strip_ignorable(title))).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[: MAX_SLUG + 1].rfind("-")
        slug = slug[: cut if cut > MAX_SLUG // 2 else MAX_SLUG].strip("-")
    if slug in RESERVED:
        slug += "-paper"
    return slug


def key_hash(key: str, length: int = 6) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:length]
