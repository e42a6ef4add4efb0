"""Drafts and private notes: `draft: true` / `private: true` pages and notes after
`<!-- private -->` are left out of every output, as if they were not there; `--drafts`
(build and serve) shows them."""

from __future__ import annotations

import gzip
import shutil
import urllib.request
from pathlib import Path

import pytest

from sitegen.build.pipeline import BuildError, Project, build
from sitegen.serve import DevServer
from tests.sites import FIXTURES

DRAFT = "stable-test-time-adaptation-under-label-shift"
PRIVATE = "fixing-routing-collapse-in-mixture-of-experts"
NOTED = "rotq-rotated-4-bit-quantization-for-llms"
SECRET = "ask Zanzibar about it"
LEAKS = (DRAFT, PRIVATE, "Label Shift", "Routing Collapse", "test-time", "mixture-of-experts", "Zanzibar")
"""Slugs, title words, the tags only those two pages have, the private note's words."""


def add_key(page: Path, line: str) -> None:
    """Put `line` into the front matter, after the title."""
    lines = page.read_text().splitlines(True)
    page.write_text("".join([lines[0], lines[1], line + "\n", *lines[2:]]))


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """The golden fixture with one draft page, one private page and a private note."""
    folder = tmp_path / "content"
    shutil.copytree(FIXTURES / "golden" / "content", folder)
    add_key(folder / "papers" / f"{DRAFT}.md", "draft: true")
    add_key(folder / "papers" / f"{PRIVATE}.md", "private: yes")
    noted = folder / "papers" / f"{NOTED}.md"
    noted.write_text(noted.read_text() + f"\nAlso public.\n\n<!-- private -->\nSecret: {SECRET}.\n")
    return folder


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a site, Pagefind's gzipped index files unpacked (so words are findable)."""
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            out[path.relative_to(site).as_posix()] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    return out


def make(content: Path, out: Path, *, drafts: bool = False, search: bool = False) -> Path:
    flag = (
        {"drafts": True} if drafts else {}
    )  # given only when set, so the test runs (and fails) on sitegen before drafts
    project = Project(content=content, templates=out / "no-templates", output=out / "site", **flag)
    build(project, run_importer=False, search=search)
    return project.output


def test_drafts_and_private_notes_are_in_no_output(content: Path, tmp_path: Path) -> None:
    """The site is byte for byte the site of a list without those pages and notes:
    pages, listings, tags, years, feeds, sitemap, papers.json, papers.bib, stats, both
    search indexes."""
    site = make(content, tmp_path / "a", search=True)
    files = site_files(site)
    assert any(name.startswith("pagefind/") for name in files)
    for name, data in files.items():
        for leak in LEAKS:
            assert leak.encode() not in data, (leak, name)
    assert not (site / "tags" / "test-time").exists() and not (site / "years" / "2023").exists()
    noted = (site / "papers" / NOTED / "index.html").read_text()
    assert "Also public." in noted and "Secret" not in noted and "Private notes" not in noted

    # The same as a list where the pages were never written and the note stops at the marker.
    reference = tmp_path / "reference"
    shutil.copytree(content, reference)
    (reference / "papers" / f"{DRAFT}.md").unlink()
    (reference / "papers" / f"{PRIVATE}.md").unlink()
    noted_page = reference / "papers" / f"{NOTED}.md"
    noted_page.write_text(noted_page.read_text().split("<!-- private -->")[0])
    assert site_files(make(reference, tmp_path / "b", search=True)) == files


def test_drafts_flag_shows_everything(content: Path, tmp_path: Path) -> None:
    site = make(content, tmp_path, drafts=True, search=True)
    files = site_files(site)
    for leak in LEAKS:  # the check above would see each of them, search indexes included
        assert any(leak.encode() in data for name, data in files.items() if name.startswith("pagefind/")), leak
        assert leak.encode() in files["search-index.js"] or leak == "Zanzibar", leak
    assert (site / "papers" / DRAFT / "index.html").is_file() and (site / "papers" / PRIVATE / "index.html").is_file()
    assert (site / "tags" / "test-time" / "index.html").is_file()
    assert DRAFT.encode() in (site / "sitemap.xml").read_bytes()
    noted = (site / "papers" / NOTED / "index.html").read_text()
    assert SECRET in noted and "Private notes (shown with <code>--drafts</code> only):" in noted
    assert noted.index("Also public.") < noted.index("Private notes") < noted.index(SECRET)


def test_incremental_builds_follow_the_marks_and_the_flag(content: Path, tmp_path: Path) -> None:
    """Publishing a draft, hiding it again and switching --drafts each rebuild what changed,
    giving the bytes of a clean build."""
    draft_page = content / "papers" / f"{DRAFT}.md"
    marked = draft_page.read_text()
    site = make(content, tmp_path / "inc")
    assert not (site / "papers" / DRAFT).exists()
    draft_page.write_text(marked.replace("draft: true\n", ""))
    make(content, tmp_path / "inc")
    assert (site / "papers" / DRAFT / "index.html").is_file()
    assert site_files(site) == site_files(make(content, tmp_path / "clean1"))
    draft_page.write_text(marked)
    make(content, tmp_path / "inc")
    assert not (site / "papers" / DRAFT).exists()
    make(content, tmp_path / "inc", drafts=True)  # no input changed, only the flag
    assert (site / "papers" / DRAFT / "index.html").is_file()
    assert site_files(site) == site_files(make(content, tmp_path / "clean2", drafts=True))
    make(content, tmp_path / "inc")
    assert site_files(site) == site_files(make(content, tmp_path / "clean3"))


@pytest.mark.parametrize("value", ["ture", "1", "[true]", "'yes'"])
def test_a_mark_that_is_not_true_or_false_stops_the_build(content: Path, tmp_path: Path, value: str) -> None:
    """A typo must not publish what was meant to stay private."""
    page = content / "papers" / f"{DRAFT}.md"
    page.write_text(page.read_text().replace("draft: true", f"draft: {value}"))
    with pytest.raises(BuildError, match=rf"papers/{DRAFT}\.md:3: draft: expected true or false"):
        make(content, tmp_path)
    assert not (tmp_path / "site").exists()


def test_serve_with_drafts_serves_them(content: Path, tmp_path: Path) -> None:
    from sitegen.cli import _project, build_parser

    args = build_parser().parse_args(["serve", "--drafts", "--content", str(content)])
    assert _project(args).drafts is True
    assert _project(build_parser().parse_args(["build"])).drafts is False
    project = Project(content=content, templates=tmp_path / "none", output=tmp_path / "site", drafts=True)
    server = DevServer(project, port=0, log=lambda _: None)
    server.start()
    try:
        with urllib.request.urlopen(f"{server.url}papers/{DRAFT}/index.html", timeout=10) as response:
            assert response.status == 200 and b"Label Shift" in response.read()
    finally:
        server.stop()
