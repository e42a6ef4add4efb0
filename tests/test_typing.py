"""mypy, configured in pyproject.toml ([tool.mypy]), finds no error in sitegen/: run with the
test suite so the README's test command (and .ci/run) covers it. A type error here is a
real one (an annotation that lies, a None not handled), not a style point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_is_clean_on_sitegen() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--config-file", "pyproject.toml", "sitegen"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout
