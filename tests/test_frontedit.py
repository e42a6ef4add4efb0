"""The one front-matter editor (sitegen/pagefile/frontedit.py) with PyYAML only: the
fallback for layouts the surgical edit cannot change writes the front matter again when
that loses nothing, and otherwise refuses with file and line; `\\r` line endings are
edited like the others. Real pages through the real CLI where the behaviour is the user's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sitegen.pagefile import frontedit
from sitegen.pagefile.pages import PageError, read_page
from tests.sites import run_sitegen

ROOT = Path(__file__).resolve().parent.parent

# Keys indented under `---` and a block scalar: neither the in-place edit nor the key's
# rewrite (which needs keys at column 0) can change `status` here.
INDENTED = "---\n  title: T\n  status: |\n    reading\n  tags: [a, b]\n---\nMy notes.\n"


def test_unusual_layout_without_comments_is_written_again_in_key_order() -> None:
    out = frontedit.set_keys(INDENTED, {"status": "read"}, "p.md")
    assert out == "---\ntitle: T\nstatus: read\ntags:\n- a\n- b\n---\nMy notes.\n"


def test_unusual_layout_with_a_comment_is_refused_with_the_key_line() -> None:
    text = INDENTED.replace("  tags:", "  # my own comment\n  tags:")
    with pytest.raises(PageError) as caught:
        frontedit.set_keys(text, {"status": "read"}, "p.md")
    assert caught.value.problem.line == 3  # `status:` is the page's third line
    assert "# my own comment" in caught.value.problem.message
    assert "edit the page by hand" in caught.value.problem.message


def test_mark_refuses_such_a_page_with_exit_2_and_leaves_it_byte_for_byte(tmp_path: Path) -> None:
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    page = papers / "t.md"
    text = INDENTED.replace("  tags:", "  # my own comment\n  tags:")
    page.write_bytes(text.encode("utf-8"))
    result = run_sitegen("mark", "--content", tmp_path / "content", "t", "read")
    assert result.returncode == 2, result.stderr
    assert f"{page}:3:" in result.stderr and "Traceback" not in result.stderr
    assert page.read_bytes() == text.encode("utf-8")


def test_duplicate_keys_are_refused_not_written_again() -> None:
    """Writing the front matter again would keep only the last of the two values."""
    text = "---\nstatus: |\n  reading\nstatus: |\n  read\n---\n"
    with pytest.raises(PageError):
        frontedit.set_keys(text, {"status": "dropped"}, "p.md")


@pytest.mark.parametrize(
    ("before", "changes", "after"),
    [
        ("---\rtags:\r- a\r- b\r---\r", {"tags": ["b"]}, "---\rtags:\r- b\r---\r"),
        ("---\rtags:\r- a\r- b\rx: 1\r---\r", {"tags": ["a"]}, "---\rtags:\r- a\rx: 1\r---\r"),
        ("---\rtitle: T\r---\rbody\r", {"tags": ["x"]}, "---\rtitle: T\rtags:\r- x\r---\rbody\r"),
    ],
)
def test_pages_with_cr_line_endings_are_edited_in_place(before: str, changes: dict, after: str) -> None:
    assert frontedit.set_keys(before, changes, "p.md") == after


def test_the_fallback_needs_no_ruamel() -> None:
    """sitegen edits every layout with PyYAML alone: ruamel.yaml made unimportable."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["ruamel"] = None
        sys.modules["ruamel.yaml"] = None
        from sitegen.pagefile.frontedit import set_keys
        print(repr(set_keys({INDENTED!r}, {{"status": "read"}}, "p.md")))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr("---\ntitle: T\nstatus: read\ntags:\n- a\n- b\n---\nMy notes.\n")


def test_ruamel_is_not_a_dependency() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "ruamel" not in pyproject
    used = [p for p in (ROOT / "sitegen").rglob("*.py") if "ruamel" in p.read_text(encoding="utf-8")]
    assert used == []


def test_an_importer_edit_keeps_the_comment_of_an_item_it_removes() -> None:
    """The importer removes a tag the taxonomy stopped giving; the user's comment on that
    line is kept below the list (a reading command's `tag -x` drops it with the tag)."""
    text = "---\ntitle: T\nauto_tags:\n- old  # why this tag\n- kept\n---\n"
    meta, parts = read_page(text, "p.md")
    out = frontedit.replace_front(text, parts, meta, {"auto_tags": ["kept"]}, "p.md")
    assert out == "---\ntitle: T\nauto_tags:\n- kept\n# why this tag\n---\n"
    assert frontedit.set_keys(text, {"auto_tags": ["kept"]}, "p.md") == "---\ntitle: T\nauto_tags:\n- kept\n---\n"
