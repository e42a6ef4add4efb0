"""sitegen.site.related without SciPy: the related lists SciPy's version gave, from NumPy alone.

tests/fixtures/related/expected.json holds the related lists that sitegen/site/related.py gave while
it computed the similarity product with SciPy (commit 02c4a08), for the bundled papers and for
1,000 synthetic papers (tests/bench/gen.py); make_expected.py next to it says how. These tests
run with SciPy made unimportable, so they hold without it installed. (tests/test_related.py
holds every step to the older dense version, which uses SciPy, on more corpora.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "related"

RUN_WITHOUT_SCIPY = textwrap.dedent(
    """
    import json, sys
    sys.modules["scipy"] = None  # any `import scipy...` now raises ImportError
    sys.path[:0] = [{repo!r}, {fixture!r}]
    import make_expected
    from sitegen.site import related

    related.prepare()
    name = {name!r}
    size, k = make_expected.CASES[name]
    docs = make_expected.documents(size)
    position = {{doc_id: i for i, (doc_id, _) in enumerate(docs)}}
    got = related.related_papers(docs, k)
    print(json.dumps({{
        "keys": [doc_id for doc_id, _ in docs] == list(got),
        "sha256": make_expected.digest(docs),
        "related": [[position[r] for r in got[doc_id]] for doc_id, _ in docs],
        "scipy": sorted(m for m in sys.modules if m.startswith("scipy.")),
    }}))
    """
)


@pytest.mark.parametrize("name", ["bundled", "synthetic-1000"])
def test_related_lists_match_the_scipy_version_without_scipy(name: str) -> None:
    want = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))[name]
    code = RUN_WITHOUT_SCIPY.format(repo=str(REPO), fixture=str(FIXTURE), name=name)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    got = json.loads(result.stdout)
    assert got["sha256"] == want["sha256"], "the documents changed: see make_expected.py"
    assert got["keys"] is True
    assert got["scipy"] == []
    assert len(got["related"]) == want["documents"]
    assert sum(len(r) for r in got["related"]) > want["documents"] * (want["k"] - 1)  # lists are not empty
    assert got["related"] == want["related"]
