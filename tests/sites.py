"""Fixtures that build real sites into temporary folders.

`bundled_site` builds the project's own content (the three bundled digests) once per
test session, with search, into a temporary folder: tests never touch ./site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sitegen.build.pipeline import Project, build

ROOT = Path(__file__).resolve().parent.parent


def run_sitegen(
    *args: str | Path, cwd: Path | None = None, pythonpath: str | Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m sitegen ARGS` in a process of its own, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(pythonpath)},
    )


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_content(source: Path, dest: Path) -> Path:
    """Copy a content folder (digests, papers, taxonomy, config) to dest/content."""
    target = dest / "content"
    shutil.copytree(source, target)
    return target


def build_project(root: Path, content: Path, *, search: bool = False, templates: Path | None = None) -> Path:
    project = Project(content=content, templates=templates or root / "no-templates", output=root / "site")
    build(project, search=search)
    return project.output


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bundled reading list, imported and built with search, in a temp folder."""
    root = tmp_path_factory.mktemp("bundled")
    content = copy_content(ROOT / "content", root)
    yield build_project(root, content, search=True)
