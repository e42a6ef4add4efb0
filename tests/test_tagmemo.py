"""The import's tag memo (sitegen/ingest/tagmemo.py): later imports tag only papers not seen,
and every page is what an import without the memo writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.ingest import papers as papers_module
from sitegen.ingest.importer import run_import
from sitegen.ingest.tagmemo import memo_path
from sitegen.pagefile.pages import AUTO_TAGS, read_page
from sitegen.taxonomy.parallel import match_all
from tests.sites import ROOT

DIGESTS = ROOT / "tests" / "fixtures" / "digests"
FIRST, SECOND = "2025-12-15-daily-papers.txt", "hf-daily-papers-mar-12.txt"
TAXONOMY = (ROOT / "content" / "taxonomy.yaml").read_bytes()


def pages(content: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((content / "papers").glob("*.md"))}


@pytest.fixture
def tagged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many papers each import tagged."""
    counts: list[int] = []

    def counting(taxonomy, inputs, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts.append(len(inputs))
        return match_all(taxonomy, inputs, *args, **kwargs)

    monkeypatch.setattr(papers_module, "match_all", counting)
    return counts


def test_a_later_import_tags_only_new_papers_and_writes_what_no_memo_writes(
    make_content, tagged: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_content({FIRST: (DIGESTS / FIRST).read_bytes()}, taxonomy=TAXONOMY)
    first = run_import(content, Config(), today="2025-12-20")
    assert memo_path(content).is_file()
    again = run_import(content, Config(), today="2025-12-20")
    assert again.new == again.updated == 0
    shutil.copy(DIGESTS / SECOND, content / "digests" / SECOND)
    added = run_import(content, Config(), today="2025-12-20")
    assert tagged == [first.papers, 0, added.papers - first.papers]

    monkeypatch.setenv("SITEGEN_DEVICES_OFF", "import_memo")
    plain = make_content(
        {FIRST: (DIGESTS / FIRST).read_bytes(), SECOND: (DIGESTS / SECOND).read_bytes()}, TAXONOMY, "plain"
    )
    run_import(plain, Config(), today="2025-12-20")
    assert pages(content) == pages(plain)
    assert tagged[-1] == added.papers  # the memo off: every paper tagged


def test_another_taxonomy_retags_everything(make_content, tagged: list[int]) -> None:
    content = make_content({FIRST: (DIGESTS / FIRST).read_bytes()}, taxonomy=TAXONOMY)
    report = run_import(content, Config(), today="2025-12-20")
    (content / "taxonomy.yaml").write_bytes(TAXONOMY.replace(b"max_tags: 5", b"max_tags: 2"))
    assert b"max_tags: 5" in TAXONOMY
    run_import(content, Config(), today="2025-12-20")
    assert tagged == [report.papers, report.papers]
    auto = [read_page(text.decode(), name)[0][AUTO_TAGS] for name, text in pages(content).items()]
    assert max(map(len, auto)) == 2


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"fingerprint": 1}', b"[1, 2]", None])
def test_a_damaged_or_missing_memo_is_ignored(make_content, tagged: list[int], damage: bytes | None) -> None:
    content = make_content({FIRST: (DIGESTS / FIRST).read_bytes()}, taxonomy=TAXONOMY)
    report = run_import(content, Config(), today="2025-12-20")
    before = pages(content)
    if damage is None:
        memo_path(content).unlink()
    else:
        memo_path(content).write_bytes(damage)
    for page in (content / "papers").glob("*.md"):
        page.unlink()
    run_import(content, Config(), today="2025-12-20")
    assert tagged == [report.papers, report.papers]
    assert pages(content) == before


def test_memo_off_and_dry_run_write_no_memo(make_content, monkeypatch: pytest.MonkeyPatch) -> None:
    content = make_content({FIRST: (DIGESTS / FIRST).read_bytes()}, taxonomy=TAXONOMY)
    run_import(content, Config(), today="2025-12-20", dry_run=True)
    assert not memo_path(content).exists()
    monkeypatch.setenv("SITEGEN_REFERENCE", "1")
    run_import(content, Config(), today="2025-12-20")
    assert not memo_path(content).exists()
