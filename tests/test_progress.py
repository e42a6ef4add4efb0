"""Progress of long steps on an interactive terminal, and none elsewhere (sitegen/core/progress.py).

The commands run as real processes with stderr on a pseudo-terminal (the `pty` module), as a
user's shell gives them, or on a pipe, as a script or CI log does.
"""

from __future__ import annotations

import io
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

from sitegen.core.progress import Progress, progress_line
from tests.sites import ROOT, copy_content, run_sitegen

PAPERS = 219
"""Papers in the bundled digests."""


def run_on_terminal(*args: str | Path, cwd: Path) -> tuple[int, str, str]:
    """`python -m sitegen ARGS` with stderr on a pseudo-terminal: (exit status, stdout, terminal text)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait(timeout=300)
    return proc.returncode, stdout, seen.decode()


def fresh_content(tmp_path: Path) -> Path:
    content = copy_content(ROOT / "content", tmp_path)
    shutil.rmtree(content / "papers", ignore_errors=True)
    return content


def test_import_shows_progress_with_totals_on_a_terminal(tmp_path: Path) -> None:
    content = fresh_content(tmp_path)
    status, stdout, terminal = run_on_terminal("import", "--content", content, cwd=tmp_path)
    assert status == 0
    assert "\rimport: 3/3 digests" in terminal
    assert f"\rimport: {PAPERS}/{PAPERS} papers" in terminal
    assert f"\rimport: {PAPERS}/{PAPERS} pages written" in terminal
    assert terminal.endswith("\r\033[K")  # the line is cleared before the command's own output
    assert stdout.startswith("3 digests read")  # the summary is untouched, on stdout
    assert len(list((content / "papers").glob("*.md"))) == PAPERS


def test_import_shows_no_progress_when_piped_or_quiet(tmp_path: Path) -> None:
    content = fresh_content(tmp_path)
    piped = run_sitegen("import", "--content", content, cwd=tmp_path)
    assert piped.returncode == 0
    assert not re.search(r"import: \d", piped.stderr), piped.stderr
    shutil.rmtree(content / "papers")
    status, stdout, terminal = run_on_terminal("import", "-q", "--content", content, cwd=tmp_path)
    assert status == 0 and stdout == "" and terminal == ""
    assert len(list((content / "papers").glob("*.md"))) == PAPERS


def test_build_shows_render_progress_with_totals_on_a_terminal(tmp_path: Path) -> None:
    content = fresh_content(tmp_path)
    args = ("build", "--no-search", "--content", content, "--output", tmp_path / "site", "-j", "1")
    status, stdout, terminal = run_on_terminal(*args, cwd=tmp_path)
    assert status == 0
    files = int(re.search(r"into (\d+) files", stdout)[1])  # type: ignore[index]
    counts = re.findall(r"\rrender: ([\d,]+)/([\d,]+) files", terminal)
    assert counts, terminal
    assert {total for _, total in counts} == {f"{files:,}"}
    assert all(int(done.replace(",", "")) <= files for done, _ in counts)
    shutil.rmtree(tmp_path / "site")
    for cache in tmp_path.glob(".sitegen-cache*"):
        shutil.rmtree(cache)
    piped = run_sitegen(*args, cwd=tmp_path)
    assert piped.returncode == 0
    assert not re.search(r"render: \d", piped.stderr), piped.stderr


def test_import_timings_name_its_stages(tmp_path: Path) -> None:
    content = fresh_content(tmp_path)
    done = run_sitegen("import", "--timings", "--content", content, cwd=tmp_path)
    assert done.returncode == 0
    stages = re.findall(r"^ +\d+\.\d\d s  (.+)$", done.stderr, re.MULTILINE)
    assert stages == [
        "digests read",
        "taxonomy loaded",
        "papers merged and tagged",
        "pages read",
        "pages made",
        "pages written",
    ]
    assert done.stdout.startswith("3 digests read")


def test_build_timings_include_the_imports_stages(tmp_path: Path) -> None:
    content = fresh_content(tmp_path)
    args = ("build", "--no-search", "--timings", "--content", content, "--output", tmp_path / "site")
    done = run_sitegen(*args, cwd=tmp_path)
    assert done.returncode == 0
    assert "rendered and written" in done.stderr
    after = done.stderr.split("of which the import:\n", 1)[1]
    assert re.search(r"^ +\d+\.\d\d s  papers merged and tagged$", after, re.MULTILINE)


def test_progress_line_counts_with_separators() -> None:
    assert progress_line("import", 4000, 10000, "paper") == "import: 4,000/10,000 papers"
    assert progress_line("render", 1, 1, "file") == "render: 1/1 file"
    assert progress_line("import", 3, 9, "page written", "pages written") == "import: 3/9 pages written"


def test_counter_rewrites_at_most_every_interval_and_always_shows_the_end() -> None:
    stream = io.StringIO()
    now = [100.0]
    progress = Progress(stream, interval=0.5, clock=lambda: now[0])
    tell = progress.counter("search shard 1/2", "page")
    tell(1, 10)  # the first is shown
    tell(2, 10)  # too soon
    now[0] += 0.6
    tell(3, 10)
    tell(10, 10)  # the end, however soon
    progress.clear()
    assert stream.getvalue() == (
        "\rsearch shard 1/2: 1/10 pages\033[K\rsearch shard 1/2: 3/10 pages\033[K"
        "\rsearch shard 1/2: 10/10 pages\033[K\r\033[K"
    )


def test_silent_progress_writes_nothing() -> None:
    progress = Progress(None)
    progress.counter("import", "paper")(5, 10)
    progress.clear()
    assert not progress.enabled
