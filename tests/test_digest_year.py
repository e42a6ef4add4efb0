"""Where a digest's year comes from (issue 18, part C): a `# captured YYYY-MM-DD` first
line, a `YYYY-MM-DD` or `YYYY-MM` in the file name, `year:` in config.yaml, and last the
file's modification time, which is said out loud."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from sitegen.ingest.digest import parse_digest

ROOT = Path(__file__).resolve().parent.parent
LISTING = "Daily Papers\n\nA Title\n\nIts abstract.\n\n  \u2022 2 authors\n\u00b7\nJul 3\n"


def test_captured_first_line_states_the_year_and_is_not_a_title():
    digest = parse_digest("# captured 2025-06-14\n" + LISTING, "hf-daily.txt", mtime_year=2031)
    (entry,) = digest.entries
    assert (entry.title, entry.date) == ("A Title", "2024-07-03")  # Jul 3 is after the capture date
    assert digest.capture_date == "2025-06-14"
    assert digest.problems == ()


def test_impossible_captured_date_is_a_warning_on_its_line():
    digest = parse_digest("# Captured 2025-02-30\n" + LISTING, "hf-daily.txt", year=2024)
    assert [str(p) for p in digest.problems] == ["hf-daily.txt:1: ignored '# Captured 2025-02-30': not a real date"]
    assert [e.date for e in digest.entries] == ["2024-07-03"]


def test_year_and_month_in_the_file_name():
    digest = parse_digest(LISTING, "2025-06-hf-daily.txt", mtime_year=2031)
    assert [e.date for e in digest.entries] == ["2024-07-03"]  # captured by the end of June 2025
    assert digest.problems == ()
    later = parse_digest(LISTING, "2025-08-hf-daily.txt", mtime_year=2031)
    assert [e.date for e in later.entries] == ["2025-07-03"]


def test_modification_year_is_used_with_a_warning_naming_digest_and_year():
    digest = parse_digest(LISTING, "hf-daily.txt", mtime_year=2031)
    assert [e.date for e in digest.entries] == ["2031-07-03"]
    (problem,) = digest.problems
    assert str(problem).startswith("hf-daily.txt: no year stated: year-less dates such as 'Jul 3' take 2031,")
    assert "# captured YYYY-MM-DD" in problem.message


def test_no_warning_when_every_date_has_its_year_or_the_config_gives_one():
    with_years = LISTING.replace("Jul 3", "Jul 3, 2024")
    assert parse_digest(with_years, "hf-daily.txt", mtime_year=2031).problems == ()
    assert parse_digest(LISTING, "hf-daily.txt", year=2024, mtime_year=2031).problems == ()


def test_cli_import_warns_about_the_modification_year(tmp_path: Path):
    digest = tmp_path / "content" / "digests" / "hf-daily.txt"
    digest.parent.mkdir(parents=True)
    digest.write_text(LISTING, encoding="utf-8")
    stamp = datetime(2023, 9, 1, 12, tzinfo=timezone.utc).timestamp()
    os.utime(digest, (stamp, stamp))
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "import", "-v", "--content", str(tmp_path / "content")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "warning: hf-daily.txt: no year stated: year-less dates such as 'Jul 3' take 2023" in result.stderr
    page = next((tmp_path / "content" / "papers").glob("*.md")).read_text(encoding="utf-8")
    assert "2023-07-03" in page
