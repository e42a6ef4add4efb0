"""YAML aliases in a page's front matter are refused with file and line (issue 21 item 8).

Nested aliases expand exponentially once the values are used: the issue's 374-byte page
took 79 s and 5.9 GB. A page with an alias is a malformed page: a build stops with exit 2
naming it and leaves the old site as it was; an import reports it and leaves it alone."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from sitegen.pagefile.pages import PageError, parse_front
from tests.sites import ROOT, copy_content, run_sitegen
from tests.test_build import tree_digest

TIMEOUT = 120
"""Seconds a command may take before the test fails (it takes about one)."""


def alias_bomb(levels: int) -> str:
    """A page whose front matter nests `levels` levels of nine aliases each: 9**levels
    strings once expanded (7 levels: 4.8 million, seconds and hundreds of MB before the fix)."""
    names = "abcdefghij"
    lines = ["---", "title: Bomb", f"a: &a [{', '.join(['lol'] * 9)}]"]
    for level in range(1, levels):
        lines.append(f"{names[level]}: &{names[level]} [{', '.join([f'*{names[level - 1]}'] * 9)}]")
    return "\n".join([*lines, "---", "Notes.", ""])


def sitegen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_sitegen(*args, cwd=cwd, timeout=TIMEOUT)


def test_an_alias_is_refused_at_its_line() -> None:
    with pytest.raises(PageError, match=r"^p\.md:4: invalid front matter: YAML aliases \(\*x\) are not allowed"):
        parse_front("title: A paper\nlist: &x [1, 2]\nother: *x\n", "p.md")


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: '*starred*'\nnote: a *b c\n", {"title": "*starred*", "note": "a *b c"}),
        ("title: T\nk: &x 1\n", {"title": "T", "k": 1}),  # an anchor alone expands nothing
        (
            "title: T\nk: [a, '*b']\nd: 2024-03-01\n",
            {"title": "T", "k": ["a", "*b"], "d": dt.date(2024, 3, 1)},
        ),
    ],
)
def test_front_matter_with_stars_but_no_alias_reads_as_before(front: str, expected: dict[str, object]) -> None:
    assert parse_front(front, "p.md") == expected


def test_an_impossible_date_is_still_an_error_where_a_star_is_present() -> None:
    with pytest.raises(PageError, match=r"^p\.md:3: invalid front matter: '2024-02-30' is not a valid date"):
        parse_front("title: '*'\nd: 2024-02-30\n", "p.md")


def test_a_build_refuses_an_alias_bomb_with_file_and_line_and_keeps_the_old_site(tmp_path: Path) -> None:
    copy_content(ROOT / "content", tmp_path)
    first = sitegen(tmp_path, "build", "-q", "--no-search", "--no-import")
    assert first.returncode == 0, first.stderr
    before = tree_digest(tmp_path / "site")
    (tmp_path / "content" / "papers" / "bomb.md").write_text(alias_bomb(7))
    result = sitegen(tmp_path, "build", "-q", "--no-search", "--no-import")
    assert result.returncode == 2
    assert result.stderr == (
        "error: content/papers/bomb.md:4: invalid front matter: YAML aliases (*a) are not allowed in a page\n"
    )
    assert tree_digest(tmp_path / "site") == before


def test_an_import_reports_an_alias_page_and_leaves_it_byte_for_byte(tmp_path: Path) -> None:
    content = copy_content(ROOT / "content", tmp_path)
    bomb = content / "papers" / "bomb.md"
    bomb.write_text(alias_bomb(7))
    result = sitegen(tmp_path, "import")
    assert "Traceback" not in result.stderr
    assert "warning: papers/bomb.md:4: left untouched: invalid front matter: YAML aliases (*a)" in result.stderr
    assert bomb.read_text() == alias_bomb(7)
