"""Every save survives sitegen's writers, however they interleave (issue 21).

Two kinds of test:

- property tests (Hypothesis): an import or a reading command runs in this process
  while a simulated editor saves pages at points Hypothesis chooses among every
  place sitegen reads, computes or replaces a page (before the change is computed,
  before the compare, between the compare and the exchange, after the exchange);
- process races: a real `sitegen import` of 1,000 papers and real parallel `sitegen
  note` commands against an editor process saving pages in a loop.

Each asserts that every save's text is in the page at the end, and that sitegen's own
change landed too (an appended line never stops the change from applying).
The number of interleavings run is each test's `max_examples` times its parameters
(printed with `pytest -s`).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.cli import main as sitegen_main
from sitegen.config import load_config
from sitegen.ingest import importer
from sitegen.pagefile import pagewrite
from tests.bench.gen import generate
from tests.sites import copy_content
from tests.test_lost_words import make_list
from tests.test_reading_cli import TAXONOMY

SLUGS = [
    "scaling-laws-for-floating-point-quantization-training",
    "scaling-laws-for-autoregressive-generative-modeling",
    "monet-mixture-of-monosemantic-experts-for-transformers",
]
INTERLEAVINGS = 120
"""Hypothesis examples per property test: each is one interleaving of saves and steps."""


def editor_save(page: Path, line: str) -> None:
    """Save as most editors do: the whole text, written beside the page and renamed over it."""
    text = page.read_text(encoding="utf-8")
    temporary = page.with_name(f".{page.name}.editor-save")
    temporary.write_text(f"{text}\n{line}\n", encoding="utf-8")
    os.replace(temporary, page)


def front(page: Path) -> dict:
    return yaml.safe_load(page.read_text(encoding="utf-8").split("---\n")[1])


class Editor:
    """Saves a page at chosen steps of sitegen's work: `saves` maps a step number to
    the page (index into SLUGS) saved there. Steps are counted at every hook."""

    def __init__(self, folder: Path, saves: dict[int, int]) -> None:
        self.folder, self.saves, self.step, self.lines = folder, saves, 0, []

    def tick(self) -> None:
        slug_index = self.saves.get(self.step)
        self.step += 1
        if slug_index is not None:
            line = f"editor save {len(self.lines)} at step {self.step - 1}"
            self.lines.append((SLUGS[slug_index], line))
            editor_save(self.folder / f"{SLUGS[slug_index]}.md", line)

    def hooked(self, function: Callable, after: bool = False) -> Callable:
        def wrapper(*args, **kwargs):
            self.tick()
            result = function(*args, **kwargs)
            if after:
                self.tick()
            return result

        return wrapper

    def missing(self) -> list[tuple[str, str]]:
        return [
            (s, line) for s, line in self.lines if line not in (self.folder / f"{s}.md").read_text(encoding="utf-8")
        ]


@pytest.fixture(scope="module")
def reading_list(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_list(tmp_path_factory.mktemp("list"))


def install_hooks(monkeypatch: pytest.MonkeyPatch, editor: Editor) -> None:
    monkeypatch.setattr(importer, "update_page", editor.hooked(importer.update_page))
    monkeypatch.setattr(pagewrite, "read_bytes", editor.hooked(pagewrite.read_bytes))
    monkeypatch.setattr(pagewrite, "exchange", editor.hooked(pagewrite.exchange, after=True))


saves_strategy = st.dictionaries(st.integers(0, 14), st.integers(0, len(SLUGS) - 1), max_size=6)


@settings(max_examples=INTERLEAVINGS, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(saves=saves_strategy)
def test_import_interleaved_with_editor_saves(reading_list: Path, saves: dict[int, int]) -> None:
    with tempfile.TemporaryDirectory() as scratch, pytest.MonkeyPatch.context() as monkeypatch:
        content = copy_content(reading_list, Path(scratch))
        # Every page's tags change: the import rewrites all three pages.
        (content / "taxonomy.yaml").write_text(TAXONOMY.replace("'quantiz'", "'no such word'"), encoding="utf-8")
        editor = Editor(content / "papers", saves)
        install_hooks(monkeypatch, editor)
        report = importer.run_import(content, load_config(content))
        assert editor.missing() == []
        assert report.skipped == 0
        assert front(content / "papers" / f"{SLUGS[0]}.md")["tags"] == ["scaling-laws"]


@settings(max_examples=INTERLEAVINGS, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(saves=saves_strategy, command=st.sampled_from(["note", "tag", "status"]))
def test_reading_command_interleaved_with_editor_saves(reading_list: Path, saves: dict[int, int], command: str) -> None:
    with tempfile.TemporaryDirectory() as scratch, pytest.MonkeyPatch.context() as monkeypatch:
        content = copy_content(reading_list, Path(scratch))
        editor = Editor(content / "papers", saves)
        install_hooks(monkeypatch, editor)
        words = {
            "note": ["note", "floating point", "-m", "the command's note"],
            "tag": ["tag", "floating point", "+from-the-command"],
            "status": ["mark", "floating point", "reading"],
        }[command]
        assert sitegen_main([words[0], "-q", "--content", str(content), *words[1:]]) == 0
        assert editor.missing() == []
        page = content / "papers" / f"{SLUGS[0]}.md"
        if command == "note":
            assert "the command's note" in page.read_text(encoding="utf-8")
        elif command == "tag":
            assert "from-the-command" in front(page)["tags"]
        else:
            assert front(page)["status"] == "reading"


# --------------------------------------------------------------------------- real processes


EDITOR_PROCESS = """
import os, random, sys, time
from pathlib import Path
folder, seed, stop = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
rng = random.Random(seed)
pages = sorted(p for p in folder.glob("*.md"))
n = 0
while not stop.exists():
    page = rng.choice(pages)
    text = page.read_text(encoding="utf-8")
    temporary = page.with_name(f".{page.name}.editor-save")
    temporary.write_text(f"{text}\\neditor line {n}\\n", encoding="utf-8")
    os.replace(temporary, page)
    print(page.name, n, flush=True)
    n += 1
    time.sleep(rng.uniform(0, 0.02))
"""


@pytest.fixture(scope="module")
def big_list(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("big")
    generate(1000, base)
    content = base / "content"
    run = subprocess.run(
        [sys.executable, "-m", "sitegen", "import", "-q", "--content", str(content)], capture_output=True
    )
    assert run.returncode in (0, 1), run.stderr
    return content


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_real_import_and_commands_race_an_editor(big_list: Path, tmp_path: Path, seed: int) -> None:
    """A real import rewriting 1,000 pages and ten `sitegen note` commands, against an
    editor process saving random pages as fast as it can: every line is kept."""
    content = copy_content(big_list, tmp_path)
    # A taxonomy that tags every paper anew: the import rewrites every page.
    (content / "taxonomy.yaml").write_text("max_tags: 5\nfallback: other\ntags:\n  everything:\n    title: ['.']\n")
    stop = tmp_path / "stop"
    editor = subprocess.Popen(
        [sys.executable, "-c", EDITOR_PROCESS, str(content / "papers"), str(seed), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    rng = random.Random(seed)
    pages = sorted(p.stem for p in (content / "papers").glob("*.md"))
    noted = [rng.choice(pages) for _ in range(10)]
    sitegen = [sys.executable, "-m", "sitegen"]
    runs = [subprocess.Popen([*sitegen, "import", "-q", "--content", str(content)], stderr=subprocess.PIPE)]
    time.sleep(rng.uniform(0, 0.5))
    runs += [
        subprocess.Popen(
            [*sitegen, "note", "-q", "--content", str(content), slug, "-m", f"command note {i}"], stderr=subprocess.PIPE
        )
        for i, slug in enumerate(noted)
    ]
    codes = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    stop.touch()
    out, _ = editor.communicate(timeout=60)
    assert [code for code, _ in codes if code != 0] == [], codes
    saves = [line.split() for line in out.splitlines()]
    assert len(saves) > 20, "the editor hardly saved: the race was not run"
    lost = [
        (name, n)
        for name, n in saves
        if f"editor line {n}\n" not in (content / "papers" / name).read_text(encoding="utf-8")
    ]
    lost += [
        (slug, i)
        for i, slug in enumerate(noted)
        if f"command note {i}" not in (content / "papers" / f"{slug}.md").read_text(encoding="utf-8")
    ]
    assert lost == []
    print(f"seed {seed}: {len(saves)} editor saves, 10 notes, 1 import; none lost")


def test_threads_of_commands_on_one_page(reading_list: Path, tmp_path: Path) -> None:
    """Sixteen threads, each running reading commands in-process on the same page."""
    content = copy_content(reading_list, tmp_path)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            assert (
                sitegen_main(["note", "-q", "--content", str(content), "floating point", "-m", f"thread note {i}"]) == 0
            )
            assert sitegen_main(["tag", "-q", "--content", str(content), "floating point", f"+thread-{i}"]) == 0
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    page = content / "papers" / f"{SLUGS[0]}.md"
    assert [i for i in range(16) if f"thread note {i}" not in page.read_text(encoding="utf-8")] == []
    assert [i for i in range(16) if f"thread-{i}" not in front(page)["tags"]] == []


# --------------------------------------------------------------------------- the merge of two saves

line_lists = st.lists(st.sampled_from([b"a\n", b"b\n", b"c\n", b"note\n", b"---\n"]), max_size=8)


@given(base=line_lists, ours=line_lists, theirs=line_lists)
def test_merge3_keeps_both_sides_appended_lines(base: list[bytes], ours: list[bytes], theirs: list[bytes]) -> None:
    joined = b"".join(base)
    merged = pagewrite.merge3(joined, joined + b"".join(ours) + b"ours\n", joined + b"".join(theirs) + b"theirs\n")
    assert merged is not None
    assert merged.startswith(joined) and b"ours\n" in merged and b"theirs\n" in merged


@given(base=line_lists, edit=line_lists)
def test_merge3_of_one_sided_change_is_that_change(base: list[bytes], edit: list[bytes]) -> None:
    joined, changed = b"".join(base), b"".join(edit)
    assert pagewrite.merge3(joined, changed, joined) == changed
    assert pagewrite.merge3(joined, joined, changed) == changed


def test_merge3_refuses_two_different_changes_of_one_line() -> None:
    assert pagewrite.merge3(b"a\nb\nc\n", b"a\nB\nc\n", b"a\nX\nc\n") is None


def test_an_unmergeable_race_keeps_the_other_save_beside_the_page(tmp_path: Path, monkeypatch) -> None:
    """Two saves changing the same line, one in the microseconds before sitegen's exchange and
    one just after it: the page keeps the later one, the earlier one goes beside it."""
    page = tmp_path / "p.md"
    page.write_bytes(b"title: x\nline\n")
    real_exchange = pagewrite.exchange
    calls = []

    def exchange_between_saves(a: Path, b: Path) -> bool:
        if not calls:
            page.write_bytes(b"title: x\nfirst save\n")
        done = real_exchange(a, b)
        if not calls:
            page.write_bytes(b"title: x\nsecond save\n")
        calls.append(done)
        return done

    monkeypatch.setattr(pagewrite, "exchange", exchange_between_saves)
    with pytest.raises(pagewrite.PageConflict) as raised:
        pagewrite.replace_page(
            page, b"title: x\nline\n", b"title: y\nline\n", lambda t: t.replace(b"title: x", b"title: y")
        )
    if not calls[0]:
        pytest.fail("renameat2(RENAME_EXCHANGE) is not available on this file system")
    texts = {page.read_bytes(), raised.value.kept.read_bytes()}
    assert any(b"first save" in t for t in texts) and any(b"second save" in t for t in texts)
