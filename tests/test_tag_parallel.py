"""Tagging in several processes gives each paper the tags one process gives (taxonomy/parallel.py)."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

import pytest

from sitegen.ingest.digest import parse_digest
from sitegen.ingest.papers import merge_digests
from sitegen.taxonomy import parallel
from sitegen.taxonomy.tags import parse_taxonomy
from tests.sites import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import gen  # noqa: E402

TAXONOMY = parse_taxonomy((ROOT / "content" / "taxonomy.yaml").read_text(encoding="utf-8"))


def _digests(folder: Path) -> list:
    return [parse_digest(p.read_text(encoding="utf-8"), p.name, year=2025) for p in sorted(folder.glob("*.txt"))]


def test_forked_processes_tag_as_one_process(tmp_path: Path) -> None:
    gen.generate(1200, tmp_path, seed=5, layouts=("A", "B", "C"))
    pairs = [(e.title, e.abstract) for d in _digests(tmp_path / "content" / "digests") for e in d.entries]
    told: list[tuple[int, int]] = []
    forked = parallel.match_all(TAXONOMY, pairs, workers=3, progress=lambda d, t: told.append((d, t)), minimum=0)
    assert forked == [TAXONOMY.match(title, abstract) for title, abstract in pairs]
    assert len({tags for tags in forked}) > 20  # many different tag sets, not a fallback everywhere
    assert told[-1] == (len(pairs), len(pairs))
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    assert len(told) > 3  # counted as the shares come back, not only at the end


def test_an_import_merged_in_processes_is_the_one_process_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen.generate(600, tmp_path, seed=6, layouts=("A",))
    digests = _digests(tmp_path / "content" / "digests") + _digests(ROOT / "content" / "digests")
    one = merge_digests(digests, TAXONOMY)
    forks: list[str] = []
    get_context = multiprocessing.get_context
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 0)
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: forks.append(method) or get_context(method))
    several = merge_digests(digests, TAXONOMY, workers=2)
    assert forks == ["fork"]  # the papers were tagged in forked processes
    assert several == one
    assert any(len(p.entries) > 1 for p in one)  # merged papers, tagged by their merged text, are covered


def test_this_process_works_while_the_forks_tag() -> None:
    """`meanwhile` runs once the forked processes have started (the import merges papers
    then), and once, before tagging, when nothing forks."""
    pairs = [(f"Video diffusion model {n}", "We train a video diffusion model.") for n in range(40)]
    running: list[int] = []
    forked = parallel.match_all(
        TAXONOMY, pairs, workers=2, minimum=0, meanwhile=lambda: running.append(len(multiprocessing.active_children()))
    )
    assert running == [2]
    assert forked == [TAXONOMY.match(title, abstract) for title, abstract in pairs]
    alone = parallel.match_all(
        TAXONOMY, pairs, workers=1, meanwhile=lambda: running.append(len(multiprocessing.active_children()))
    )
    assert running == [2, 0] and alone == forked
    assert not multiprocessing.active_children()  # the forks are gone once the tags are in


def test_forks_whose_results_are_not_all_taken_are_ended() -> None:
    from sitegen.core.forkmap import fork_map

    with fork_map(abs, list(range(-20, 0)), workers=2, minimum=1, chunk=2) as shares:
        assert next(shares) == [20, 19]
        assert len(multiprocessing.active_children()) == 2
    assert not multiprocessing.active_children()
