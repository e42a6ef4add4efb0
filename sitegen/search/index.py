"""Search: Pagefind over the paper pages, and a compact offline index.

Pagefind (the `pagefind_bin` binary shipped on PyPI) indexes only `papers/*/index.html`,
and inside each only the element marked `data-pagefind-body` (title, abstract, notes,
tags): listing pages would repeat every paper in the results, and the chrome is noise.

Pagefind cannot run from `file://` (an ES module that `fetch()`es its index), so the
build also writes `search-index.js`: a classic script that sets one global with, per
paper, its slug, title, date, tags, status, digests, upvotes and a handful of
distinctive abstract terms (and the author names and arXiv id, when known).
`static/search.js` uses Pagefind over http and this index from disk, with the same
search box, results and filters.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
from array import array
from collections import Counter
from pathlib import Path

import orjson

from sitegen.core.errors import BuildError
from sitegen.core.escapes import replace_each
from sitegen.search.pagefind_canon import canonicalise
from sitegen.site.library import Library, LibraryPaper
from sitegen.site.related import STOP

SEARCH_VERSION = "1"
"""Bump when the indexing changes, so incremental builds re-index."""
OFFLINE_INDEX = "search-index.js"
OFFLINE_TERMS = 12
"""Distinctive abstract terms kept per paper in the offline index."""
_WORD = re.compile(r"[a-z0-9][a-z0-9-]{2,}")


class SearchError(BuildError, RuntimeError):
    """Pagefind failed, or wrote a bundle that cannot be read (a full disk leaves an empty
    entry file): the build cannot complete, and says so as any BuildError."""


def _abstract_terms(docs: list[str], title_words: list[set[str]]) -> list[list[str]]:
    """Per document, the OFFLINE_TERMS terms with the highest TF-IDF (tf x log(1 + n/df))
    that are not already in the title (the title is searched anyway)."""
    import numpy as np

    vocab: dict[str, int] = {}
    # Machine integers, not lists of Python ints: at 100,000 papers there are about ten
    # million (document, word) pairs, which as lists took some 700 MB at the build's peak.
    lengths, cols, freqs = array("q"), array("q"), array("q")
    for doc, seen in zip(docs, title_words, strict=True):
        before = len(cols)
        for word, count in Counter(w for w in _WORD.findall(doc.lower()) if w not in STOP).items():
            if word not in seen:
                cols.append(vocab.setdefault(word, len(vocab)))
                freqs.append(count)
        lengths.append(len(cols) - before)
    words = np.array(list(vocab), dtype=object)
    if not freqs:
        return [[] for _ in docs]
    col_all, freq_all = np.frombuffer(cols, dtype=np.int64), np.frombuffer(freqs, dtype=np.int64)
    per_doc = np.frombuffer(lengths, dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(per_doc)))
    df = np.bincount(col_all, minlength=len(vocab))
    # df counts documents whose abstract has the word outside their title; close enough,
    # and the same on every build.
    idf = np.log1p(len(docs) / df)
    out = []
    # Each document's terms depend on its own words and the df only: ranked a block of
    # documents at a time, so the sort's arrays stay small (600 MB less at 100,000 papers).
    for first in range(0, len(docs), _TERMS_BLOCK):
        last = min(len(docs), first + _TERMS_BLOCK)
        col_a = col_all[offsets[first] : offsets[last]]
        row_a = np.repeat(np.arange(first, last, dtype=np.int64), per_doc[first:last])
        score = freq_all[offsets[first] : offsets[last]].astype(np.float64) * idf[col_a]
        # Best first within each document; ties by first appearance, so the result is stable.
        order = np.lexsort((col_a, -score, row_a))
        starts = np.searchsorted(row_a[order], np.arange(first, last + 1))
        for d in range(last - first):
            chosen = order[starts[d] : starts[d + 1]][:OFFLINE_TERMS]
            out.append(sorted(words[col_a[chosen]].tolist()))
    return out


_TERMS_BLOCK = 8192
"""Documents ranked at once by _abstract_terms."""


def offline_index_key(library: Library) -> str:
    """Fingerprint of exactly what the offline index is made from (notes are not in it)."""
    h = hashlib.sha1(f"{SEARCH_VERSION}{sorted(library.tag_names.items())!r}".encode())
    for p in library.papers:
        h.update(repr((p.slug, p.title, p.date, p.tags, p.status, p.sources, p.upvotes, p.abstract)).encode())
        if p.author_names or p.arxiv:
            h.update(repr((p.author_names, p.arxiv)).encode())
    return h.hexdigest()


def _identity_terms(paper: LibraryPaper) -> list[str]:
    """Author names and the arXiv id, searched like the abstract terms (a paper found by
    `Vaswani` or `1706.03762`); nothing for a paper without them, whose entry stays as it was."""
    return [*paper.author_names, *([paper.arxiv] if paper.arxiv else [])]


def offline_index(library: Library) -> bytes:
    """The offline search index as a classic script (a global, no fetch)."""
    tags = list(library.by_tag)
    tag_pos = {t: i for i, t in enumerate(tags)}
    sources = list(library.by_source)
    source_pos = {s: i for i, s in enumerate(sources)}
    title_words = [set(_WORD.findall(p.title.lower())) for p in library.papers]
    terms = _abstract_terms([p.abstract for p in library.papers], title_words)
    papers = [
        [
            p.slug,
            p.title,
            p.date or "",
            [tag_pos[t] for t in p.tags],
            p.status or "",
            [source_pos[s] for s in p.sources],
            p.upvotes or 0,
            " ".join([*words, *_identity_terms(p)]),
        ]
        for p, words in zip(library.papers, terms, strict=True)
    ]
    data = {
        "v": 1,
        "fields": ["slug", "title", "date", "tags", "status", "sources", "upvotes", "terms"],
        "tags": [[t, library.tag_names.get(t, t)] for t in tags],
        "sources": sources,
        "papers": papers,
    }
    text = orjson.dumps(data)  # what json.dumps(ensure_ascii=False, separators=(",", ":")) gives, 5x faster
    return b"window.SITEGEN_SEARCH=" + replace_each(text, _OFFLINE_ESCAPES) + b";\n"


_OFFLINE_ESCAPES = ((b"<", b"\\u003c"), ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))
"""What must not appear raw in a classic script's JSON: `</script>` and JavaScript's old line breaks."""


def run_pagefind(site: Path, bundle: Path | None = None) -> str:
    """Index the paper pages of a built site with the Pagefind binary, writing the
    bundle to `site/pagefind` (or to `bundle`)."""
    return PagefindRun(site, bundle).wait()


class PagefindRun:
    """The Pagefind binary indexing the paper pages of a built site, started now; `wait()`
    for its bundle (in `site/pagefind`, or `bundle`). Meanwhile the caller may write files
    Pagefind does not read: a full build makes the offline index then, on the part of the
    second core that Pagefind leaves idle (it keeps about 1.4 of 2 cores busy)."""

    def __init__(self, site: Path, bundle: Path | None = None) -> None:
        self.bundle = bundle or site / "pagefind"
        command = [
            sys.executable, "-m", "pagefind_bin",
            "--site", str(site),
            "--output-path", str(self.bundle.resolve()),
            "--glob", "papers/*/index.html",
            "--force-language", "en",
            "--keep-index-url",
            "--silent",
        ]  # fmt: skip
        # Its output goes to a file, not a pipe: a pipe nobody reads until the end could fill.
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by wait() or stop()
        self._process = subprocess.Popen(command, stdout=self._output, stderr=subprocess.STDOUT)

    def wait(self) -> str:
        with self._output:
            try:
                code = self._process.wait()
            except BaseException:  # interrupted (Ctrl-C): Pagefind ends too, as subprocess.run does it
                self.stop()
                raise
            self._output.seek(0)
            output = self._output.read().decode("utf-8", "replace")
        if code != 0:
            detail = output.strip().splitlines()[-5:]
            raise SearchError("pagefind failed: " + " | ".join(detail))
        if not (self.bundle / "pagefind.js").is_file():
            raise SearchError(f"pagefind ran but wrote no {self.bundle}/pagefind.js")
        try:
            canonicalise(self.bundle)
        except (OSError, ValueError, EOFError, LookupError, TypeError) as err:  # disk, JSON, gzip, CBOR, shape
            raise SearchError(_unusable(self.bundle, err)) from None
        return "search index: pagefind + offline"

    def stop(self) -> None:
        """End Pagefind early (the build failed while it ran)."""
        self._process.kill()
        self._process.wait()
        self._output.close()


def _unusable(bundle: Path, err: Exception) -> str:
    """Why Pagefind's bundle could not be made canonical, in one line."""
    if isinstance(err, OSError) and err.errno is not None:
        return f"cannot rewrite pagefind's index: {err.filename or bundle}: {err.strerror}"
    entry = bundle / "pagefind-entry.json"
    if entry.is_file() and entry.stat().st_size == 0:  # what Pagefind leaves when the disk is full
        return f"pagefind wrote an empty {entry} (is the disk full?)"
    return f"pagefind wrote an index that cannot be read ({bundle}): {err}"
