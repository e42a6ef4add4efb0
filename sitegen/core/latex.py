"""Clean the LaTeX remnants that survive a copy from an abstract page.

Only common, unambiguous remnants are rewritten (`16\\%`, ``` ``quoted'' ```,
`{\\delta}`, `\\ie`, `na\\"ive`); anything else is kept exactly as written.
"""

from __future__ import annotations

import re
import unicodedata

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι",
    "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
ABBREVIATIONS = {"ie": "i.e.", "eg": "e.g.", "etal": "et al.", "etc": "etc.", "vs": "vs."}
ESCAPED = {"%": "%", "&": "&", "_": "_", "#": "#", "$": "$"}
ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303"}

_GREEK_RE = re.compile(r"\{\\(" + "|".join(GREEK) + r")\}|\\(" + "|".join(GREEK) + r")(?![A-Za-z])")
_ABBREV_RE = re.compile(r"\\(" + "|".join(ABBREVIATIONS) + r")(?![A-Za-z])\.?")
_ESCAPED_RE = re.compile(r"\\([%&_#$])")
_ACCENT_RE = re.compile(r"""\\(["'`^~])\{?([A-Za-z])\}?""")
# No backtick inside: each ``` `` ``` scans only up to the next backtick, so a line full of
# unclosed ``` `` ``` stays linear (`.+?` made it quadratic: 80 KB took 11 s).
_QUOTES_RE = re.compile(r"``([^`]+?)''")


def _accent(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", match.group(2) + ACCENTS[match.group(1)])


def clean_latex(text: str) -> str:
    """Rewrite common LaTeX remnants for reading; leave everything else as written."""
    if "\\" not in text and "``" not in text:
        return text
    text = _QUOTES_RE.sub(lambda m: f"\u201c{m.group(1)}\u201d", text)
    text = _GREEK_RE.sub(lambda m: GREEK[m.group(1) or m.group(2)], text)
    text = _ABBREV_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)
    text = _ACCENT_RE.sub(_accent, text)
    return _ESCAPED_RE.sub(lambda m: ESCAPED[m.group(1)], text)
