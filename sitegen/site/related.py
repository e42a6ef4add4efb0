"""Related papers: TF-IDF cosine similarity over title and abstract, at build time.

Each document keeps only its TOP_TERMS strongest terms, and terms that occur in a
large share of a big collection are dropped (they say little about topic and make the
similarity product dense). The similarity matrix is a sparse product computed in row
blocks with NumPy (sitegen/site/csr.py); each term's postings are cut to the POSTINGS documents where it
weighs most, so every row of the product has at most TOP_TERMS x POSTINGS entries and
the cost grows linearly with the number of papers.

The k best of each row are picked among the row's stored entries only (a score of zero
can never pass MIN_SCORE), with a cheap lower bound first so that only a handful of
entries per row are sorted. The result is exactly the one the earlier dense version gave
(every block densified, `argpartition` over all n columns): the matrices are built with
the same operations in the same order (csr.py adds in the order SciPy's sparse product,
which both earlier versions used, does), so every score is the same float, and the rare
row where two candidates tie exactly is handed to that dense selection itself.
tests/test_related.py keeps the dense version as an oracle.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sitegen.site import csr

TOP_TERMS = 40
POSTINGS = 200
"""Per term, only the documents where it weighs most can be matched through it."""
BLOCK_CELLS = 1 << 22
"""Bounds the padded cells when ranking the values of rows or columns, and the products formed
at once for a block of the similarity product: at most BLOCK_CELLS / 8 (about 40 bytes each;
a row forms at most TOP_TERMS x POSTINGS)."""
BLOCK_SUMS = 1 << 18
"""A block of the similarity product has about this many cells (its rows x n, at least 16 rows):
the accumulator it is summed in (12 bytes a cell) then stays in the processor's cache, which
matters more than the Python work per block (at 10,000 papers, 1 << 22 took ~20% longer in one
run on a busy machine; other runs were too noisy to tell)."""
TIEBREAK = 1e-13
"""Scores are lowered by position x TIEBREAK, so ties go to the earlier document."""
MIN_SCORE = 1e-6
"""Candidates scoring this or less (after the tiebreak) are not related at all."""
CHUNK = 32
"""At most this many entries per chunk when bounding a row's k-th best score from chunk maxima."""
TOKEN_BATCH = 2048
"""Documents whose numbered tokens are held at once while counting terms."""
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


def prepare() -> None:
    """Import what related_papers needs (0.4 s), ahead of it: build.py has a child process
    do this while the build starts up."""
    import numpy  # noqa: F401


def related_of(arg: tuple[list[tuple[str, str]], int]) -> dict[str, tuple[str, ...]]:
    """related_papers(docs, k) for arg = (docs, k)."""
    return related_papers(*arg)


def _max_df(n: int) -> int:
    """Terms in more documents than this are ignored (only matters for big lists)."""
    return max(100, n // 10)


def related_papers(docs: list[tuple[str, str]], k: int) -> dict[str, tuple[str, ...]]:
    """For each (id, text), the ids of the k most similar other documents, most similar
    first. Ties are broken by position in `docs` (callers pass them sorted by id)."""
    ids = [doc_id for doc_id, _ in docs]
    if k <= 0 or len(docs) < 2:
        return {doc_id: () for doc_id in ids}
    import numpy as np  # imported here: a build that reuses the cached table never needs it

    n = len(docs)
    tf = _term_counts([text for _, text in docs])
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log(n / np.maximum(df, 1))
    idf[(df >= n) | (df > _max_df(n))] = 0.0
    weights = (1.0 + np.log(tf.data)) * idf[tf.indices]
    # Keep each document's strongest terms, then normalise rows to unit length.
    keep = _keep_top(tf.indptr, weights, tf.indices, TOP_TERMS) & (weights != 0)
    tf = csr.select(tf._replace(data=weights), keep)
    norms = np.sqrt(csr.row_sums_of_squares(tf))
    norms[norms == 0] = 1.0
    x = csr.scale_rows(tf, 1.0 / norms)
    # Cut each term's postings to the documents where it weighs most.
    postings = csr.transpose(x)
    xt = csr.select(postings, _keep_top(postings.indptr, postings.data, postings.indices, POSTINGS))
    out: dict[str, tuple[str, ...]] = {}
    kk = min(k, n - 1)
    tiebreak = np.arange(n) * TIEBREAK
    pairs = csr.product_pairs(x, xt)
    block_rows = max(16, BLOCK_SUMS // n)
    scratch = csr.Scratch(min(n, block_rows) * n)
    start = 0
    while start < n:
        # At most block_rows rows, and as many as keep their products within BLOCK_CELLS / 8.
        stop = int(np.searchsorted(pairs, pairs[start] + BLOCK_CELLS // 8, side="right")) - 1
        stop = max(start + 1, min(stop, start + block_rows, n))
        block = csr.block_product(x, xt, start, stop, scratch)
        for offset, cols in enumerate(_top_k(block.indptr, block.indices, block.data, start, kk, tiebreak)):
            out[ids[start + offset]] = tuple([ids[c] for c in cols])
        start = stop
    return out


def _term_counts(texts: list[str]) -> csr.Csr:
    """The term-count matrix (float64 counts), stop words left out.

    Column numbers and the order of each row's entries are those of the straightforward
    loop (per document, `sorted(Counter(...).items())` without stop words, each new word
    taking the next number), and later steps depend on them to the last bit: ties in the
    TOP_TERMS cut go to the lower column, and the norms and products sum a row's entries in
    their stored order. Getting them with as little Python work per token as possible: `map` over a
    `defaultdict` whose factory is its own `__len__` numbers the tokens in C (cheaper than
    a `Counter` per document and then numbering its words: ~25% less time here), then per
    batch of documents (so the token numbers never take much memory) stop words are masked
    out by number and `np.unique` counts the (document, word) pairs; at the end the columns
    are renumbered and one sort puts each row in alphabetical order.
    """
    import numpy as np

    vocab: defaultdict[str, int] = defaultdict()
    vocab.default_factory = vocab.__len__  # a missing word gets the next number
    lookup = vocab.__getitem__
    findall = _WORD.findall
    n = len(texts)
    vocab_sizes: list[int] = []  # after each document
    rows: list[Any] = []  # per batch, for each distinct (document, word) pair but stop words
    words_at: list[Any] = []
    counts: list[Any] = []
    for first in range(0, n, TOKEN_BATCH):
        tokens: list[int] = []  # the batch's tokens, as word numbers
        lengths: list[int] = []
        for text in texts[first : first + TOKEN_BATCH]:
            size = len(tokens)
            tokens += map(lookup, findall(text.lower()))
            lengths.append(len(tokens) - size)
            vocab_sizes.append(len(vocab))
        token = np.array(tokens, dtype=np.int64)
        del tokens
        row = np.repeat(np.arange(first, first + len(lengths), dtype=np.int64), np.array(lengths, dtype=np.int64))
        stop = np.zeros(len(vocab), dtype=bool)
        stop[[vocab[w] for w in STOP if w in vocab]] = True
        keep = ~stop[token]
        pair, count = np.unique((row[keep] << 32) | token[keep], return_counts=True)
        rows.append((pair >> 32).astype(np.int32))
        words_at.append((pair & 0xFFFFFFFF).astype(np.int32))
        counts.append(count.astype(np.float64))
    words = list(vocab)
    n_words = len(words)
    alphabetical = np.empty(n_words, dtype=np.int64)
    alphabetical[sorted(range(n_words), key=words.__getitem__)] = np.arange(n_words)
    first_doc = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.array(vocab_sizes, dtype=np.int64), prepend=0).astype(np.int64))
    # Columns: the words that are not stop words, by first document, then alphabetically.
    kept = np.flatnonzero(np.fromiter((w not in STOP for w in words), dtype=bool, count=n_words))
    kept = kept[np.lexsort((alphabetical[kept], first_doc[kept]))]
    column = np.full(n_words, -1, dtype=np.int32)
    column[kept] = np.arange(len(kept))
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    col = column[np.concatenate(words_at)] if words_at else np.zeros(0, dtype=np.int32)
    count = np.concatenate(counts) if counts else np.zeros(0)
    del rows, words_at, counts
    # Each row's entries alphabetically: one sort of (row, alphabetical rank), unique keys.
    key = row.astype(np.int64) * max(n_words, 1)
    key += alphabetical[kept][col]
    order = np.argsort(key)
    del key
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    return csr.Csr(indptr, col[order], count[order], (n, len(kept)))


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


def _top_k(indptr: Any, indices: Any, data: Any, start: int, kk: int, tiebreak: Any) -> list[list[int]]:
    """For each row of a block of the similarity product (rows start, start + 1, ...), the
    columns of its kk best other documents, best first, as the dense selection picks them.

    Score = product value - tiebreak[column], kept if above MIN_SCORE, the row's own column
    excluded. Stored entries are all that can qualify: the product holds no zeros, and a
    zero would score at most 0. To sort few entries, each row's (kk + 1)-th largest value
    is bounded from below by the (kk + 1)-th largest maximum of its chunks (runs of at
    most CHUNK entries; their maxima are distinct entries); kk + 1 because the row's own
    entry may be among them. Subtracting the largest tiebreak turns it into a bound on
    scores: an entry below it cannot be in the top kk (rounding is monotone, so the float
    arithmetic keeps this). Only chunks whose maximum reaches the bound are looked into.

    Exact ties: equal products (duplicate texts) differ after the tiebreak, which is far
    above the rounding of scores <= 1. Equal scores need products that differ by almost
    exactly a multiple of TIEBREAK; then which one the dense selection put first depended
    on np.argpartition's internals, so such a row is handed to it (`_dense_top`).
    """
    import numpy as np

    rows = len(indptr) - 1
    lengths = np.diff(indptr)
    # Chunks small enough that a typical row has several per wanted entry (a bound from
    # few, big chunks is loose), and at most CHUNK entries (many small ones cost more).
    size = max(1, min(CHUNK, len(data) // (4 * (kk + 1) * max(rows, 1))))
    chunks = -(-lengths // size)
    chunk_row = np.repeat(np.arange(rows), chunks)
    place = np.arange(len(chunk_row)) - np.repeat(np.cumsum(chunks) - chunks, chunks)
    chunk_start = indptr[chunk_row] + place * size
    chunk_len = np.minimum(indptr[chunk_row + 1] - chunk_start, size)
    floor = np.full(rows, -np.inf)
    maxima = np.maximum.reduceat(data, chunk_start) if len(chunk_start) else np.zeros(0)
    if len(chunk_row) and chunks.max() > kk:
        width = int(chunks.max())
        padded = np.full((rows, width), -np.inf)
        padded[chunk_row, place] = maxima
        floor = np.partition(padded, width - kk - 1, axis=1)[:, width - kk - 1]
    floor = np.maximum(floor - tiebreak[-1], np.nextafter(MIN_SCORE, np.inf))
    hot = np.flatnonzero(maxima >= floor[chunk_row])
    hot_len = chunk_len[hot]
    entry = np.repeat(chunk_start[hot] - (np.cumsum(hot_len) - hot_len), hot_len) + np.arange(int(hot_len.sum()))
    row = np.repeat(chunk_row[hot], hot_len)
    keep = data[entry] >= floor[row]
    entry, row = entry[keep], row[keep]
    col = indices[entry].astype(np.int64)
    score = data[entry] - tiebreak[col]
    ok = (score > MIN_SCORE) & (col != row + start)
    row, col, score = row[ok], col[ok], score[ok]
    order = np.lexsort((-score, row))
    row, col, score = row[order], col[order], score[order]
    rank = np.arange(len(row)) - np.searchsorted(row, row)
    take = rank < kk
    bounds = np.cumsum(np.bincount(row[take], minlength=rows)).tolist()
    picked = col[take].tolist()
    out = [picked[a:b] for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
    # Equal scores within a row's first kk + 1 (never seen on real text): the dense way.
    tied = take[:-1] & (row[:-1] == row[1:]) & (score[:-1] == score[1:])
    if tied.any():  # np.unique costs some 60 us even on nothing, and there are hundreds of blocks
        for r in np.unique(row[:-1][tied]).tolist():
            out[r] = _dense_top(indptr, indices, data, r, start, kk, tiebreak)
    return out


def _dense_top(indptr: Any, indices: Any, data: Any, r: int, start: int, kk: int, tiebreak: Any) -> list[int]:
    """Row r of the block, selected as the dense version did: the whole row of n scores,
    `argpartition` for the kk largest, then a stable sort, then the MIN_SCORE cut."""
    import numpy as np

    n = len(tiebreak)
    scores = np.zeros(n)
    scores[indices[indptr[r] : indptr[r + 1]]] = data[indptr[r] : indptr[r + 1]]
    scores -= tiebreak
    scores[start + r] = -1.0  # not related to itself
    top = np.argpartition(scores, n - kk)[n - kk :]
    top_scores = scores[top]
    order = np.argsort(-top_scores, kind="stable")
    chosen: list[int] = top[order][top_scores[order] > MIN_SCORE].tolist()
    return chosen
