"""Nothing the user wrote is lost to another writer (issue 21, items 1, 2, 4, 5 and 12).

Each test stages the race an adversarial run found, deterministically where it can
(an editor's save injected between sitegen's read and its write), with real
processes where the race is between commands. tests/test_concurrency.py runs the
same races many times over, with random timings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sitegen.build.pipeline import Project, build
from sitegen.cli import main as sitegen_main
from sitegen.config import load_config
from sitegen.ingest import importer
from sitegen.pagefile import pages
from tests.sites import run_sitegen
from tests.test_reading_cli import AR, DIGEST, FP, MONET, TAXONOMY

EDITOR_LINE = "A line my editor saved while sitegen was busy."


def make_list(tmp_path: Path, taxonomy: str = TAXONOMY) -> Path:
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2024-12-15.txt").write_text("# captured 2024-12-15\n" + DIGEST, encoding="utf-8")
    (content / "taxonomy.yaml").write_text(taxonomy, encoding="utf-8")
    assert sitegen_main(["import", "-q", "--content", str(content)]) == 0
    return content


def page(content: Path, slug: str) -> Path:
    return content / "papers" / f"{slug}.md"


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def run_cli(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return run_sitegen(*argv, timeout=120)


# --------------------------------------------------------------------------- 1. import vs a save


def test_import_keeps_a_save_made_between_its_read_and_its_write(tmp_path: Path, monkeypatch) -> None:
    """Item 1: the import computes every update from the pages as it read them; a page
    saved before the update is written keeps the save (and gets the update too)."""
    content = make_list(tmp_path)
    # A taxonomy change makes every page's tags change: every page is rewritten.
    (content / "taxonomy.yaml").write_text(TAXONOMY.replace("'quantiz'", "'no such word'"), encoding="utf-8")
    target = page(content, FP)
    real_update = pages.update_page
    saved = []

    def update_then_editor_saves(text: str, paper, source: str, *read):
        result = real_update(text, paper, source, *read)
        if not saved and source.endswith(target.name):
            saved.append(True)  # the editor saves once, after sitegen read the page
            with target.open("a", encoding="utf-8") as handle:
                handle.write(f"\n{EDITOR_LINE}\n")
        return result

    monkeypatch.setattr(importer, "update_page", update_then_editor_saves)
    report = importer.run_import(content, load_config(content))

    assert saved, "the import did not update the page: the race was not staged"
    text = target.read_text(encoding="utf-8")
    assert EDITOR_LINE in text
    assert front(target)["tags"] == ["scaling-laws"]  # the import's change landed as well
    assert target in report.written


def test_import_writes_no_new_page_over_a_file_that_appeared(tmp_path: Path, monkeypatch) -> None:
    """A page the user creates while the import runs, under the name the import chose
    for a new paper, is not replaced."""
    content = make_list(tmp_path)
    target = page(content, MONET)
    target.unlink()
    real_new = importer.new_page

    def new_then_user_creates(paper, today):
        text = real_new(paper, today)
        if paper.title.startswith("Monet"):
            target.write_text("---\ntitle: Monet, my own page\n---\nMine.\n", encoding="utf-8")
        return text

    monkeypatch.setattr(importer, "new_page", new_then_user_creates)
    report = importer.run_import(content, load_config(content))
    assert target.read_text(encoding="utf-8") == "---\ntitle: Monet, my own page\n---\nMine.\n"
    assert any("appeared during the import" in p.message for p in report.problems)


# --------------------------------------------------------------------------- 2. parallel commands


def test_parallel_reading_commands_all_land(tmp_path: Path) -> None:
    """Item 2: ten `sitegen note` and ten `sitegen tag` at once on one page: every note
    and every tag is in the page at the end (the issue saw 10 of 20 notes, 3 of 10 tags)."""
    content = make_list(tmp_path)
    commands = [
        ["note", "--content", content, "scaling laws for floating", "-m", f"parallel note {i}"] for i in range(10)
    ]
    commands += [["tag", "--content", content, "scaling laws for floating", f"+t{i}"] for i in range(10)]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "sitegen", *map(str, argv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for argv in commands
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    text = page(content, FP).read_text(encoding="utf-8")
    assert [i for i in range(10) if f"parallel note {i}" not in text] == []
    tags = front(page(content, FP))["tags"]
    assert [f"t{i}" for i in range(10) if f"t{i}" not in tags] == []


# --------------------------------------------------------------------------- 4. a digest saved during an import


def test_a_digest_saved_during_the_import_is_imported_by_the_next_build(tmp_path: Path, monkeypatch) -> None:
    """Item 4: the digests' fingerprint is the one taken before the import read them."""
    content = make_list(tmp_path)
    project = Project(content=content, templates=tmp_path / "no-templates", output=tmp_path / "site")
    late = content / "digests" / "2024-12-16.txt"
    (content / "digests" / "2024-12-15.txt").write_text(
        "# captured 2024-12-15\n" + DIGEST.replace("The code is public.", "The code is public now."), encoding="utf-8"
    )
    real_import = importer.run_import

    def import_while_a_digest_is_saved(*args, **kwargs):
        result = real_import(*args, **kwargs)
        late.write_text(
            "# captured 2024-12-16\nDaily Papers\n\nbyAK and the research community\n\nDec 16\n\nA Paper Saved During The Import\n\n"
            "This abstract was pasted into a new digest while the import was running, and must not be lost.\n",
            encoding="utf-8",
        )
        return result

    monkeypatch.setattr(importer, "run_import", import_while_a_digest_is_saved)
    build(project, search=False)
    monkeypatch.setattr(importer, "run_import", real_import)
    build(project, search=False)
    assert page(content, "a-paper-saved-during-the-import").is_file()
    assert (tmp_path / "site" / "papers" / "a-paper-saved-during-the-import" / "index.html").is_file()


# --------------------------------------------------------------------------- 5. a title edited by hand


@pytest.mark.parametrize(
    "new_title",
    ["Monet: Monosemantic Experts (my short title)", "MONET: MIXTURE OF MONOSEMANTIC EXPERTS FOR TRANSFORMERS."],
)
def test_a_title_edited_by_hand_keeps_its_page(tmp_path: Path, new_title: str) -> None:
    """Item 5: the page is still the paper's page: no second page, no 'kept' warning,
    and the title (even a change of case or punctuation) stays the user's."""
    content = make_list(tmp_path)
    target = page(content, MONET)
    text = target.read_text(encoding="utf-8")
    old_title = front(target)["title"]
    target.write_text(
        text.replace(f"title: '{old_title}'", f"title: '{new_title}'").replace(
            f"title: {old_title}", f"title: '{new_title}'"
        )
        + "\nMy notes on Monet.\n",
        encoding="utf-8",
    )
    assert front(target)["title"] == new_title
    before = sorted(p.name for p in (content / "papers").iterdir())

    run = run_cli("import", "--content", content)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (content / "papers").iterdir()) == before
    assert "no digest lists this paper" not in run.stdout + run.stderr
    assert front(target)["title"] == new_title
    assert "My notes on Monet." in target.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 12. links and options


def test_a_symlinked_page_is_edited_through_the_link(tmp_path: Path) -> None:
    """Item 12: the link stays a link; its target gets the note."""
    content = make_list(tmp_path)
    elsewhere = tmp_path / "notes-repo" / "ar.md"
    elsewhere.parent.mkdir()
    link = page(content, AR)
    os.replace(link, elsewhere)
    link.symlink_to(elsewhere)

    run = run_cli("note", "--content", content, "autoregressive", "-m", "through the link")
    assert run.returncode == 0, run.stderr
    assert link.is_symlink()
    assert "through the link" in elsewhere.read_text(encoding="utf-8")


def test_tag_options_after_the_tags_are_options(tmp_path: Path) -> None:
    """Item 12: `sitegen tag X +a -q` is quiet, not 'remove tag q'; after `--`, -q is a tag."""
    content = make_list(tmp_path)
    run = run_cli("tag", "--content", content, "monet", "+q", "+a")
    assert run.returncode == 0, run.stderr
    assert {"a", "q"} <= set(front(page(content, MONET))["tags"])

    run = run_cli("tag", "--content", content, "monet", "+b", "-q")
    assert (run.returncode, run.stdout) == (0, "")
    assert {"a", "b", "q"} <= set(front(page(content, MONET))["tags"])

    run = run_cli("tag", "--content", content, "monet", "--", "-q")
    assert run.returncode == 0, run.stderr
    tags = front(page(content, MONET))["tags"]
    assert "q" not in tags and {"a", "b"} <= set(tags)
