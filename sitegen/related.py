"""Related papers: TF-IDF cosine similarity over title and abstract, at build time.

Each document keeps only its strongest terms (TOP_TERMS), and scores are summed
through an inverted index, so the cost grows with the postings actually shared
rather than with every pair of papers.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict

TOP_TERMS = 40
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


def _terms(text: str) -> Counter[str]:
    return Counter(w for w in _WORD.findall(text.lower()) if w not in STOP)


def related_papers(docs: list[tuple[str, str]], k: int) -> dict[str, tuple[str, ...]]:
    """For each (id, text), the ids of the k most similar other documents.
    Ties are broken by id so the answer never depends on input order."""
    if k <= 0 or len(docs) < 2:
        return {doc_id: () for doc_id, _ in docs}
    counts = [_terms(text) for _, text in docs]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(docs)
    vectors: list[dict[str, float]] = []
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, c in enumerate(counts):
        weights = {t: (1 + math.log(f)) * math.log(n / df[t]) for t, f in c.items() if df[t] < n}
        top = heapq.nlargest(TOP_TERMS, weights.items(), key=lambda tw: (tw[1], tw[0]))
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        vec = {t: w / norm for t, w in top}
        vectors.append(vec)
        for t, w in vec.items():
            postings[t].append((i, w))
    ids = [doc_id for doc_id, _ in docs]
    out: dict[str, tuple[str, ...]] = {}
    for i, vec in enumerate(vectors):
        scores: dict[int, float] = defaultdict(float)
        for t, w in vec.items():
            for j, wj in postings[t]:
                if j != i:
                    scores[j] += w * wj
        best = heapq.nsmallest(k, scores.items(), key=lambda js: (-round(js[1], 12), ids[js[0]]))
        out[ids[i]] = tuple(ids[j] for j, s in best if s > 0)
    return out
