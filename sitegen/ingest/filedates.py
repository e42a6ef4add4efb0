"""Dates a digest's file name states: `2025-06-14-hf.txt` (a day) or `2025-06-hf.txt` (a
month). Pure functions of the name; digest.py takes the capture date from them when the
listing itself does not say.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_FILENAME_MONTH = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!\d)(?!-\d)")


def filename_date(source: str) -> date | None:
    match = _FILENAME_DATE.search(source)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def filename_month_end(source: str) -> date | None:
    """The last day of a `YYYY-MM` month in the file name (`2025-06-hf-daily.txt`): the
    latest the listing can have been captured."""
    match = _FILENAME_MONTH.search(source)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    year, month = int(match[1]), int(match[2])
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def filename_year(source: str) -> int | None:
    """The year of a `YYYY-MM-DD` or `YYYY-MM` in the file name."""
    named = filename_date(source) or filename_month_end(source)
    return named.year if named else None
