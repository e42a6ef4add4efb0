"""`sitegen import` over content folders: files that are not digests, the year of a
year-less date, the bundled reading list, and the command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sitegen import cli
from sitegen.config import Config
from sitegen.ingest.importer import run_import
from sitegen.pagefile.pages import read_page

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLEAN = {
    name: (FIXTURES / "digests" / name).read_bytes()
    for name in ("2025-12-15-daily-papers.txt", "hf-daily-papers-mar-12.txt", "hf-papers-search-training.txt")
}
CLEAN_PAPERS = 10 + 5 + 5 - 1  # Unraveling is in A and B
NO_YEAR = "hf-daily-papers-mar-12.txt"
"""The clean B digest: `Mar 12` and no year in its name, so the year is the file's
modification year, with a warning."""


def besides_the_year_warning(problems: list) -> list:
    return [p for p in problems if not (p.source == NO_YEAR and p.message.startswith("no year stated"))]


SUMMARY = re.compile(
    r"^\d+ digests? read, \d+ entr(?:y|ies), \d+ papers? \(\d+ merged\), \d+ new, \d+ updated, \d+ warnings?$"
)


def pages(content: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((content / "papers").glob("*.md")):
        meta, _ = read_page(path.read_text("utf-8"), path.name)
        out[path.name] = meta
    return out


RENAMED = {"notes-readme.md": "README.md"}
"""A README in digests/ is skipped by name (sitegen init writes one there), so the README
fixture goes in under another name to be read as a file that is not a digest."""


def not_digest(name: str) -> bytes:
    return (FIXTURES / "not-digests" / RENAMED.get(name, name)).read_bytes()


# ----------------------------------------------------------------------------- files that are not digests


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("reading-notes.md", True),
        ("notes-readme.md", True),
        ("empty.txt", True),
        ("figure.png", False),
        ("damaged-utf8.txt", False),
    ],
)
def test_non_digest_file_gives_no_paper_and_a_message_naming_it(make_content, name, readable):
    content = make_content({**CLEAN, name: not_digest(name)})
    report = run_import(content, Config(), today="2025-12-20")
    assert (report.digests, report.entries, report.papers, report.new) == (3, 20, CLEAN_PAPERS, CLEAN_PAPERS)
    assert report.unreadable == (0 if readable else 1)
    named = [p for p in report.problems if p.source == name]
    assert len(named) == 1 and named[0].message.startswith("not imported")
    assert str(named[0]).startswith(name)
    assert len(besides_the_year_warning(report.problems)) == 1
    metas = pages(content)
    assert len(metas) == CLEAN_PAPERS
    assert all(name not in meta["sources"] for meta in metas.values())


def test_all_non_digests_together(make_content):
    others = {
        n: not_digest(n) for n in ("reading-notes.md", "notes-readme.md", "empty.txt", "figure.png", "damaged-utf8.txt")
    }
    content = make_content({**CLEAN, **others})
    (content / "digests" / ".hidden-notes.txt").write_bytes(b"editor swap file")
    report = run_import(content, Config(), today="2025-12-20")
    assert (report.digests, report.papers, report.unreadable) == (3, CLEAN_PAPERS, 2)
    assert sorted(p.source for p in besides_the_year_warning(report.problems)) == sorted(others)
    assert len(pages(content)) == CLEAN_PAPERS


def test_damaged_utf8_digest_is_not_half_imported(make_content):
    """The damaged copy of digest A is refused whole, not read up to the bad byte."""
    content = make_content({"damaged-utf8.txt": not_digest("damaged-utf8.txt")})
    report = run_import(content, Config(), today="2025-12-20")
    assert report.papers == 0 and report.unreadable == 1
    (problem,) = report.problems
    assert (problem.source, problem.line) == ("damaged-utf8.txt", 15)
    assert not (content / "papers").exists() or not list((content / "papers").iterdir())


# ----------------------------------------------------------------------------- the year of a year-less date

YEARLESS = (
    "new\n\nSubscribe\n\nDaily Papers\n\nMar 12\n\nLayer Normalization\n\n"
    "Training state-of-the-art, deep neural networks is computationally expensive. One way to reduce the "
    "training time is to normalize the activities of the neurons. A recently introduced technique called "
    "batch normalization uses the distribution of the summed input to a neuron over a mini-batch of "
    "training cases to compute a mean and variance which are then used to normalize the summed input.\n\n"
    "  \u2022 3 authors\n\u00b7\nApr 3\n\nOne Epoch Is All You Need\n\n"
    "In unsupervised learning, collecting more data is not always a costly process unlike the training. "
    "For example, it is not hard to enlarge the 40GB WebText used for training GPT-2 by modifying its "
    "sampling methodology considering how similar the Internet is to the data it was trained on.\n\n"
    "  \u2022 1 author\n\u00b7\nMar 1"
)


def dates(content: Path) -> dict[str, str]:
    return {meta["title"]: str(meta.get("date")) for meta in pages(content).values()}


def test_year_from_the_file_name(make_content):
    content = make_content({"2025-03-12-daily.txt": YEARLESS.encode()})
    os.utime(content / "digests" / "2025-03-12-daily.txt", (0, 0))  # the name wins over the mtime
    run_import(content, Config(year=2019), today="2025-12-20")  # ... and over the configuration
    assert dates(content) == {"Layer Normalization": "2024-04-03", "One Epoch Is All You Need": "2025-03-01"}
    meta = pages(content)["layer-normalization.md"]
    assert meta["date_written"] == "Apr 3" and str(meta["added"]) == "2025-03-12"


def test_year_from_the_configuration(make_content):
    content = make_content({"daily.txt": YEARLESS.encode()})
    os.utime(content / "digests" / "daily.txt", (0, 0))
    run_import(content, Config(year=2024), today="2025-12-20")
    assert dates(content) == {"Layer Normalization": "2023-04-03", "One Epoch Is All You Need": "2024-03-01"}


def test_year_from_the_file_modification_time(make_content):
    content = make_content({"daily.txt": YEARLESS.encode()})
    mtime = 1_688_169_600  # 2023-07-01 UTC
    os.utime(content / "digests" / "daily.txt", (mtime, mtime))
    run_import(content, Config(), today="2025-12-20")
    assert dates(content) == {"Layer Normalization": "2022-04-03", "One Epoch Is All You Need": "2023-03-01"}


def test_year_from_config_yaml_through_the_cli(make_content, capsys):
    content = make_content({"daily.txt": YEARLESS.encode()})
    (content / "config.yaml").write_text("year: 2021\n", "utf-8")
    assert cli.main(["import", "--content", str(content), "-q"]) == 0
    assert dates(content) == {"Layer Normalization": "2020-04-03", "One Epoch Is All You Need": "2021-03-01"}


# ----------------------------------------------------------------------------- the bundled reading list


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The bundled digests and taxonomy imported into a fresh content folder, then imported again."""
    content = tmp_path_factory.mktemp("bundled") / "content"
    shutil.copytree(ROOT / "content" / "digests", content / "digests")
    shutil.copy(ROOT / "content" / "taxonomy.yaml", content / "taxonomy.yaml")
    first = run_import(content, Config(), today="2025-12-20")
    snapshot = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((content / "papers").iterdir())}
    second = run_import(content, Config(), today="2026-01-05")
    return content, first, second, snapshot


def test_bundled_digests_give_219_pages(bundled):
    content, first, _, _ = bundled
    assert len(list((content / "digests").iterdir())) == 3
    assert (first.digests, first.entries, first.papers, first.merged, first.new) == (3, 221, 219, 2, 219)
    assert first.unreadable == 0
    assert len(list((content / "papers").glob("*.md"))) == 219
    assert len(list((content / "papers").iterdir())) == 219  # no temporary files left behind


def test_bundled_author_counts_and_iso_dates(bundled):
    metas = pages(bundled[0]).values()
    both = [
        m for m in metas if isinstance(m.get("authors"), int) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(m.get("date")))
    ]
    assert len(both) == 38
    assert all(m["sources"] == ["2025-12-15-hf-daily-papers.txt"] or len(m["sources"]) == 2 for m in both)


def test_bundled_papers_in_two_digests_list_both(bundled):
    metas = pages(bundled[0])
    multi = {name: m["sources"] for name, m in metas.items() if len(m["sources"]) > 1}
    assert multi == {
        "training-batchnorm-and-only-batchnorm-on-the-expressive-power-of-random-features.md": [
            "2025-12-15-hf-daily-papers.txt",
            "hf-papers-search-training.txt",
        ],
        "unraveling-the-mystery-of-scaling-laws-part-i.md": [
            "2025-12-15-hf-daily-papers.txt",
            "hf-daily-papers-mar-12.txt",
        ],
    }
    unraveling = metas["unraveling-the-mystery-of-scaling-laws-part-i.md"]
    assert (unraveling["authors"], str(unraveling["date"])) == (4, "2024-03-11")


def test_bundled_import_twice_changes_no_file(bundled):
    content, _, second, snapshot = bundled
    assert (second.new, second.updated, second.written) == (0, 0, [])
    now = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((content / "papers").iterdir())}
    assert now == snapshot


def test_bundled_slugs_are_ascii_and_short(bundled):
    names = [p.stem for p in (bundled[0] / "papers").glob("*.md")]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) and len(n) <= 87 for n in names)


def test_bundled_taxonomy(bundled):
    """Every paper has 1-5 tags; 15-40 tags in use; no tag on more than 40% of papers."""
    metas = list(pages(bundled[0]).values())
    counts = Counter(tag for m in metas for tag in m["tags"])
    untagged = [m["title"] for m in metas if not 1 <= len(m["tags"]) <= 5]
    assert untagged == []
    assert 15 <= len(counts) <= 40, counts
    too_common = {t: n for t, n in counts.items() if n > 0.4 * len(metas)}
    assert too_common == {}


# ----------------------------------------------------------------------------- command line


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_import_prints_the_summary(make_content):
    content = make_content({**CLEAN, "notes.md": not_digest("reading-notes.md")})
    result = run_cli("import", "--content", str(content))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == f"3 digests read, 20 entries, {CLEAN_PAPERS} papers (1 merged), {CLEAN_PAPERS} new, 0 updated, 2 warnings\n"
    )
    assert "notes.md" in result.stderr
    assert len(list((content / "papers").glob("*.md"))) == CLEAN_PAPERS


def test_cli_counts_of_one_are_singular(make_content):
    """Issue 18: "1 digests read", "1 warnings" read wrong."""
    one_entry = b"Daily Papers\n\nA Title\n\nIts abstract.\n\n  \xe2\x80\xa2 1 author\n\xc2\xb7\nApr 3, 2024\n"
    content = make_content({"2025-01-02-one.txt": one_entry + b"\n  \xe2\x80\xa2 2 authors\n"})
    result = run_cli("import", "--content", str(content))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 digest read, 1 entry, 1 paper (0 merged), 1 new, 0 updated, 1 warning\n"
    assert result.stderr.count("warning: ") == 1


@pytest.mark.parametrize(
    ("name", "where"), [("figure.png", "figure.png:3:"), ("damaged-utf8.txt", "damaged-utf8.txt:15:")]
)
def test_cli_import_exits_1_for_an_unreadable_digest(make_content, capsys, name, where):
    content = make_content({**CLEAN, name: not_digest(name)})
    assert cli.main(["import", "--content", str(content)]) == 1
    out, err = capsys.readouterr()
    assert f"warning: {where} not imported" in err
    assert (
        out
        == f"3 digests read, 20 entries, {CLEAN_PAPERS} papers (1 merged), {CLEAN_PAPERS} new, 0 updated, 2 warnings\n"
    )
    assert len(list((content / "papers").glob("*.md"))) == CLEAN_PAPERS  # the others are imported


def test_cli_quiet_prints_nothing_on_success(make_content, capsys):
    content = make_content(CLEAN)
    assert cli.main(["import", "--content", str(content), "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert len(list((content / "papers").glob("*.md"))) == CLEAN_PAPERS
    assert cli.main(["import", "--content", str(content), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_cli_verbose_lists_files_written(make_content, capsys):
    content = make_content(CLEAN)
    assert cli.main(["import", "--content", str(content), "-v"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("wrote ") for line in out) == CLEAN_PAPERS
    assert SUMMARY.match(out[-1])


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sitegen") and "import" in out


@pytest.mark.parametrize("command", ["import", "build", "check"])
def test_cli_help_for_every_command(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: sitegen {command}")
    if command == "import":
        assert "--content DIR" in out and "-q" in out and "--dry-run" in out


@pytest.mark.skipif(shutil.which("sitegen") is None, reason="the sitegen console script is not installed")
def test_console_script_help():
    result = subprocess.run(["sitegen", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and result.stdout.startswith("usage: sitegen") and "import" in result.stdout


def test_a_readme_in_the_digests_folder_is_skipped_without_a_warning(make_content):
    """`sitegen init` writes content/digests/README.md to say what to paste there."""
    content = make_content({**CLEAN, "README.md": not_digest("README.md"), "readme.txt": not_digest("README.txt")})
    report = run_import(content, Config(), today="2025-12-20")
    assert (report.digests, report.papers) == (3, CLEAN_PAPERS)
    assert besides_the_year_warning(report.problems) == []
