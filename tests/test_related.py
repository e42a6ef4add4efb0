"""sitegen.site.related must give exactly what the pre-optimisation version gave.

`reference_related_papers` below is that version, copied unchanged from sitegen/site/related.py
as it was before the sparse top-k (dense blocks, `argpartition` over all n columns) and kept
here as an oracle: same keys, same tuples, same order, on hand-made corpora with empty and
duplicate texts (exact ties), on random small vocabularies (hypothesis), and on a realistic
corpus of synthetic papers made by tests/bench/gen.py.

The steps are also held to the oracle's bit for bit: the term counts (`_term_counts`), the
TOP_TERMS/POSTINGS cuts (`_keep_top` against the old ranking), the top-k selection
(`_top_k` against the old dense selection, with exact score ties forced so that rows go to
`_dense_top`).
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.site import related
from sitegen.site.library import paper_from_page
from sitegen.site.related import _keep_top, _term_counts, _top_k, related_papers

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "bench"))

import related_bench  # noqa: E402

# --- the oracle: sitegen/site/related.py before the sparse top-k, unchanged but for names ---------

REF_TOP_TERMS = 40
REF_POSTINGS = 200
REF_BLOCK_CELLS = 1 << 22
REF_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
REF_STOP = frozenset(
    """the and for with that this from are was were has have been our their its into
    than then them they these those which while where when what who how can could may
    might will would should also such both each more most other some any all not only
    over under between through using based use used via new show shows shown propose
    proposed approach method methods paper results result work works model models task
    tasks however furthermore moreover thus here there however first second two three
    one different various large improve improves improved performance existing well
    data learning training neural""".split()
)


def _ref_max_df(n: int) -> int:
    return max(100, n // 10)


def reference_related_papers(docs: list[tuple[str, str]], k: int) -> dict[str, tuple[str, ...]]:
    """related_papers as it was before the sparse top-k (sitegen/site/related.py at 894146a), kept
    as the oracle: do not optimise or "fix" it."""
    ids = [doc_id for doc_id, _ in docs]
    if k <= 0 or len(docs) < 2:
        return {doc_id: () for doc_id in ids}
    import numpy as np  # imported here: a build that reuses the cached table never needs them
    from scipy import sparse

    n = len(docs)
    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for _, text in docs:
        c = Counter(w for w in REF_WORD.findall(text.lower()) if w not in REF_STOP)
        for word, count in sorted(c.items()):
            indices.append(vocab.setdefault(word, len(vocab)))
            counts.append(count)
        indptr.append(len(indices))
    tf = sparse.csr_matrix(
        (np.asarray(counts, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(n, len(vocab)),
    )
    df = np.bincount(tf.indices, minlength=len(vocab))
    idf = np.log(n / np.maximum(df, 1))
    idf[(df >= n) | (df > _ref_max_df(n))] = 0.0
    tf.data = (1.0 + np.log(tf.data)) * idf[tf.indices]
    # Keep each document's strongest terms, then normalise rows to unit length.
    tf.data[reference_rank_within(tf) >= REF_TOP_TERMS] = 0.0
    tf.eliminate_zeros()
    norms = np.sqrt(np.asarray(tf.multiply(tf).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = (sparse.diags(1.0 / norms) @ tf).tocsr()
    # Cut each term's postings to the documents where it weighs most.
    postings = x.tocsc()
    postings.data[reference_rank_within(postings) >= REF_POSTINGS] = 0.0
    postings.eliminate_zeros()
    xt = postings.T.tocsr()
    out: dict[str, tuple[str, ...]] = {}
    block_rows = max(16, REF_BLOCK_CELLS // n)
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


def reference_rank_within(matrix: Any) -> Any:
    """The pre-optimisation _rank_within: each stored value's rank (0 = largest) in its row
    (CSR) or column (CSC); ties go to the lower index."""
    import numpy as np

    counts = np.diff(matrix.indptr)
    major = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((matrix.indices, -matrix.data, major))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - matrix.indptr[major[order]]
    return rank


def reference_term_counts(texts: list[str]) -> Any:
    """The oracle's first step alone: its term-count matrix."""
    import numpy as np
    from scipy import sparse

    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for text in texts:
        c = Counter(w for w in REF_WORD.findall(text.lower()) if w not in REF_STOP)
        for word, count in sorted(c.items()):
            indices.append(vocab.setdefault(word, len(vocab)))
            counts.append(count)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(counts, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(texts), len(vocab)),
    )


# --- helpers -----------------------------------------------------------------------------------


def assert_same(docs: list[tuple[str, str]], k: int) -> dict[str, tuple[str, ...]]:
    got = related_papers(docs, k)
    want = reference_related_papers(docs, k)
    assert list(got) == list(want)
    for doc_id, ids in want.items():
        assert got[doc_id] == ids, doc_id
    return got


def numbered(texts: list[str]) -> list[tuple[str, str]]:
    return [(f"p{i:04d}", text) for i, text in enumerate(texts)]


@lru_cache(maxsize=2)
def synthetic_docs(n: int, seed: int) -> list[tuple[str, str]]:
    """(slug, "title title abstract") of n papers from gen.py's generator, sorted by slug."""
    return related_bench.synthetic_docs(n, seed)


# --- hand-made corpora -------------------------------------------------------------------------

TOPICS = [
    "Sparse attention for long documents with linear memory",
    "Diffusion transformers for video generation at scale",
    "Retrieval augmented generation improves factual answers",
    "Sparse mixture of experts routing for language modelling",
    "Video diffusion with temporal attention layers",
    "Reinforcement learning from human feedback for chat assistants",
]


@pytest.mark.parametrize("k", [0, 1, 2, 5, 50])
def test_small_corpora(k: int) -> None:
    assert_same(numbered(TOPICS), k)
    assert_same(numbered(TOPICS + TOPICS), k)  # every text twice: exact ties on every score
    assert_same(numbered(["", "", "sparse attention", "", "sparse attention"]), k)
    assert_same(numbered(["sparse", "attention", "sparse", "video", "sparse attention video"]), k)
    assert_same(numbered(["the and for", "with that this", "the and"]), k)  # stop words only
    assert_same(numbered(["ab cd ef", "x1 y2", ""]), k)  # no word long enough
    assert_same(numbered(["Çà va? Naïve café déjà-vu", "naïve café", "CAFÉ NAÏVE", "k-means 3d-conv x-ray"]), k)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 10])
def test_tiny_n_and_k_beyond_n(n: int, k: int) -> None:
    texts = ["sparse attention video", "sparse attention", "video diffusion"][:n]
    got = assert_same(numbered(texts), k)
    assert all(len(ids) <= max(0, min(k, n - 1)) for ids in got.values())


def test_duplicates_rank_by_position() -> None:
    docs = numbered(["sparse attention video"] * 4 + ["sparse attention"] * 3 + ["diffusion"])
    got = assert_same(docs, 5)
    assert got["p0001"][:3] == ("p0000", "p0002", "p0003")


def test_common_terms_dropped_in_big_lists() -> None:
    # 150 documents: "shared" is in 120 of them, above _max_df (100); "rare{i // 2}" pairs them up.
    texts = [("shared " if i < 120 else "") + f"rare{i // 2} topic{i % 7} topic{i % 11}" for i in range(150)]
    assert_same(numbered(texts), 5)


def test_long_documents_keep_top_terms_with_ties() -> None:
    # Documents of 60+ distinct words, most with equal weights: TOP_TERMS ties broken by column.
    rng = random.Random(3)
    words = [f"word{i:03d}" for i in range(400)]
    texts = [" ".join(rng.sample(words, rng.randint(30, 90)) * rng.randint(1, 2)) for _ in range(120)]
    assert_same(numbered(texts), 5)
    assert_same(numbered(texts), 50)


# --- random small vocabularies: exact ties everywhere ------------------------------------------

WORDS = ["alpha", "beta", "gamma", "delta", "sigma", "omega", "the", "and", "x1", "k-means", "Beta", "3d-conv"]
text_strategy = st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(text_strategy, max_size=30), k=st.integers(0, 8))
def test_random_small_vocabularies(texts: list[str], k: int) -> None:
    assert_same(numbered(texts), k)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(
        st.lists(st.integers(0, 70), min_size=0, max_size=80).map(lambda ws: " ".join(f"term{w}" for w in ws)),
        min_size=2,
        max_size=60,
    ),
    k=st.integers(1, 12),
)
def test_random_long_documents(texts: list[str], k: int) -> None:
    assert_same(numbered(texts), k)


# --- realistic corpora -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 5, 50])
def test_synthetic_papers(k: int) -> None:
    with mock.patch.object(related, "_dense_top", wraps=related._dense_top) as dense_top:
        assert_same(synthetic_docs(3000, seed=11), k)
    assert dense_top.call_count == 0  # no exact score ties on real text: the sparse selection decided


def test_bundled_papers() -> None:
    papers = []
    for path in sorted((REPO / "content" / "papers").glob("*.md")):
        papers.append(paper_from_page(path.read_text(encoding="utf-8"), path.stem, path.name))
    assert len(papers) > 100
    docs = [(p.slug, f"{p.title} {p.title} {p.abstract}") for p in sorted(papers, key=lambda p: p.slug)]
    assert_same(docs, 5)


# --- the steps, bit for bit ----------------------------------------------------------------


def assert_same_arrays(got: Any, want: Any) -> None:
    import numpy as np

    assert got.shape == want.shape
    for name in ("indptr", "indices", "data"):
        a, b = getattr(got, name), getattr(want, name)
        assert np.array_equal(a, b), name
    assert got.data.dtype == want.data.dtype == np.float64


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(text_strategy, max_size=20))
def test_term_counts_random(texts: list[str]) -> None:
    assert_same_arrays(_term_counts(texts), reference_term_counts(texts))


def test_term_counts_synthetic() -> None:
    texts = [text for _, text in synthetic_docs(3000, seed=11)]
    assert_same_arrays(_term_counts(texts), reference_term_counts(texts))


def shuffled_csr(rng: Any, dense: Any) -> Any:
    """dense as CSR with each row's entries in random order (like the term counts')."""
    from scipy import sparse

    m = sparse.csr_matrix(dense)
    for r in range(m.shape[0]):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        order = rng.permutation(hi - lo)
        m.indices[lo:hi] = m.indices[lo:hi][order]
        m.data[lo:hi] = m.data[lo:hi][order]
    m.has_sorted_indices = False
    return m


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(1, 30), st.integers(1, 50)),
    density=st.floats(0, 1),
    levels=st.integers(1, 5),
    top=st.integers(1, 12),
    block_cells=st.sampled_from([1, 40, 1 << 22]),
)
def test_keep_top_is_rank_below_top(
    seed: int, shape: tuple[int, int], density: float, levels: int, top: int, block_cells: int
) -> None:
    """Few distinct values, so many ties, broken by index as the old ranking did; small
    BLOCK_CELLS make the padded ranking run in several groups."""
    import numpy as np

    rng = np.random.default_rng(seed)
    dense = rng.integers(1, levels + 1, size=shape) * (rng.random(shape) < density) * 0.5
    m = shuffled_csr(rng, dense)
    m.data[rng.random(m.nnz) < 0.1] = 0.0  # stored zeros, as terms with idf 0 leave them
    with mock.patch.object(related, "BLOCK_CELLS", block_cells):
        for matrix in (m, m.tocsc()):
            got = _keep_top(matrix.indptr, matrix.data, matrix.indices, top)
            assert np.array_equal(got, reference_rank_within(matrix) < top)


def reference_select(scores: Any, start: int, kk: int, tiebreak: Any) -> list[list[int]]:
    """The oracle's selection alone, on a dense block of products (rows start, ...)."""
    import numpy as np

    n = scores.shape[1]
    scores = scores - tiebreak
    scores[np.arange(scores.shape[0]), np.arange(start, start + scores.shape[0])] = -1.0
    top = np.argpartition(scores, n - kk, axis=1)[:, n - kk :]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_scores = np.take_along_axis(top_scores, order, axis=1)
    return [
        [c for c, v in zip(cols, vals, strict=True) if v > 1e-6]
        for cols, vals in zip(top.tolist(), top_scores.tolist(), strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 80),
    rows=st.integers(1, 20),
    density=st.floats(0, 1),
    levels=st.integers(1, 6),
    kk=st.integers(1, 12),
    tiebreak_step=st.sampled_from([0.0, 1e-13, 0.125]),
)
def test_top_k_is_the_dense_selection(
    seed: int, n: int, rows: int, density: float, levels: int, kk: int, tiebreak_step: float
) -> None:
    """Products from a few levels (some at or below MIN_SCORE) and a tiebreak of 0 or
    a multiple of the levels' step, so exact score ties are common and rows go to
    `_dense_top`; with the real tiebreak they do not."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = min(rows, n)
    start = int(rng.integers(0, n - rows + 1))
    kk = min(kk, n - 1)
    values = np.array([5e-7, 1e-6, 0.25, 0.5, 0.75, 1.0])[:levels]
    dense = rng.choice(values, size=(rows, n)) * (rng.random((rows, n)) < density)
    block = shuffled_csr(rng, dense)
    tiebreak = np.arange(n) * tiebreak_step
    got = _top_k(block.indptr, block.indices, block.data, start, kk, tiebreak)
    assert got == reference_select(dense, start, kk, tiebreak)


def test_top_k_ties_use_the_dense_selection() -> None:
    import numpy as np

    dense = np.array([[0.0, 0.5, 0.5, 0.5, 0.25, 0.5, 0.0, 0.5]])
    block = shuffled_csr(np.random.default_rng(0), dense)
    tiebreak = np.zeros(8)
    with mock.patch.object(related, "_dense_top", wraps=related._dense_top) as dense_top:
        got = _top_k(block.indptr, block.indices, block.data, 0, 3, tiebreak)
    assert dense_top.call_count == 1
    assert got == reference_select(dense, 0, 3, tiebreak)
