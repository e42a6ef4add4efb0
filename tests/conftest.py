"""Shared test set-up: browser fixtures (tests/browser.py) and built sites (tests/sites.py)."""

from pathlib import Path

import pytest

pytest_plugins = ["tests.browser", "tests.sites"]


# --- digest import tests (tests/test_digest.py, test_papers.py, test_pages.py, test_import.py) ---

IMPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def make_content(tmp_path: Path):
    """`make_content({"name.txt": b"..."}, taxonomy=..., name="content") -> Path`: a content
    folder in tmp_path holding those digests and, by default, the small test taxonomy
    (tests/fixtures/import/taxonomy.yaml); `taxonomy=None` writes none."""
    default = (IMPORT_FIXTURES / "import" / "taxonomy.yaml").read_bytes()

    def make(digests: dict[str, bytes], taxonomy: bytes | str | None = default, name: str = "content") -> Path:
        content = tmp_path / name
        (content / "digests").mkdir(parents=True)
        for file_name, data in digests.items():
            (content / "digests" / file_name).write_bytes(data)
        if taxonomy is not None:
            data = taxonomy.encode("utf-8") if isinstance(taxonomy, str) else taxonomy
            (content / "taxonomy.yaml").write_bytes(data)
        return content

    return make


# Hypothesis' per-example deadline is a timed assertion: on a shared 2-core machine an
# example that normally takes 60 ms can take 300 ms. Speed is measured by benchmarks.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("sitegen", deadline=None)
_hypothesis_settings.load_profile("sitegen")
