"""Smoke test for the benchmark's content generator (the benchmark itself is not a test)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen  # noqa: E402

from sitegen.core.keys import paper_key  # noqa: E402
from sitegen.ingest.digest import parse_digest  # noqa: E402


def _digests(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "content" / "digests").iterdir())}


def test_generates_n_distinct_papers_in_all_layouts(tmp_path: Path) -> None:
    counts = gen.generate(1200, tmp_path, seed=7)
    assert counts["papers"] == 1200 and counts["duplicates"] == 36
    content = tmp_path / "content"
    assert yaml.safe_load((content / "config.yaml").read_text())["year"] == 2025
    assert (content / "taxonomy.yaml").is_file()

    keys: set[str] = set()
    entries = 0
    layouts = set()
    for name, data in _digests(tmp_path).items():
        text = data.decode("utf-8")
        digest = parse_digest(text, name, year=2025)
        assert digest.is_digest and not digest.problems, digest.problems[:3]
        assert all(e.abstract for e in digest.entries)
        entries += len(digest.entries)
        keys.update(paper_key(e.title) for e in digest.entries)
        layouts.add("C" if "\n\n" not in text else "A" if "\n·\n" in text else "B")
        dated = [e for e in digest.entries if e.date_text]
        assert all(e.date for e in dated), "every written date resolves"
    assert entries == counts["entries"]
    assert len(keys) == 1200
    assert layouts == {"A", "B", "C"}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    gen.generate(300, tmp_path / "a", seed=3)
    gen.generate(300, tmp_path / "b", seed=3)
    gen.generate(300, tmp_path / "c", seed=4)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")
