"""Letters outside ASCII spelled in ASCII, for slugs: `π0` -> `pi0`, `Straße` -> `strasse`.

A small explicit table rather than a dependency: German umlauts and ß (ä -> ae, as
German writes them without the dots), a few Latin letters that have no decomposition
(ø, ł, æ, þ), Greek and Cyrillic; every other accented Latin letter loses its accents
through NFKD. A lone Greek letter in a title is a symbol (π0, λ-calculus, μP) and is
spelled by its name; a run of Greek letters is a Greek word, spelled letter by letter.
What has no spelling here (CJK, Arabic, emoji) is dropped, and the slug falls back to a
hash when nothing is left.
"""

from __future__ import annotations

import re
import unicodedata

_LATIN = str.maketrans(
    {"ß": "ss", "ä": "ae", "ö": "oe", "ü": "ue", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d",
     "ł": "l", "þ": "th", "ı": "i", "ħ": "h", "ŋ": "ng"}
)  # fmt: skip
_GREEK_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma sigma tau upsilon phi chi psi omega"
).split()
_GREEK_LETTERS = "a b g d e z i th i k l m n x o p r s s t y f ch ps o".split()
# U+03B1 alpha ... U+03C9 omega; U+03C2 is the final sigma.
_GREEK_NAME = {chr(0x03B1 + i): name for i, name in enumerate(_GREEK_NAMES)}
_GREEK_LETTER = str.maketrans({chr(0x03B1 + i): s for i, s in enumerate(_GREEK_LETTERS)})
_GREEK_RUN = re.compile("[\u03b1-\u03c9]+")
# Hard and soft signs (ъ, ь) are not spelled: `_` marks them below.
_CYRILLIC = str.maketrans(
    {c: s.strip("_") for c, s in zip("абвгдежзийклмнопрстуфхцчшщъыьэюяёіїєґў",
     "a b v g d e zh z i i k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya e i i ie g u".split(), strict=True)}
)  # fmt: skip


def to_ascii(text: str) -> str:
    """`text` in lower-case ASCII letters, digits and punctuation; what cannot be spelled goes."""
    if text.isascii():
        return text.lower()  # what every step below leaves it as (most titles: 8x faster)
    text = unicodedata.normalize("NFC", text).lower().translate(_LATIN)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.translate(_LATIN)  # letters NFKD exposed (a compatibility form of ß)
    text = _GREEK_RUN.sub(_spell_greek, text)
    text = text.translate(_CYRILLIC)
    return text.encode("ascii", "ignore").decode()


def _spell_greek(match: re.Match[str]) -> str:
    run = match[0]
    return _GREEK_NAME[run] if len(run) == 1 else run.translate(_GREEK_LETTER)
