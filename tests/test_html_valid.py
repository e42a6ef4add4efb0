"""Every page type of the built site passes the W3C Nu HTML checker with zero errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.validate import ValidatorUnavailable, validate_html

PAGE_TYPES = [
    "index.html",
    "page/2/index.html",
    "papers/unraveling-the-mystery-of-scaling-laws-part-i/index.html",
    "papers/a-bayesian-approach-to-analysing-training-data-attribution-in-deep-learning/index.html",
    "tags/index.html",
    "tags/quantization/index.html",
    "years/index.html",
    "years/2024/index.html",
    "digests/index.html",
    "digests/2025-12-15-hf-daily-papers/index.html",
    "queue/index.html",
    "stats/index.html",
    "about/index.html",
    "search/index.html",
    "404.html",
]


def test_every_page_type_is_valid_html(bundled_site: Path) -> None:
    files = [bundled_site / name for name in PAGE_TYPES]
    try:
        errors = validate_html(files)
    except ValidatorUnavailable as err:
        if os.environ.get("CI"):
            pytest.fail(f"HTML checker unavailable in CI: {err}")
        pytest.skip(str(err))
    assert errors == [], "\n".join(map(str, errors))


def test_checker_catches_invalid_html(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html lang=en><head><title>x</title></head><body><p><div></p></body></html>")
    try:
        errors = validate_html([bad])
    except ValidatorUnavailable as err:
        if os.environ.get("CI"):
            pytest.fail(f"HTML checker unavailable in CI: {err}")
        pytest.skip(str(err))
    assert errors, "the checker accepted invalid HTML"
