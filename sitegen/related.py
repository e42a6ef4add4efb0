"""Related papers: TF-IDF cosine similarity over title and abstract, at build time.

Each document keeps only its TOP_TERMS strongest terms, and terms that occur in a
large share of a big collection are dropped (they say little about topic and make the
similarity product dense). The similarity matrix is a sparse product computed in row
blocks with SciPy; each term's postings are cut to the POSTINGS documents where it
weighs most, so every row of the product has at most TOP_TERMS x POSTINGS entries and
the cost grows linearly with the number of papers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

TOP_TERMS = 40
POSTINGS = 200
"""Per term, only the documents where it weighs most can be matched through it."""
BLOCK_CELLS = 1 << 22
"""Similarity scores held in memory at once (a block of rows of the n x n matrix), and
padded cells when ranking the values of many rows or columns at once."""
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
STOP = frozenset(
    """the and for with that this from are was were has have been our their its into
    than then them they these those which while where when what who how can could may
    might will would should also such both each more most other some any all not only
    over under between through using based use used via new show shows shown propose
    proposed approach method methods paper results result work works model models task
    tasks however furthermore moreover thus here there however first second two three
    one different various large improve improves improved performance existing well
    data learning training neural""".split()
)


def _max_df(n: int) -> int:
    """Terms in more documents than this are ignored (only matters for big lists)."""
    return max(100, n // 10)


def related_papers(docs: list[tuple[str, str]], k: int) -> dict[str, tuple[str, ...]]:
    """For each (id, text), the ids of the k most similar other documents, most similar
    first. Ties are broken by position in `docs` (callers pass them sorted by id)."""
    ids = [doc_id for doc_id, _ in docs]
    if k <= 0 or len(docs) < 2:
        return {doc_id: () for doc_id in ids}
    import numpy as np  # imported here: a build that reuses the cached table never needs them
    from scipy import sparse

    n = len(docs)
    tf = _term_counts([text for _, text in docs])
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log(n / np.maximum(df, 1))
    idf[(df >= n) | (df > _max_df(n))] = 0.0
    tf.data = (1.0 + np.log(tf.data)) * idf[tf.indices]
    # Keep each document's strongest terms, then normalise rows to unit length.
    tf.data[~_keep_top(tf.indptr, tf.data, tf.indices, TOP_TERMS)] = 0.0
    tf.eliminate_zeros()
    norms = np.sqrt(np.asarray(tf.multiply(tf).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = (sparse.diags(1.0 / norms) @ tf).tocsr()
    # Cut each term's postings to the documents where it weighs most.
    postings = x.tocsc()
    postings.data[~_keep_top(postings.indptr, postings.data, postings.indices, POSTINGS)] = 0.0
    postings.eliminate_zeros()
    xt = postings.T.tocsr()
    out: dict[str, tuple[str, ...]] = {}
    block_rows = max(16, BLOCK_CELLS // n)
    # Scores are lowered by a hair per position, so ties go to the earlier document.
    tiebreak = np.arange(n) * 1e-13
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        scores = (x[start:stop] @ xt).toarray()
        scores -= tiebreak
        scores[np.arange(stop - start), np.arange(start, stop)] = -1.0  # not related to itself
        kk = min(k, n - 1)
        top = np.argpartition(scores, n - kk, axis=1)[:, n - kk :]
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        for offset, (cols, vals) in enumerate(zip(top.tolist(), top_scores.tolist(), strict=True)):
            out[ids[start + offset]] = tuple(ids[c] for c, v in zip(cols, vals, strict=True) if v > 1e-6)
    return out


def _term_counts(texts: list[str]) -> Any:
    """The term-count matrix (CSR, float64 counts), stop words left out.

    Column numbers and the order of each row's entries are those of the straightforward
    loop (per document, `sorted(Counter(...).items())` without stop words, each new word
    taking the next number), and later steps depend on them to the last bit: ties in the
    TOP_TERMS cut go to the lower column, and SciPy sums a row's entries in their stored
    order. Getting them with no Python-level work per token or per distinct word of a
    document: `Counter` counts in C, `map` over a `defaultdict` whose factory is its own
    `__len__` numbers words in C, stop words are dropped once per vocabulary word, and
    NumPy puts columns and rows in that order with one sort each.
    """
    import numpy as np
    from scipy import sparse

    vocab: defaultdict[str, int] = defaultdict()
    vocab.default_factory = vocab.__len__  # a missing word gets the next number
    lookup = vocab.__getitem__
    findall = _WORD.findall
    words_at: list[int] = []  # per (document, distinct word): the word's number, in order of first use
    counts: list[int] = []
    lengths: list[int] = []
    vocab_sizes: list[int] = []
    for text in texts:
        c = Counter(findall(text.lower()))
        words_at += map(lookup, c)
        counts += c.values()
        lengths.append(len(c))
        vocab_sizes.append(len(vocab))
    n = len(texts)
    words = list(vocab)
    n_words = len(words)
    word = np.array(words_at, dtype=np.int64)
    row = np.repeat(np.arange(n, dtype=np.int64), np.array(lengths, dtype=np.int64))
    alphabetical = np.empty(n_words, dtype=np.int64)
    alphabetical[sorted(range(n_words), key=words.__getitem__)] = np.arange(n_words)
    first_doc = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.array(vocab_sizes, dtype=np.int64), prepend=0))
    # Columns: the words that are not stop words, by first document, then alphabetically.
    kept = np.flatnonzero(np.fromiter((w not in STOP for w in words), dtype=bool, count=n_words))
    kept = kept[np.lexsort((alphabetical[kept], first_doc[kept]))]
    column = np.full(n_words, -1, dtype=np.int64)
    column[kept] = np.arange(len(kept))
    col = column[word]
    keep = col >= 0
    row, word, col = row[keep], word[keep], col[keep]
    # Each row's entries alphabetically: one sort of (row, alphabetical rank), unique keys.
    order = np.argsort(row * max(n_words, 1) + alphabetical[word])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    count = np.array(counts, dtype=np.float64)[keep][order]
    return sparse.csr_matrix((count, col[order], indptr), shape=(n, len(kept)))


def _keep_top(indptr: Any, data: Any, minor: Any, top: int) -> Any:
    """Of each row (CSR) or column (CSC), which stored values are among its `top` largest;
    ties go to the lower index (`minor`: column or row numbers).

    Lines with `top` values or fewer keep them all. For the others the top-th largest value
    comes from `np.partition` over the lines padded to equal length (grouped by length, so
    padding stays small, and at most BLOCK_CELLS cells at a time); values above it are kept,
    and of the values equal to it, those with the lowest indices, as many as are missing.
    Sorting every value (`np.lexsort` by line, value, index) gave the same set, slower.
    """
    import numpy as np

    lengths = np.diff(indptr)
    major = np.repeat(np.arange(len(lengths)), lengths)
    cut = np.full(len(lengths), -np.inf)
    long = np.flatnonzero(lengths > top)
    long = long[np.argsort(lengths[long], kind="stable")]
    i = 0
    while i < len(long):
        cells = np.arange(1, len(long) - i + 1) * lengths[long[i:]]
        j = i + max(1, int(np.searchsorted(cells, BLOCK_CELLS, side="right")))
        group = long[i:j]
        width = int(lengths[group[-1]])
        glen = lengths[group]
        place = np.arange(int(glen.sum())) - np.repeat(np.cumsum(glen) - glen, glen)
        padded = np.full((len(group), width), -np.inf)
        padded[np.repeat(np.arange(len(group)), glen), place] = data[np.repeat(indptr[group], glen) + place]
        cut[group] = np.partition(padded, width - top, axis=1)[:, width - top]
        i = j
    line_cut = cut[major]
    keep = data > line_cut
    tied = np.flatnonzero(data == line_cut)
    if len(tied):
        missing = top - np.bincount(major[keep], minlength=len(lengths))
        tied = tied[np.lexsort((minor[tied], major[tied]))]
        tied_major = major[tied]
        rank = np.arange(len(tied)) - np.searchsorted(tied_major, tied_major)
        keep[tied[rank < missing[tied_major]]] = True
    return keep
