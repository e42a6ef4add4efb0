"""The reading workflow from the shell: mark, rate, note, tag, list.

Real files in tmp_path, made by `sitegen import` (a handwritten three-paper digest, or
the bundled digests once per session) or written by hand where the layout matters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sitegen.cli import main as sitegen_main
from sitegen.pagefile import frontedit
from sitegen.reading import commands as reading_cli
from sitegen.reading import edits as reading
from sitegen.reading.arguments import register
from sitegen.reading.edits import Unresolved, display_width, resolve
from tests.sites import ROOT

TODAY = dt.date(2025, 6, 1)

DIGEST = """Daily Papers

byAK and the research community

Dec 15

Scaling Laws for Floating Point Quantization Training

Low-precision training is considered an effective strategy for reducing both training and downstream inference costs, and we study how exponent and mantissa bits affect the loss of large language models trained in floating point. We find a unified scaling law.

Scaling Laws for Autoregressive Generative Modeling

We identify empirical scaling laws for the cross-entropy loss in four domains: generative image modeling, video modeling, multimodal image and text models, and mathematical problem solving. The laws hold across domains.

Monet: Mixture of Monosemantic Experts for Transformers

Understanding the internal computations of large language models is crucial for aligning them with human values, and we introduce a mixture of experts architecture whose experts each capture one concept. The code is public.
"""

TAXONOMY = """max_tags: 5
fallback: other
tags:
  quantization:
    title: ['quantiz']
  scaling-laws:
    title: ['scaling laws?']
"""

FP = "scaling-laws-for-floating-point-quantization-training"
AR = "scaling-laws-for-autoregressive-generative-modeling"
MONET = "monet-mixture-of-monosemantic-experts-for-transformers"


def sitegen(*argv: str | Path) -> int:
    """Run a reading command as `sitegen` will, on a parser of its own."""
    parser = argparse.ArgumentParser(prog="sitegen")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args([str(a) for a in argv])
    return args.func(args)


def snapshot(content: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file's bytes and mtime (and every folder), to prove nothing was written."""
    return {
        str(p.relative_to(content)): (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else None
        for p in sorted(content.rglob("*"))
    }


def page(content: Path, slug: str) -> Path:
    return content / "papers" / f"{slug}.md"


def front(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8").split("---\n")[1], Loader=yaml.CSafeLoader)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading_cli, "today", lambda: TODAY)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """Three papers imported from a handwritten digest."""
    folder = tmp_path / "content"
    (folder / "digests").mkdir(parents=True)
    (folder / "digests" / "2025-12-15-hf-daily-papers.txt").write_text(DIGEST, encoding="utf-8")
    (folder / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    assert sitegen_main(["import", "-q", "--content", str(folder)]) == 0
    assert sorted(p.stem for p in (folder / "papers").glob("*.md")) == [MONET, AR, FP]
    return folder


@pytest.fixture(scope="session")
def bundled_import(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bundled digest (27 papers; the other two only make it slower) and the
    bundled taxonomy, imported once."""
    folder = tmp_path_factory.mktemp("bundled-reading") / "content"
    (folder / "digests").mkdir(parents=True)
    shutil.copy2(ROOT / "content" / "digests" / "hf-daily-papers-mar-12.txt", folder / "digests")
    shutil.copy2(ROOT / "content" / "taxonomy.yaml", folder / "taxonomy.yaml")
    assert sitegen_main(["import", "-q", "--content", str(folder)]) == 0
    return folder


@pytest.fixture
def bundled(bundled_import: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bundled_import, tmp_path / "content"))


# --------------------------------------------------------------------------- the commands


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("mark", "rate", "note", "tag", "list"):
        with pytest.raises(SystemExit) as exit_:
            sitegen(command, "--help")
        assert exit_.value.code == 0
        text = capsys.readouterr().out
        assert "--content DIR" in text and "-q" in text
        assert f"examples:\n  sitegen {command} " in text


def test_mark_sets_status_and_read_on_only_once(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = page(content, MONET)
    before = path.read_text(encoding="utf-8")
    others = {k: v for k, v in snapshot(content).items() if not k.endswith(f"{MONET}.md")}

    assert sitegen("mark", "--content", content, "monet", "reading") == 0
    assert path.read_text(encoding="utf-8") == before.replace("\n---\n", "\nstatus: reading\n---\n")
    assert sitegen("mark", "--content", content, "monet", "read") == 0
    assert path.read_text(encoding="utf-8") == before.replace("\n---\n", "\nstatus: read\nread_on: 2025-06-01\n---\n")
    assert f"{MONET}: status: reading -> read, read_on: 2025-06-01" in capsys.readouterr().out
    assert {k: v for k, v in snapshot(content).items() if not k.endswith(f"{MONET}.md")} == others

    # read_on is kept once set; marking read again writes nothing
    mtime = path.stat().st_mtime_ns
    assert sitegen("mark", "--content", content, "monet", "dropped") == 0
    assert sitegen("mark", "--content", content, "monet", "read") == 0
    assert front(path)["read_on"] == dt.date(2025, 6, 1)
    mtime = path.stat().st_mtime_ns
    assert sitegen("mark", "--content", content, MONET, "read") == 0
    assert path.stat().st_mtime_ns == mtime
    assert "already read (read on 2025-06-01); nothing changed" in capsys.readouterr().out

    # an explicit date replaces it; --on goes with read only
    assert sitegen("mark", "--content", content, "monet", "read", "--on", "2025-05-30") == 0
    assert front(path)["read_on"] == dt.date(2025, 5, 30)
    assert sitegen("mark", "--content", content, "monet", "reading", "--on", "2025-05-30") == 2


def test_mark_rejects_unknown_status(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        sitegen("mark", "--content", content, "monet", "finished")
    assert exit_.value.code == 2
    assert "invalid choice: 'finished'" in capsys.readouterr().err


def test_rate(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = page(content, AR)
    assert sitegen("rate", "--content", content, "autoregressive", "4") == 0
    assert sitegen("rate", "--content", content, "autoregressive", "5") == 0
    assert front(path)["rating"] == 5
    assert path.read_text(encoding="utf-8").count("rating:") == 1
    assert f"{AR}: rating: 4 -> 5" in capsys.readouterr().out
    for bad in ("0", "6", "four", "4.5"):
        with pytest.raises(SystemExit):
            sitegen("rate", "--content", content, "autoregressive", bad)
        assert "expected a whole number 1-5" in capsys.readouterr().err
    assert front(path)["rating"] == 5


def test_note_appends_paragraphs(content: Path) -> None:
    path = page(content, FP)
    before = path.read_text(encoding="utf-8")
    assert sitegen("note", "--content", content, "floating point", "-m", "First thought.") == 0
    assert path.read_text(encoding="utf-8") == before + "First thought.\n"
    assert sitegen("note", "--content", content, "floating point", "-m", "Second,\ntwo lines.  ", "-m", "Third.") == 0
    assert path.read_text(encoding="utf-8") == before + "First thought.\n\nSecond,\ntwo lines.\n\nThird.\n"
    assert sitegen("note", "--content", content, "floating point", "-m", "  \n ") == 2  # empty: nothing written
    assert path.read_text(encoding="utf-8").endswith("Third.\n")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", "Added.\r\n"),
        ("Notes.", "Notes.\r\n\r\nAdded.\r\n"),
        ("Notes.\r\n", "Notes.\r\n\r\nAdded.\r\n"),
        ("Notes.\r\n\r\n", "Notes.\r\n\r\nAdded.\r\n"),
    ],
)
def test_note_separates_with_one_blank_line_in_the_page_line_endings(body: str, expected: str) -> None:
    text = "---\r\ntitle: T\r\n---\r\n" + body
    assert reading.append_note(text, "Added.", "p.md").text == "---\r\ntitle: T\r\n---\r\n" + expected
    # a page whose closing line has no newline
    assert reading.append_note("---\ntitle: T\n---", "Added.", "p.md").text == "---\ntitle: T\n---\nAdded.\n"


def test_note_opens_the_editor(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "editor.py"
    script.write_text("import sys\nwith open(sys.argv[1], 'a') as f:\n    f.write('From the editor.\\n')\n")
    path = page(content, MONET)
    before = path.read_text(encoding="utf-8")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    assert sitegen("note", "--content", content, "monet") == 0
    assert path.read_text(encoding="utf-8") == before + "From the editor.\n"
    assert f"{MONET}: changed" in capsys.readouterr().out

    monkeypatch.setenv("VISUAL", "true")  # VISUAL wins over EDITOR
    assert sitegen("note", "--content", content, "monet") == 0
    assert f"{MONET}: unchanged" in capsys.readouterr().out

    monkeypatch.setenv("VISUAL", "false")
    assert sitegen("note", "--content", content, "monet") == 2
    assert "exited with status 1" in capsys.readouterr().err

    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    assert sitegen("note", "--content", content, "monet") == 2
    assert "cannot run the editor" in capsys.readouterr().err


def test_editor_that_breaks_the_front_matter_is_reported(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "breaker.py"
    script.write_text(
        "import sys\np = sys.argv[1]\nt = open(p).read()\nopen(p, 'w').write(t.replace('tags:', 'tags: [', 1))\n"
    )
    monkeypatch.setenv("VISUAL", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    assert sitegen("note", "--content", content, "monet") == 1
    assert re.search(
        rf"^warning: {re.escape(str(page(content, MONET)))}:\d+: invalid front matter", capsys.readouterr().err
    )


def test_tag_adds_and_removes_keeping_order_and_auto_tags(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = page(content, FP)
    before = path.read_text(encoding="utf-8")
    assert "tags:\n- quantization\n- scaling-laws\nadded:" in before
    assert sitegen("tag", "--content", content, "floating", "point", "+mine", "-quantization", "+fp8") == 0
    assert path.read_text(encoding="utf-8") == before.replace(
        "\ntags:\n- quantization\n- scaling-laws\n", "\ntags:\n- scaling-laws\n- mine\n- fp8\n"
    )
    assert front(path)["auto_tags"] == ["quantization", "scaling-laws"]
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{FP}: added mine; removed quantization; added fp8; tags: scaling-laws, mine, fp8",
        "note: mine is a new tag (no other paper has it)",
        "note: fp8 is a new tag (no other paper has it)",
    ]

    # adding a tag it has and removing one it lacks: messages, no write
    mtime = path.stat().st_mtime_ns
    assert sitegen("tag", "--content", content, FP, "+mine", "-quantization") == 0
    assert "already tagged mine; not tagged quantization; tags: scaling-laws, mine, fp8; nothing changed" in (
        capsys.readouterr().out
    )
    assert path.stat().st_mtime_ns == mtime

    # no changes: show the tags
    assert sitegen("tag", "--content", content, FP) == 0
    assert capsys.readouterr().out == f"{FP}: tags: scaling-laws, mine, fp8\n"

    # removing every tag leaves an empty list
    assert sitegen("tag", "--content", content, FP, "-scaling-laws", "-mine", "-fp8") == 0
    assert "tags: []\nadded:" in path.read_text(encoding="utf-8")
    assert sitegen("tag", "--content", content, FP, "+back") == 0
    assert "tags: [back]\nadded:" in path.read_text(encoding="utf-8")


def test_tag_refuses_bad_arguments(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = snapshot(content)
    assert sitegen("tag", "--content", content, "+mine") == 2
    assert "name the paper first" in capsys.readouterr().err
    assert sitegen("tag", "--content", content, "monet", "+mine", "--colour") == 2
    assert "not an option of sitegen tag" in capsys.readouterr().err
    assert sitegen("tag", "--content", content, "monet", "+mine", "oops") == 2
    assert "write +TAG to add a tag" in capsys.readouterr().err
    assert snapshot(content) == state


# --------------------------------------------------------------------------- naming papers


PAGES = {
    "scaling-laws": "Scaling Laws",
    "scaling-laws-for-neural-language-models": "Scaling Laws for Neural Language Models",
    "scaling-laws-for-transfer": "Scaling laws for transfer.",
    "monet": "Monet: Mixture of Monosemantic Experts",
    "broken-page": "",
}


def test_resolve_prefers_slug_then_title_then_words() -> None:
    assert resolve("scaling-laws", PAGES) == "scaling-laws"  # the slug, though 3 slugs contain it
    assert resolve("scaling laws", PAGES) == "scaling-laws"  # the exact title, though 3 titles contain the words
    assert resolve("  SCALING LAWS FOR TRANSFER ", PAGES) == "scaling-laws-for-transfer"  # case, trailing period
    assert resolve("transfer laws", PAGES) == "scaling-laws-for-transfer"  # words, any order
    assert resolve("MONOSEMANTIC", PAGES) == "monet"
    assert resolve("content/papers/monet.md", PAGES) == "monet"
    assert resolve("scaling-laws-for-neural-langu…", PAGES) == "scaling-laws-for-neural-language-models"
    assert resolve("broken", PAGES) == "broken-page"  # an unreadable page matches by slug


def test_resolve_reports_ambiguous_and_unknown_names() -> None:
    found = resolve("scaling for", PAGES)
    assert isinstance(found, Unresolved)
    assert [slug for slug, _ in found.matches] == [
        "scaling-laws-for-neural-language-models",
        "scaling-laws-for-transfer",
    ]
    assert "'scaling for' matches 2 papers; nothing changed" in found.message()
    many = Unresolved("x", tuple((f"p{i:02}", f"Paper {i}") for i in range(13)))
    assert many.message().splitlines()[1:] == [f"  p{i:02}  Paper {i}" for i in range(10)] + ["  ... and 3 more"]
    for query in ("quantum", "", "   ", "monet quantum"):
        found = resolve(query, PAGES)
        assert isinstance(found, Unresolved) and not found.matches
    assert "no paper matches 'quantum'" in resolve("quantum", PAGES).message()  # type: ignore[union-attr]


AMBIGUOUS_AND_UNKNOWN = [
    (command, query)
    for query in ("scaling laws", "no such paper")
    for command in (
        ["mark", "{}", "read"],
        ["rate", "{}", "3"],
        ["note", "{}", "-m", "x"],
        ["note", "{}"],
        ["tag", "{}", "+x"],
    )
]


@pytest.mark.parametrize(("command", "query"), AMBIGUOUS_AND_UNKNOWN)
def test_ambiguous_or_unknown_paper_changes_nothing(
    content: Path,
    command: list[str],
    query: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VISUAL", "false")  # never reached
    state = snapshot(content)
    argv = [command[0], "--content", str(content), *(a.format(query) for a in command[1:])]
    assert sitegen(*argv) == 2
    err = capsys.readouterr().err
    if query == "scaling laws":
        assert "'scaling laws' matches 2 papers; nothing changed" in err
        assert [line.split(maxsplit=1) for line in err.splitlines()[1:]] == [
            [AR, "Scaling Laws for Autoregressive Generative Modeling"],
            [FP, "Scaling Laws for Floating Point Quantization Training"],
        ]
    else:
        assert "no paper matches 'no such paper'" in err
    assert snapshot(content) == state


def test_bundled_ambiguous_names_list_at_most_ten(bundled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = snapshot(bundled)
    assert sitegen("mark", "--content", bundled, "scal", "read") == 2
    err = capsys.readouterr().err.splitlines()
    assert "matches" in err[0] and len(err) == 12 and err[-1].startswith("  ... and ")
    assert snapshot(bundled) == state
    assert sitegen("mark", "--content", bundled, "Scaling Laws for Floating Point Quantization Training", "read") == 0
    assert front(page(bundled, FP))["status"] == "read"


# --------------------------------------------------------------------------- byte for byte

HANDWRITTEN = (
    "\ufeff---\r\n"
    "# kept by hand\r\n"
    'title: "Scaling Laws for Floating Point Quantization Training"   # quoted on purpose\r\n'
    "tags:\r\n"
    "  - quantization   # indented, with a comment\r\n"
    "  - 'scaling-laws'\r\n"
    "added: 2025-12-15\r\n"
    "status: reading # since Monday\r\n"
    "custom:   {a: 1,   b: [x,y]}\r\n"
    "abstract: >-\r\n"
    "  Folded\r\n"
    "  text.\r\n"
    "auto_tags: [quantization, scaling-laws]\r\n"
    "\r\n"
    "---\r\n"
    "My notes,\r\n"
    "  kept *as is*.   "
)


def test_handwritten_page_keeps_every_other_byte(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    path = page(content, FP)
    path.write_bytes(HANDWRITTEN.encode("utf-8"))
    assert sitegen("mark", "--content", content, "floating", "read") == 0
    assert sitegen("rate", "--content", content, "floating", "4") == 0
    assert sitegen("tag", "--content", content, "floating", "-quantization", "+mine") == 0
    assert sitegen("note", "--content", content, "floating", "-m", "Read it twice.") == 0
    expected = (
        HANDWRITTEN.replace("status: reading # since", "status: read # since")
        .replace("  - quantization   # indented, with a comment\r\n", "")
        .replace("  - 'scaling-laws'\r\n", "  - 'scaling-laws'\r\n  - mine\r\n")
        .replace("scaling-laws]\r\n\r\n---", "scaling-laws]\r\nread_on: 2025-06-01\r\nrating: 4\r\n\r\n---")
    ) + "\r\n\r\nRead it twice.\r\n"
    assert path.read_bytes() == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("before", "changes", "after"),
    [
        ("---\n---\n", {"status": "read"}, "---\nstatus: read\n---\n"),
        ("---\ntitle: T\n---", {"rating": 2}, "---\ntitle: T\nrating: 2\n---"),
        (
            "---\ntitle: T\nstatus:   # later\n---\n",
            {"status": "to-read"},
            "---\ntitle: T\nstatus: to-read   # later\n---\n",
        ),
        ("---\ntitle: T\nrating: '3'\n---\n", {"rating": 5}, "---\ntitle: T\nrating: 5\n---\n"),
        ("---\ntags: [a, b]  # flow\n---\n", {"tags": ["a", "b", "c"]}, "---\ntags: [a, b, c]  # flow\n---\n"),
        ("---\ntags:\ntitle: T\n---\n", {"tags": ["x"]}, "---\ntags:\n- x\ntitle: T\n---\n"),
        ("---\ntitle: T\n---\n", {"tags": ["yes", "2024"]}, "---\ntitle: T\ntags:\n- 'yes'\n- '2024'\n---\n"),
        ("---\ntags:\n  - a\n  - b\n---\n", {"tags": ["b"]}, "---\ntags:\n  - b\n---\n"),
        ("---\ntags:\n  - a\n  - b\n---\n", {"tags": ["a"]}, "---\ntags:\n  - a\n---\n"),
        ("---\ntags:  # mine\n- a\n- b\nx: 1\n---\n", {"tags": []}, "---\ntags: []  # mine\nx: 1\n---\n"),
        ("---\ntitle: T\n\n\n---\n", {"status": "read"}, "---\ntitle: T\nstatus: read\n\n\n---\n"),
    ],
)
def test_set_keys_edits_only_the_key(before: str, changes: dict, after: str) -> None:
    assert frontedit.set_keys(before, changes, "p.md") == after


def test_set_keys_falls_back_to_a_round_trip_for_unusual_layouts() -> None:
    text = "---\ntitle: T\nstatus: |\n  reading\nrating: 1\n---\nbody\n"
    out = frontedit.set_keys(text, {"status": "read"}, "p.md")
    assert yaml.safe_load(out.split("---\n")[1]) == {"title": "T", "status": "read", "rating": 1}
    assert out.endswith("---\nbody\n")


def test_malformed_front_matter_is_an_error_with_file_and_line(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = page(content, MONET)
    path.write_text("---\ntitle: Monet\ntags: [unclosed\nadded: 2025-12-15\n---\n", encoding="utf-8")
    state = snapshot(content)
    for argv in (["mark", MONET, "read"], ["rate", MONET, "2"], ["note", MONET, "-m", "x"], ["tag", MONET, "+x"]):
        assert sitegen(argv[0], "--content", content, *argv[1:]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {path}:") and "nothing written" in err
    assert snapshot(content) == state
    assert sitegen("mark", "--content", content, "monet: mixture", "read") == 2  # its title cannot be read
    assert "unreadable pages match by slug only" in capsys.readouterr().err


def test_write_keeps_the_file_mode(content: Path) -> None:
    path = page(content, MONET)
    path.chmod(0o640)
    assert sitegen("rate", "--content", content, "monet", "3") == 0
    assert path.stat().st_mode & 0o777 == 0o640
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- re-import


def test_tag_edits_survive_reimport(content: Path) -> None:
    path = page(content, FP)
    assert sitegen("tag", "--content", content, FP, "+mine", "-scaling-laws") == 0
    assert sitegen("mark", "--content", content, FP, "read") == 0
    assert sitegen("note", "--content", content, FP, "-m", "Notes.") == 0
    edited = path.read_bytes()

    assert sitegen_main(["import", "-q", "--content", str(content)]) == 0
    assert path.read_bytes() == edited  # nothing the digest owns changed

    # a taxonomy change re-tags every paper, around the user's edits (pages.update_page)
    taxonomy = content / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY + "  training:\n    title: ['training']\n", encoding="utf-8")
    assert sitegen_main(["import", "-q", "--content", str(content)]) == 0
    meta = front(path)
    assert meta["tags"] == ["quantization", "mine", "training"]
    assert meta["auto_tags"] == ["quantization", "scaling-laws", "training"]
    assert (meta["status"], meta["read_on"]) == ("read", dt.date(2025, 6, 1))
    assert path.read_text(encoding="utf-8").endswith("---\nNotes.\n")


# --------------------------------------------------------------------------- list


def test_list_filters_and_sorts(bundled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sitegen("mark", "--content", bundled, FP, "read") == 0
    assert sitegen("rate", "--content", bundled, FP, "3") == 0
    assert sitegen("mark", "--content", bundled, MONET, "read") == 0
    assert sitegen("rate", "--content", bundled, MONET, "5") == 0
    assert sitegen("mark", "--content", bundled, AR, "reading") == 0
    capsys.readouterr()
    total = len(list((bundled / "papers").glob("*.md")))

    assert sitegen("list", "--content", bundled, "--status", "read", "--sort", "rating") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["SLUG", "STATUS", "RATING", "DATE", "TITLE"]
    assert [line.split()[1:3] for line in lines[1:3]] == [["read", "5/5"], ["read", "3/5"]]
    assert lines[1].startswith("monet-mixture-of-monosemantic-")
    assert lines[-1] == f"2 of {total} papers"

    assert sitegen("list", "--content", bundled, "--status", "none", "-q") == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == total - 3 and all(display_width(r) <= 100 for r in rows)
    assert all(r.split()[1:3] == ["-", "-"] for r in rows)

    assert sitegen("list", "--content", bundled, "--tag", "quantization", "--tag", "scaling-laws", "-q") == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows and any(r.startswith("scaling-laws-for-floating-point-quan") for r in rows)
    for row in rows:
        slug = row.split()[0].rstrip("…")
        (match,) = [p for p in (bundled / "papers").glob("*.md") if p.stem.startswith(slug)]
        assert {"quantization", "scaling-laws"} <= set(front(match)["tags"])

    assert sitegen("list", "--content", bundled, "--sort", "title", "-q") == 0
    titles = [front(p)["title"] for p in (bundled / "papers").glob("*.md")]
    first = capsys.readouterr().out.splitlines()[0]
    assert min(titles, key=str.casefold).startswith(first.split("  ")[-1].strip().rstrip("…"))

    assert sitegen("list", "--content", bundled, "--tag", "no-such-tag") == 0
    assert capsys.readouterr().out == f"0 of {total} papers (no paper is tagged no-such-tag)\n"


def test_list_slug_cut_short_still_names_the_paper(bundled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sitegen("list", "--content", bundled, "--sort", "title", "-q") == 0
    cut = next(r.split()[0] for r in capsys.readouterr().out.splitlines() if r.split()[0].endswith("…"))
    assert sitegen("mark", "--content", bundled, cut, "to-read") == 0


def test_list_dates_sort_and_bad_pages(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (content / "papers" / "zz-wide.md").write_text(
        "---\ntitle: 漢字の論文 " + "とても長い題名 " * 12 + "\ndate: 2030-01-01\n---\n", encoding="utf-8"
    )
    (content / "papers" / "bad.md").write_text("---\ntitle: Bad\nrating: 9\n---\n", encoding="utf-8")
    assert sitegen("list", "--content", content) == 1  # a page was skipped
    out, err = capsys.readouterr()
    assert f"warning: skipped {content / 'papers' / 'bad.md'}:3: rating: expected a whole number 1-5" in err
    rows = out.splitlines()
    assert rows[1].startswith("zz-wide") and rows[1].endswith("…")  # newest first
    assert all(display_width(r) <= 100 for r in rows)
    assert display_width(rows[1]) >= 99  # double-width characters counted as two columns
    assert rows[-1] == "4 of 4 papers"

    assert sitegen("list", "--content", content / "nowhere") == 2
    assert "run 'sitegen import' first" in capsys.readouterr().err


# --------------------------------------------------------------------------- as installed


def test_commands_run_as_sitegen_once_wired(content: Path) -> None:
    """Through `python -m sitegen`, once cli.py registers the reading commands."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    help_ = subprocess.run(
        [sys.executable, "-m", "sitegen", "mark", "--help"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if help_.returncode != 0:
        pytest.skip("reading commands not wired into cli.py yet")
    run = subprocess.run(
        [sys.executable, "-m", "sitegen", "mark", "--content", str(content), "monet", "read", "--on", "2025-01-02"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert front(page(content, MONET))["read_on"] == dt.date(2025, 1, 2)
    run = subprocess.run(
        [sys.executable, "-m", "sitegen", "mark", "--content", str(content), "scaling", "read"], env=env
    )
    assert run.returncode == 2
