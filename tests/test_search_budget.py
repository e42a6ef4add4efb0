"""The search step's share of the build's memory budget: the budget less what the sitegen
process holds when Pagefind starts (sitegen/search/budget.py)."""

from __future__ import annotations

import pytest

import sitegen.search.budget as budget
from sitegen.search.shards import parallel_runs


def test_this_process_holds_some_memory_and_pagefind_gets_the_rest() -> None:
    held = budget.held_mb()
    assert held > 1  # a Python process with pytest loaded
    assert budget.pagefind_budget_mb(int(held) + 1000) in range(998, 1001)
    assert budget.pagefind_budget_mb(1) == 0  # holding more than the budget leaves Pagefind nothing


def test_pagefind_runs_one_at_a_time_when_the_build_holds_most_of_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = [6300] * 16  # 100,000 papers under the default budget: about 800 MB a run by the estimate
    monkeypatch.setattr(budget, "held_mb", lambda: 100.0)
    assert parallel_runs(sizes, budget.pagefind_budget_mb(2048), cores=2) == 2
    monkeypatch.setattr(budget, "held_mb", lambda: 1100.0)
    assert parallel_runs(sizes, budget.pagefind_budget_mb(2048), cores=2) == 1
    monkeypatch.setattr(budget, "held_mb", lambda: 4000.0)
    assert parallel_runs(sizes, budget.pagefind_budget_mb(2048), cores=2) == 1  # never none


def test_release_hands_memory_back_without_failing() -> None:
    block = [bytes(1000) for _ in range(10_000)]
    del block
    budget.release()
