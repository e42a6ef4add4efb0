"""A new page's front matter written directly (sitegen/pagefile/frontwrite.py) is yaml.dump's, byte for byte."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.ingest.digest import parse_digest
from sitegen.ingest.papers import merge_digests
from sitegen.pagefile.frontwrite import dump_front
from sitegen.pagefile.pages import _Dumper, new_page_meta
from sitegen.taxonomy.tags import parse_taxonomy
from tests.sites import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import gen  # noqa: E402

TAXONOMY = parse_taxonomy((ROOT / "content" / "taxonomy.yaml").read_text(encoding="utf-8"))


def _yaml(meta: dict[str, Any]) -> str:
    return yaml.dump(
        meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000_000, default_flow_style=False
    )


def _metas(folder: Path) -> list[dict[str, Any]]:
    digests = [parse_digest(p.read_text(encoding="utf-8"), p.name, year=2025) for p in sorted(folder.glob("*.txt"))]
    return [new_page_meta(paper, "2026-01-02") for paper in merge_digests(digests, TAXONOMY)]


def _assert_as_yaml(metas: list[dict[str, Any]]) -> int:
    """Every page written directly is yaml.dump's; returns how many were."""
    direct = 0
    for meta in metas:
        front = dump_front(meta, _Dumper)
        if front is not None:
            assert front == _yaml(meta), meta["title"]
            direct += 1
    return direct


def test_bundled_papers_front_matter_is_yamls() -> None:
    metas = _metas(ROOT / "content" / "digests")
    assert _assert_as_yaml(metas) >= 0.9 * len(metas)  # nearly all take the direct way
    assert any("'" in (dump_front(m, _Dumper) or "") for m in metas)  # quoted titles are among them


def test_1000_synthetic_papers_front_matter_is_yamls(tmp_path: Path) -> None:
    gen.generate(1000, tmp_path, seed=5)
    metas = _metas(tmp_path / "content" / "digests")
    assert _assert_as_yaml(metas) >= 0.9 * len(metas)


TRICKY = [
    "yes", "No", "null", "~", "true", "1e3", "0x1F", "12", "1_000", "2024-01-02", ".5", "...x", "---",
    "a: b", "a:", "a #b", "a#b", "#a", "-a", "- a", "?a", ": a", "'q'", '"q"', "it's", "x'", "@a", "`a",
    "%a", "!a", "&a", "*a", "|a", ">a", "[a]", "{a}", ",a", "a, b", "a [b]", "a\tb", "a\nb", " a", "a ",
    "é", "Über", "naïve — ok", "😀", "a\u2028b", "a\u0085b", "a\u00a0b", "\ufeffa", "=", "<<", "on", "Off",
    "https://example.org/a:b", "C#", "a  b", "",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.sampled_from(TRICKY), st.text(max_size=12)),
    st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)), max_size=3),
    st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)),
    st.one_of(st.integers(-5, 10**6), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
)
def test_random_values_are_written_as_yaml_writes_them(title: str, tags: list[str], url: str, number: object) -> None:
    meta = {"title": title, "upvotes": number, "tags": tags, "links": [{"url": url, "kind": "code"}], "auto_tags": []}
    front = dump_front(meta, _Dumper)
    if front is not None:
        assert front == _yaml(meta)


def test_every_tricky_string_is_written_as_yaml_or_declined() -> None:
    written = 0
    for text in TRICKY:
        front = dump_front({"title": text, "sources": [text]}, _Dumper)
        if front is not None:
            assert front == _yaml({"title": text, "sources": [text]}), text
            written += 1
    assert written > len(TRICKY) // 2
