"""Paper identifiers: arXiv ids and DOIs, read from what people paste and normalised.

One place decides what an identifier looks like, so the importer, the page reader and
the templates agree: `2403.12345`, `arXiv:2403.12345v2`, `https://arxiv.org/abs/...`,
`.../pdf/...v3.pdf` and `https://huggingface.co/papers/2403.12345` are one paper, with
the version kept apart (a version is a revision of the paper, not another paper).
Pure functions only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW_ID = r"(?P<new>(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5}))"
_OLD_ID = r"(?P<old>(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.(?P<subject>[A-Za-z]{2}))?/(?P<oldnum>\d{7}))"
_VERSION = r"(?:v(?P<version>[1-9]\d{0,3}))?"
_ARXIV = re.compile(rf"(?:{_NEW_ID}|{_OLD_ID}){_VERSION}")
_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf)|huggingface\.co/papers)/(?P<rest>[^?#]+?)/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivId:
    """An arXiv identifier without its version: `2403.12345` or `hep-th/9901001`."""

    id: str
    version: int | None = None
    """The `v2` of `2403.12345v2`, when one was given."""

    @property
    def primary_class(self) -> str | None:
        """The archive an old-style id names (`hep-th/9901001` -> `hep-th`); new-style
        ids do not say their category."""
        return self.id.split("/")[0] if "/" in self.id else None


def parse_arxiv_id(text: str) -> ArxivId | None:
    """An arXiv id written bare (`2403.12345`, `arXiv:2403.12345v2`, `hep-th/9901001`),
    or None. New-style ids have a real month (01-12) and, from 2015 (`1501.`), five digits."""
    text = text.strip()
    if text[:6].lower() == "arxiv:":
        text = text[6:].strip()
    match = _ARXIV.fullmatch(text)
    if match is None:
        return None
    version = int(match["version"]) if match["version"] else None
    if match["new"]:
        if not 1 <= int(match["mm"]) <= 12:
            return None
        # Four digits until 2014 (0704.0001-1412.9999), five from 1501 on.
        if (len(match["num"]) == 5) != (int(match["yy"] + match["mm"]) >= 1501):
            return None
        return ArxivId(match["new"], version)
    archive = match["archive"] + (f".{match['subject'].upper()}" if match["subject"] else "")
    return ArxivId(f"{archive}/{match['oldnum']}", version)


def arxiv_from_url(url: str) -> ArxivId | None:
    """The arXiv id in an arxiv.org abstract or PDF link or a Hugging Face paper page."""
    match = _ARXIV_URL.match(url.strip())
    if match is None:
        return None
    rest = match["rest"]
    if rest.lower().endswith(".pdf"):
        rest = rest[:-4]
    return parse_arxiv_id(rest)


def parse_arxiv(text: str) -> ArxivId | None:
    """An arXiv id written bare or as an arXiv or Hugging Face paper URL."""
    return arxiv_from_url(text) if "://" in text else parse_arxiv_id(text)


def normalise_doi(text: str) -> str | None:
    """A DOI without `doi:` or the resolver's address, lower-cased (DOIs are compared
    without case), or None when it is not one."""
    doi = _DOI_PREFIX.sub("", text.strip()).strip()
    return doi.lower() if _DOI.match(doi) else None


def abs_url(arxiv: str) -> str:
    return f"https://arxiv.org/abs/{arxiv}"


def pdf_url(arxiv: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv}"


def hf_url(arxiv: str) -> str | None:
    """Hugging Face's paper page, which exists for new-style ids only."""
    return None if "/" in arxiv else f"https://huggingface.co/papers/{arxiv}"


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


def placeholder_title(arxiv: str) -> str:
    """The title of a paper known only by its id (`arXiv:2403.12345`), until an input
    or a look-up gives the real one; the page's title follows the real one then."""
    return f"arXiv:{arxiv}"
