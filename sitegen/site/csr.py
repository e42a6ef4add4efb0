"""The few sparse-matrix operations related.py needs, on plain NumPy arrays (no SciPy).

A `Csr` is a compressed sparse row matrix: row r's entries are `indices[indptr[r]:indptr[r + 1]]`
(column numbers) and the same slice of `data`, in their stored order (not necessarily sorted).

The related-papers scores must be the very floats that SciPy's sparse operations gave (the
earlier version used them, tests/test_related.py keeps it as an oracle, and a score that moves
by one bit can reorder two papers). A float sum depends on the order of its terms, so each
operation here adds in the order SciPy's C code (sparsetools) does, and where SciPy's result
order feeds a later sum, that order is reproduced too:

- `scale_rows` (SciPy: `diags(f) @ m`) and `block_product` (SciPy: `a[start:stop] @ b`) follow
  `csr_matmat`: per output row, `sums[j] += a * b` for each stored (i, k) of a in stored order
  and each stored (k, j) of b, sums equal to zero dropped. Its rows come out in the reverse of
  the order their columns were first touched: `scale_rows` keeps that order (the product sums
  along it later); `block_product` does not (only its values are used).
- `row_sums_of_squares` (SciPy: `m.multiply(m).sum(axis=1)`) follows `csr_binop_csr`, whose
  output rows are in column order when every row of the input is strictly increasing and in
  reversed stored order otherwise, then `np.add.reduceat` over those rows (what SciPy's row sum
  calls: NumPy's pairwise summation, not a left-to-right loop).
- `transpose` is `csr_tocsc`: each column's entries in row order.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Csr(NamedTuple):
    """A sparse matrix in compressed sparse row form (float64 data, int64 indptr)."""

    indptr: Any
    """Row r's entries are positions indptr[r] to indptr[r + 1] of indices and data."""
    indices: Any
    """The column of each entry."""
    data: Any
    """The value of each entry."""
    shape: tuple[int, int]


def _row_of_entries(indptr: Any) -> Any:
    """The row number of every entry."""
    import numpy as np

    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def _indptr(rows: Any, n_rows: int) -> Any:
    """indptr for entries whose row numbers (sorted) are `rows`."""
    import numpy as np

    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return indptr


def select(m: Csr, keep: Any) -> Csr:
    """The entries where `keep` is true, in their order (SciPy: zero the others, then
    `eliminate_zeros`)."""
    import numpy as np

    kept = np.bincount(_row_of_entries(m.indptr)[keep], minlength=m.shape[0])
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(kept, out=indptr[1:])
    return Csr(indptr, m.indices[keep], m.data[keep], m.shape)


def _reversed_rows(indptr: Any) -> Any:
    """Positions that put each row's entries in reverse order (rows stay in place)."""
    import numpy as np

    rows = _row_of_entries(indptr)
    return indptr[rows] + indptr[rows + 1] - 1 - np.arange(len(rows))


def row_sums_of_squares(m: Csr) -> Any:
    """Per row, the sum of its squared values, as `m.multiply(m).sum(axis=1)` gives them."""
    import numpy as np

    rows = _row_of_entries(m.indptr)
    ascending = np.all((m.indices[1:] > m.indices[:-1]) | (rows[1:] != rows[:-1]))
    squares = m.data * m.data
    if not ascending:
        squares = squares[_reversed_rows(m.indptr)]
    kept = squares != 0  # SciPy does not store a zero product
    squares, rows = squares[kept], rows[kept]
    out = np.zeros(m.shape[0])
    if len(squares):
        indptr = _indptr(rows, m.shape[0])
        filled = np.flatnonzero(np.diff(indptr))
        out[filled] = np.add.reduceat(squares, indptr[filled])
    return out


def scale_rows(m: Csr, factors: Any) -> Csr:
    """Row r times factors[r], as `diags(factors) @ m` gives it (each row reversed)."""
    order = _reversed_rows(m.indptr)
    rows = _row_of_entries(m.indptr)
    data = factors[rows] * m.data[order]
    return select(Csr(m.indptr, m.indices[order], data, m.shape), data != 0)


def transpose(m: Csr) -> Csr:
    """The transpose, as CSR: each column of m becomes a row, its entries in row order
    (the arrays of SciPy's `m.tocsc()`, which `.T.tocsr()` leaves as they are)."""
    import numpy as np

    order = np.argsort(m.indices, kind="stable")
    rows = _row_of_entries(m.indptr)
    return Csr(_indptr(m.indices[order], m.shape[1]), rows[order], m.data[order], (m.shape[1], m.shape[0]))


def product_pairs(a: Csr, b: Csr) -> Any:
    """For each row of a, how many products `block_product` forms for it (b's row lengths
    summed over the row's columns), cumulated: row r's start to end are [r] to [r + 1]."""
    import numpy as np

    per_entry = np.diff(b.indptr)[a.indices]
    cumulated = np.zeros(len(per_entry) + 1, dtype=np.int64)
    np.cumsum(per_entry, out=cumulated[1:])
    out = cumulated[a.indptr]
    return out


class Scratch:
    """The work array of `block_product`, one float64 cell per (row, column) of a block,
    made once and reused by every block (all zero between calls)."""

    def __init__(self, cells: int) -> None:
        import numpy as np

        self.sums = np.zeros(cells)


def block_product(a: Csr, b: Csr, start: int, stop: int, scratch: Scratch) -> Csr:
    """Rows start to stop of a @ b, with every value the float SciPy's `a[start:stop] @ b`
    holds for it (each row's entries in column order).

    SciPy adds, for output row i, a[i, k] * b[k, j] into sums[j] for each stored k of a's row
    in stored order and each stored j of b's row k. The products are formed here in that
    same order, and `np.add.at` adds them into the cells one after another, in order, as
    `sums[cell] = sums[cell] + product` (np.add.reduceat over sorted products would not do:
    it sums pairwise). The cells whose sum is not zero are the entries, as SciPy keeps them:
    one pass over the block's cells finds them, cheaper than listing the touched cells from
    the products (38 million products for 24 million entries at 10,000 papers).
    `scratch` holds at least (stop - start) x b.shape[1] cells; the caller bounds that and
    the number of products (under 2**31), which take about 40 bytes each.
    """
    import numpy as np

    n_cols = b.shape[1]
    rows = stop - start
    lo, hi = int(a.indptr[start]), int(a.indptr[stop])
    a_cols = a.indices[lo:hi]
    counts = np.diff(b.indptr)[a_cols]
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    # b's entry of each product: runs of consecutive numbers, one run per entry of a.
    src = np.repeat(b.indptr[a_cols] - (ends - counts), counts)
    src += np.arange(total)
    row_base = np.repeat(np.arange(0, rows * n_cols, n_cols, dtype=np.intp), np.diff(a.indptr[start : stop + 1]))
    cells = np.repeat(row_base, counts)
    cells += b.indices[src]
    terms = np.repeat(a.data[lo:hi], counts)
    terms *= b.data[src]
    del src
    block = scratch.sums[: rows * n_cols]
    np.add.at(block, cells, terms)
    del cells, terms
    filled = np.flatnonzero(block != 0)  # (a bool array: 8 times faster than testing floats)
    values = block[filled]
    block[filled] = 0.0
    row_starts = np.arange(0, (rows + 1) * n_cols, n_cols, dtype=np.intp)
    indptr = np.searchsorted(filled, row_starts).astype(np.int64)
    cols = (filled - np.repeat(row_starts[:-1], np.diff(indptr))).astype(np.int32)
    return Csr(indptr, cols, values, (rows, n_cols))
