"""Golden output: a small fixture content folder built into a temp dir, compared file by
file with tests/golden/expected/.

After an intended change to the output, refresh the expected files with

    SITEGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and review the diff (`git diff tests/golden`) before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from sitegen.build.pipeline import Project, build
from tests.sites import FIXTURES

EXPECTED = Path(__file__).resolve().parent / "golden" / "expected"


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


MODES = {"devices": {}, "reference": {"SITEGEN_REFERENCE": "1"}}
"""Every speed device on (as sitegen runs), and the reference build with none
(sitegen/core/devices.py): both give the expected files, byte for byte."""


@pytest.mark.parametrize("mode", sorted(MODES))
def test_golden_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.delenv("SITEGEN_BASE_URL", raising=False)
    monkeypatch.delenv("SITEGEN_DEVICES_OFF", raising=False)
    monkeypatch.delenv("SITEGEN_REFERENCE", raising=False)
    for name, value in MODES[mode].items():
        monkeypatch.setenv(name, value)
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "golden" / "content", content)
    project = Project(content=content, templates=tmp_path / "no-templates", output=tmp_path / "site")
    report = build(project, search=False)
    assert report.imported is not None and report.imported.new == 0 and report.imported.updated == 0
    actual = files_of(project.output)
    if os.environ.get("SITEGEN_UPDATE_GOLDEN") and mode == "devices":
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for name, data in actual.items():
            (EXPECTED / name).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / name).write_bytes(data)
    expected = files_of(EXPECTED)
    assert sorted(actual) == sorted(expected), "files added or missing; refresh with SITEGEN_UPDATE_GOLDEN=1"
    for name in expected:
        if actual[name] != expected[name]:
            diff = difflib.unified_diff(
                expected[name].decode(errors="replace").splitlines(),
                actual[name].decode(errors="replace").splitlines(),
                f"expected/{name}",
                f"actual/{name}",
                lineterm="",
                n=2,
            )
            raise AssertionError("\n".join(list(diff)[:60]))


def test_golden_pages_show_user_edits_safely() -> None:
    paper = (EXPECTED / "papers/rotq-rotated-4-bit-quantization-for-llms/index.html").read_text()
    assert "<strong>QuaRot</strong>" in paper  # notes are Markdown
    assert "&lt;b&gt;raw HTML stays text&lt;/b&gt;" in paper  # raw HTML disabled
    assert "rated 4 of 5" in paper and "Reading" in paper
    scaling = (EXPECTED / "papers/scaling-laws-for-tiny-language-models/index.html").read_text()
    assert "&lt;projektor&gt;" in scaling and "*two-stage*" in scaling and "16%" in scaling
    assert 'href="javascript:' not in scaling  # unsafe Markdown link is not a link
    assert (
        '<link rel="canonical" href="https://example.github.io/golden/papers/scaling-laws-for-tiny-language-models/">'
        in scaling
    )
    queue = (EXPECTED / "queue/index.html").read_text()
    assert queue.index("RotQ") < queue.index("Scaling Laws for Tiny")  # reading before to-read
    assert (EXPECTED / "page/2/index.html").is_file() and not (EXPECTED / "page/3").exists()
