"""Identity of tags and papers (issue 21, items 3 and 6).

- Tags that differ only in case, Unicode form, invisible characters or spacing are one
  tag: one page, one count, one entry in the tags index and the sitemap, with a warning
  naming the spellings. Full and incremental builds give the same bytes every time.
- Every temporary file a writer makes has a name no other writer uses at the same time.
- Invisible (default-ignorable) characters in a title do not make a second paper, and a
  zero-width space does not become a real space.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sitegen.build.cache import BuildCache, load_cache, save_cache
from sitegen.build.output import write_file_atomic
from sitegen.build.pipeline import Project, build
from sitegen.config import Config
from sitegen.core.keys import paper_key
from sitegen.ingest.importer import run_import
from sitegen.pagefile.pages import read_page
from tests.test_build import tree_digest

ROOT = Path(__file__).resolve().parent.parent
ABSTRACT = "We study {topic} in depth, with many experiments on many models and a long discussion of the results."


def page(title: str, tags: list[str], date: str, note: str = "") -> str:
    tag_lines = "".join(f"- '{t}'\n" for t in tags)
    abstract = ABSTRACT.format(topic=title.lower())
    return f"---\ntitle: {title}\ndate: {date}\ntags:\n{tag_lines}abstract: {abstract}\n---\n{note}"


def collision_content(root: Path) -> Path:
    """Four papers: `LLM` twice, `llm` once, and a full-width `ＬＬＭ` with a zero-width
    space once: one tag shown as `LLM`. Two more papers carry an unrelated tag."""
    content = root / "content"
    papers = content / "papers"
    papers.mkdir(parents=True)
    pages = {
        "scaling-laws": page("Scaling Laws", ["LLM", "scaling"], "2024-03-01"),
        "batchformer": page("BatchFormer", ["llm"], "2024-02-01"),
        "sparse-models": page("Sparse Models", ["LLM"], "2024-01-01"),
        "wide-models": page("Wide Models", ["\uff2c\uff2c\uff2d\u200b"], "2023-12-01"),
        "deep-models": page("Deep Models", ["scaling"], "2023-11-01"),
        "tall-models": page("Tall Models", ["Mixture  of\u00a0Experts"], "2023-10-01"),
        "short-models": page("Short Models", ["mixture of experts"], "2023-09-01"),
    }
    for slug, text in pages.items():
        (papers / f"{slug}.md").write_text(text, "utf-8")
    return content


def run_build(content: Path, output: Path, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    args = ["build", "--no-import", "--no-search", "--content", str(content), "--output", str(output)]
    args += ["--templates", str(content.parent / "no-templates")]
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def tag_folders(site: Path) -> list[str]:
    return sorted(p.name for p in (site / "tags").iterdir() if p.is_dir())


def test_tags_differing_in_case_form_and_invisibles_are_one_tag(tmp_path: Path) -> None:
    content = collision_content(tmp_path)
    result = run_build(content, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    assert tag_folders(site) == ["llm", "mixture-of-experts-" + tag_folders(site)[1].rsplit("-", 1)[1], "scaling"]
    llm = (site / "tags" / "llm" / "index.html").read_text("utf-8")
    for title in ("Scaling Laws", "BatchFormer", "Sparse Models", "Wide Models"):
        assert f">{title}<" in llm, title
    assert "<title>Tag: LLM" in llm  # the most common spelling
    index = (site / "tags" / "index.html").read_text("utf-8")
    assert index.count('href="../tags/llm/index.html"') == 1
    assert '<a href="../tags/llm/index.html">LLM</a> <span class="count">4</span>' in index
    assert re.findall(r'<p class="count">(\d+) tags</p>', index) == ["3"]
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    assert sitemap.count("/tags/llm/<") == 1
    assert sitemap.count("/tags/mixture-of-experts-") == 1
    feed = (site / "tags" / "llm" / "feed.xml").read_text("utf-8")
    assert feed.count("<entry>") == 4
    # One warning per merged tag, naming every spelling and a page where each is used.
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    llm_warning = [w for w in warnings if "'llm'" in w]
    assert len(llm_warning) == 1, result.stderr
    assert "'LLM'" in llm_warning[0] and "batchformer.md" in llm_warning[0]
    assert "'\uff2c\uff2c\uff2d'" in llm_warning[0] and "wide-models.md" in llm_warning[0]
    assert "sparse-models.md" in llm_warning[0] or "scaling-laws.md" in llm_warning[0]
    moe = [w for w in warnings if "xperts" in w]
    assert len(moe) == 1 and "'Mixture of Experts'" in moe[0] and "'mixture of experts'" in moe[0], result.stderr


def test_case_collision_builds_are_deterministic_full_and_incremental(tmp_path: Path) -> None:
    """Full builds under different hash seeds and incremental builds (from the cache on
    disk, and as `serve` makes them) after edits that touch the colliding tag, or only
    notes, all give the bytes of a clean full build, every time."""
    content = collision_content(tmp_path)
    first = run_build(content, tmp_path / "full-a", seed="1")
    second = run_build(content, tmp_path / "full-b", seed="2")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert tree_digest(tmp_path / "full-a") == tree_digest(tmp_path / "full-b")

    project = Project(content=content, templates=tmp_path / "no-templates", output=tmp_path / "site")
    build(project, run_importer=False, search=False)
    # As `serve` builds: the last build kept in memory, patched when only views changed.
    served = Project(content=content, templates=tmp_path / "no-templates", output=tmp_path / "served")
    state = BuildCache()
    build(served, run_importer=False, search=False, state=state, save=False)
    papers = content / "papers"
    edits = [
        ("batchformer.md", "- 'llm'\n", "- 'llm'\n- 'Llm'\n"),
        ("sparse-models.md", "- 'LLM'\n", "- 'llm'\n"),  # now `llm` is the most common spelling
        ("scaling-laws.md", "- 'LLM'\n", "- 'LLM'\n- 'LLM\u2060'\n"),
        ("wide-models.md", "\u200b", ""),
        ("wide-models.md", "title:", "title:"),  # only notes change: serve's fast path
        ("deep-models.md", "- 'scaling'\n", "- 'scaling'\n- 'LLM'\n"),
        ("sparse-models.md", "- 'llm'\n", "- 'LLM'\n"),
    ]
    for round_, (name, old, new) in enumerate(edits):
        path = papers / name
        text = path.read_text("utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), "utf-8")
        for other in ("tall-models.md", "short-models.md", "deep-models.md", "batchformer.md"):
            (papers / other).write_text((papers / other).read_text("utf-8") + f"\nNote {round_}.\n", "utf-8")
        report = build(project, run_importer=False, search=False)
        assert report.incremental
        served_report = build(served, run_importer=False, search=False, state=state, save=False)
        assert served_report.incremental and (served_report.patched or old != new)
        clean = run_build(content, tmp_path / f"clean-{round_}", seed=str(round_ + 3))
        assert clean.returncode == 0, clean.stderr
        assert tree_digest(project.output) == tree_digest(tmp_path / f"clean-{round_}"), round_
        assert tree_digest(served.output) == tree_digest(tmp_path / f"clean-{round_}"), round_
        assert tag_folders(project.output) == tag_folders(tmp_path / f"clean-{round_}")
        assert sum(1 for f in tag_folders(project.output) if f.startswith("llm")) == 1
    llm = (project.output / "tags" / "llm" / "index.html").read_text("utf-8")
    for title in ("Scaling Laws", "BatchFormer", "Sparse Models", "Wide Models", "Deep Models"):
        assert f">{title}<" in llm, title


def test_search_filters_know_one_tag(tmp_path: Path) -> None:
    """The offline search index (its tag filter) and the paper pages' Pagefind filter
    name the merged tag once, by the name shown."""
    import json

    from sitegen.search.index import offline_index
    from sitegen.site.library import make_library, paper_from_page
    from sitegen.taxonomy.tags import EMPTY

    content = collision_content(tmp_path)
    papers = [paper_from_page(p.read_text("utf-8"), p.stem, p.name) for p in sorted((content / "papers").glob("*.md"))]
    library = make_library(papers, EMPTY, {})
    data = json.loads(offline_index(library).decode().removeprefix("window.SITEGEN_SEARCH=").rstrip(";\n"))
    assert [name for _, name in data["tags"]] == ["LLM", "Mixture of Experts", "scaling"]
    llm = [t[0] for t in data["tags"]].index("llm")
    assert sum(llm in paper[3] for paper in data["papers"]) == 4
    result = run_build(content, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    filters = set()
    for paper_page in (tmp_path / "site" / "papers").glob("*/index.html"):
        filters |= set(re.findall(r'content="([^"]*)" data-pagefind-filter="tag', paper_page.read_text("utf-8")))
    assert filters == {"LLM", "Mixture of Experts", "scaling"}


def test_tag_key_table() -> None:
    from sitegen.core.identity import tag_key

    assert tag_key("LLM") == tag_key("llm") == tag_key(" \uff2c\uff2cM\u200b ") == "llm"
    assert tag_key("Mixture  of\u00a0Experts") == tag_key("mixture of experts") == "mixture of experts"
    assert tag_key("Stra\u00dfe") == tag_key("STRASSE") == "strasse"
    assert tag_key("e\u200d\u0301") == tag_key("\u00e9") == tag_key("\u00c9")  # NFC after the invisibles go
    assert tag_key("quantization") == "quantization"  # a taxonomy id is its own key


# --------------------------------------------------------------------------- temporary files


def test_threads_replacing_one_file_never_share_a_temporary_name(tmp_path: Path) -> None:
    """Bug: write_file_atomic named its temporary file by process id only: two threads
    writing one path renamed each other's file away (FileNotFoundError)."""
    target = tmp_path / "tags" / "llm" / "index.html"
    payloads = [f"writer {i}\n".encode() * 2000 for i in range(8)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(payloads))

    def writer(data: bytes) -> None:
        start.wait()
        try:
            for _ in range(150):
                write_file_atomic(target, data)
        except BaseException as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(data,)) for data in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in payloads
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]  # no temporary file left


def test_threads_saving_the_cache_never_share_a_temporary_name(tmp_path: Path) -> None:
    path = tmp_path / ".sitegen-cache" / "cache.pickle"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def saver(n: int) -> None:
        start.wait()
        try:
            for _ in range(60):
                save_cache(path, BuildCache(digests=f"saver {n}", outputs={f"p{i}": "k" for i in range(300)}))
        except BaseException as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=saver, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert load_cache(path).digests.startswith("saver ")
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_every_temporary_name_comes_from_the_one_helper() -> None:
    """Every `.tmp` name made in sitegen/ comes from tempfiles.temp_path (pid, thread and a
    random part) or tempfile.mkstemp; none is made from the process id alone."""
    offenders = []
    for source in sorted((ROOT / "sitegen").glob("*.py")):
        if source.name == "tempfiles.py":
            continue
        for number, line in enumerate(source.read_text("utf-8").splitlines(), 1):
            if re.search(r"\.tmp\b|getpid\(\)\}?\.", line) and "mkstemp" not in line:
                offenders.append(f"{source.name}:{number}: {line.strip()}")
    assert offenders == []
    from sitegen.core.tempfiles import temp_path

    target = Path("site/tags/llm/index.html")
    names: list[Path] = []
    threads = [threading.Thread(target=lambda: names.append(temp_path(target))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names += [temp_path(target) for _ in range(4)]
    assert len(set(names)) == 8 and all(n.parent == target.parent and n.name.endswith(".tmp") for n in names)


# --------------------------------------------------------------------------- invisible characters in titles

CLEAN_TITLE = "Scaling Laws for Sparse Mixture Models"
INVISIBLE_TITLES = [
    "Scal\u00ading Laws for Sparse Mixture Models",  # soft hyphen
    "Scaling La\u200dws for Sparse Mixture Models",  # zero-width joiner
    "Scaling Laws for\u200e Sparse Mixture Models",  # left-to-right mark
    "Scaling Laws for Sparse Mix\u2060ture Models",  # word joiner
    "Scaling Laws for Sparse Mixture\u200b Models",  # zero-width space beside a space
    "Scaling Laws for Spar\u200bse Mixture Models",  # zero-width space inside a word
    "Scaling Laws for Sparse Mixture Models\ufe0f",  # variation selector
    "\ufeffScaling Laws for Sparse Mixture Models",  # zero-width no-break space
]


def digest(titles: list[str]) -> bytes:
    body = "".join(f"{title}\n\n{ABSTRACT.format(topic=f'paper {i}') * 5}\n\n" for i, title in enumerate(titles))
    return f"# captured 2025-06-14\nSubscribe\n\nDaily Papers\n\n{body}".encode()


def test_invisible_characters_do_not_split_a_paper(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2025-06-14-clean.txt").write_bytes(digest([CLEAN_TITLE]))
    for i, title in enumerate(INVISIBLE_TITLES):
        (content / "digests" / f"2025-06-{15 + i}-odd.txt").write_bytes(digest([title]))
    report = run_import(content, Config())
    names = sorted(p.name for p in (content / "papers").glob("*.md"))
    assert names == ["scaling-laws-for-sparse-mixture-models.md"], names
    assert report.papers == 1
    meta, _ = read_page((content / "papers" / names[0]).read_text("utf-8"), names[0])
    assert len(meta["sources"]) == 1 + len(INVISIBLE_TITLES)
    assert meta["title"] == CLEAN_TITLE  # the earliest digest's title


def test_invisible_characters_match_an_existing_page(tmp_path: Path) -> None:
    """A page made from the clean title is the same paper as a later title with invisibles."""
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2025-06-14-clean.txt").write_bytes(digest([CLEAN_TITLE]))
    run_import(content, Config())
    (content / "digests" / "2025-06-14-clean.txt").unlink()
    (content / "digests" / "2025-06-20-odd.txt").write_bytes(digest(INVISIBLE_TITLES[:4]))
    report = run_import(content, Config())
    assert sorted(p.name for p in (content / "papers").glob("*.md")) == ["scaling-laws-for-sparse-mixture-models.md"]
    assert report.new == 0 and not report.kept


def test_zero_width_space_is_not_a_space(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2025-06-14-odd.txt").write_bytes(digest(["Spar\u200bse Mixture Models"]))
    run_import(content, Config())
    (page_file,) = (content / "papers").glob("*.md")
    assert page_file.name == "sparse-mixture-models.md"
    meta, _ = read_page(page_file.read_text("utf-8"), page_file.name)
    assert " se " not in meta["title"] and meta["title"].replace("\u200b", "") == "Sparse Mixture Models"


def test_paper_key_drops_every_default_ignorable_code_point() -> None:
    from sitegen.core.identity import IGNORABLE_RANGES, strip_ignorable

    for low, high in IGNORABLE_RANGES:
        for code in {low, (low + high) // 2, high}:
            title = f"Spar{chr(code)}se Models"
            assert paper_key(title) == "sparse models", hex(code)
            assert strip_ignorable(title) == "Sparse Models", hex(code)
    assert paper_key("Sparse\u200b Models") == paper_key("Sparse Models")


@pytest.mark.parametrize("code", [0x00AD, 0x034F, 0x061C, 0x115F, 0x17B4, 0x180E, 0x200B, 0x202A, 0x2065, 0x3164])
def test_the_set_is_unicode_default_ignorable(code: int) -> None:
    """Spot checks against the Unicode data: format or filler characters, none a letter."""
    import unicodedata

    from sitegen.core.identity import IGNORABLE_RANGES

    assert unicodedata.category(chr(code)) in {"Cf", "Mn", "Lo", "Cn"}
    assert any(low <= code <= high for low, high in IGNORABLE_RANGES)


# --------------------------------------------------------------------------- reading commands


def test_reading_commands_know_a_tag_by_any_spelling(tmp_path: Path) -> None:
    """`sitegen tag X +LLM` on a page tagged `llm` changes nothing; `-LLM` removes it;
    `sitegen list --tag LLM` lists the pages tagged `llm`."""
    from sitegen.reading import edits as reading
    from sitegen.site.library import paper_from_page

    text = page("BatchFormer", ["llm", "scaling"], "2024-02-01")
    edit = reading.tag(text, [("+", "LLM")], "batchformer.md")
    assert edit.text is None and "already tagged LLM (as llm)" in edit.messages
    edit = reading.tag(text, [("-", "LLM")], "batchformer.md")
    assert edit.text is not None and read_page(edit.text, "batchformer.md")[0]["tags"] == ["scaling"]
    paper = paper_from_page(text, "batchformer", "batchformer.md")
    assert reading.select([paper], tags=["LLM"]) == [paper]
    assert reading.unknown_tags([paper], ["LLM", "Scaling", "moe"]) == ["moe"]
