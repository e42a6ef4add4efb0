"""The benchmark's record of where it ran: figures on this machine's disk and on tmpfs
differ by seconds, so the table says which it was."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import readme_table  # noqa: E402
import run  # noqa: E402


def test_filesystem_is_that_of_the_innermost_mount_holding_the_path(tmp_path: Path) -> None:
    assert run.filesystem(Path("/proc/self/status")) == "proc"  # inside /proc, not the root's
    assert run.filesystem(Path("/")) not in ("proc", "unknown")
    assert run.filesystem(tmp_path / "not-yet") == run.filesystem(tmp_path)


def test_the_table_says_where_each_run_kept_its_files() -> None:
    machine = {"date": "2026-11-29T20:00:00", "cpus": 2, "cpu": "EPYC", "memory_gb": 23.5, "python": "3.11.7"}
    tmpfs = {"machine": {**machine, "work_filesystem": "tmpfs"}, "repeat": 3}
    disk = {"machine": {**machine, "work_filesystem": "ext4"}, "repeat": 1}
    assert "content and output on tmpfs;" in readme_table.measured_line([tmpfs, tmpfs])
    assert "on tmpfs (run 1) and ext4 (run 2);" in readme_table.measured_line([tmpfs, disk])
    assert "on disk (not recorded);" in readme_table.measured_line([{"machine": machine, "repeat": 3}])
