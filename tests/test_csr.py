"""sitegen.site.csr against plain loops written after SciPy's sparsetools (csr_matmat, csr_tocsc).

The product must hold every value as the float that `sums[j] += a * b`, run in SciPy's
order, gives: the loops below run that order one float at a time, with Python floats (IEEE
doubles, one rounding per operation, as in C). Values are drawn from a few levels and a
wide range so that a different order of addition would show (hypothesis finds such cases
quickly: summing three or more terms in another grouping changes the last bit often).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.site import csr


def random_csr(rng: Any, rows: int, cols: int, density: float) -> csr.Csr:
    """Positive values, each row's entries in random column order."""
    indptr, indices, data = [0], [], []
    for _ in range(rows):
        chosen = [c for c in rng.permutation(cols).tolist() if rng.random() < density]
        indices += chosen
        data += (rng.choice([0.1, 0.3, 1.0, 7.0, 1e-3], size=len(chosen)) * rng.random(len(chosen)) + 1e-9).tolist()
        indptr.append(len(indices))
    return csr.Csr(np.array(indptr, dtype=np.int64), np.array(indices, dtype=np.int32), np.array(data), (rows, cols))


def loop_product(a: csr.Csr, b: csr.Csr, start: int, stop: int) -> dict[tuple[int, int], float]:
    """Rows start to stop of a @ b as csr_matmat computes them: {(row, col): value}."""
    out: dict[tuple[int, int], float] = {}
    for i in range(start, stop):
        sums: dict[int, float] = {}
        for jj in range(int(a.indptr[i]), int(a.indptr[i + 1])):
            k, v = int(a.indices[jj]), float(a.data[jj])
            for kk in range(int(b.indptr[k]), int(b.indptr[k + 1])):
                j = int(b.indices[kk])
                sums[j] = sums.get(j, 0.0) + v * float(b.data[kk])
        out.update({(i - start, j): s for j, s in sums.items() if s != 0})
    return out


def as_dict(m: csr.Csr) -> dict[tuple[int, int], float]:
    out = {}
    for r in range(m.shape[0]):
        for e in range(int(m.indptr[r]), int(m.indptr[r + 1])):
            assert (r, int(m.indices[e])) not in out  # each cell once
            out[(r, int(m.indices[e]))] = float(m.data[e])
    return out


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 25),
    inner=st.integers(1, 30),
    cols=st.integers(1, 40),
    density=st.floats(0, 1),
)
def test_block_product_adds_in_scipys_order(seed: int, rows: int, inner: int, cols: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    a = random_csr(rng, rows, inner, density)
    b = random_csr(rng, inner, cols, density)
    start = int(rng.integers(0, rows))
    stop = int(rng.integers(start + 1, rows + 1))
    scratch = csr.Scratch((stop - start) * cols)
    got = csr.block_product(a, b, start, stop, scratch)
    assert got.shape == (stop - start, cols)
    assert as_dict(got) == loop_product(a, b, start, stop)  # == on floats: bit for bit
    assert not scratch.sums.any()  # left zeroed for the next block


def test_block_product_order_matters_here() -> None:
    """The values above would differ if the terms were summed pairwise (np.add.reduceat)."""
    a = csr.Csr(np.array([0, 3]), np.array([0, 1, 2]), np.array([1.0, 1.0, 1.0]), (1, 3))
    b = csr.Csr(np.array([0, 1, 2, 3]), np.array([0, 0, 0]), np.array([1.0, 1e-16, 1e-16]), (3, 1))
    got = csr.block_product(a, b, 0, 1, csr.Scratch(1))
    assert got.data.tolist() == [(1.0 + 1e-16) + 1e-16] == [1.0]
    assert float(np.add.reduceat(np.array([1.0, 1e-16, 1e-16]), [0])[0]) != 1.0  # pairwise: 1 + 2e-16


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 20), cols=st.integers(1, 30), density=st.floats(0, 1))
def test_transpose_scale_select(seed: int, rows: int, cols: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    m = random_csr(rng, rows, cols, density)
    t = csr.transpose(m)
    want: dict[int, list[tuple[int, float]]] = {c: [] for c in range(cols)}
    for r in range(rows):  # csr_tocsc: rows in order, each column's entries in row order
        for e in range(int(m.indptr[r]), int(m.indptr[r + 1])):
            want[int(m.indices[e])].append((r, float(m.data[e])))
    assert t.shape == (cols, rows)
    assert [
        list(
            zip(
                t.indices[t.indptr[c] : t.indptr[c + 1]].tolist(),
                t.data[t.indptr[c] : t.indptr[c + 1]].tolist(),
                strict=True,
            )
        )
        for c in range(cols)
    ] == [want[c] for c in range(cols)]
    factors = rng.random(rows) + 0.5
    s = csr.scale_rows(m, factors)
    for r in range(rows):  # diags(f) @ m through csr_matmat: each row reversed, f[r] * value
        lo, hi = int(m.indptr[r]), int(m.indptr[r + 1])
        assert s.indices[lo:hi].tolist() == m.indices[lo:hi].tolist()[::-1]
        assert s.data[lo:hi].tolist() == [float(factors[r]) * v for v in m.data[lo:hi].tolist()[::-1]]
    keep = rng.random(len(m.data)) < 0.5
    kept = csr.select(m, keep)
    assert as_dict(kept) == {cell: v for cell, v in as_dict(m).items() if keep[_position(m, cell)]}


def _position(m: csr.Csr, cell: tuple[int, int]) -> int:
    r, c = cell
    lo = int(m.indptr[r])
    return lo + m.indices[lo : int(m.indptr[r + 1])].tolist().index(c)


def test_row_sums_of_squares_order() -> None:
    """Rows all strictly increasing: summed in stored order; otherwise each row reversed
    (SciPy's csr_binop_csr takes its canonical or its general path), by np.add.reduceat."""
    data = np.array([1.0, 1e-8, 1e-8, 1e-8, 1e-8, 1e-8, 1e-8, 1e-8, 1e-8, 3.0])
    ascending = csr.Csr(np.array([0, 10, 10]), np.arange(10), data, (2, 10))
    squares = data * data
    assert csr.row_sums_of_squares(ascending).tolist() == [float(np.add.reduceat(squares, [0])[0]), 0.0]
    unsorted = ascending._replace(indices=np.array([1, 0, 2, 3, 4, 5, 6, 7, 8, 9]))
    assert csr.row_sums_of_squares(unsorted).tolist() == [float(np.add.reduceat(squares[::-1], [0])[0]), 0.0]
