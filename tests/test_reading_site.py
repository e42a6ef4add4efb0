"""The reading workflow on the site: read shelf, badges, digest feeds, BibTeX, private marks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from sitegen.site.bibtex import cite_keys, entry, escape
from tests.browser import page_problems
from tests.test_golden import EXPECTED
from tests.test_site_browser import site_url


def test_read_shelf_queue_and_badges() -> None:
    shelf = (EXPECTED / "read/index.html").read_text()
    assert "Fixing Routing Collapse in Mixture-of-Experts" in shelf
    assert "rated 5 of 5" in shelf and "RotQ" not in shelf  # only status: read
    home = (EXPECTED / "index.html").read_text()
    assert (
        'class="status status-reading">Reading<' in home
        or "status-reading" in (EXPECTED / "page/2/index.html").read_text()
    )
    assert 'class="badge-new">New<' in home


def test_feed_per_digest_and_bibtex() -> None:
    feed = ET.parse(EXPECTED / "digests/2025-06-01-sample-digest/feed.xml").getroot()
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 4
    bib = (EXPECTED / "papers.bib").read_text()
    assert bib.count("@misc{") == 4
    assert "author =" not in bib and "Unknown" not in bib  # no made-up author (issue 19)
    assert "Authors not recorded in the digest (1 author," in bib
    paper = (EXPECTED / "papers/rotq-rotated-4-bit-quantization-for-llms/index.html").read_text()
    assert "@misc{rotqrotated42025," in paper


def test_bibtex_escapes_and_unique_keys() -> None:
    assert (
        escape("50% & $x_1$ {a} \\ ~^")
        == r"50\% \& \$x\_1\$ \{a\} \textbackslash{} \textasciitilde{}\textasciicircum{}"
    )
    keys = cite_keys([("scaling-laws-for-a", "2024"), ("scaling-laws-for-b", "2024"), ("scaling-laws-for-c", "2024")])
    assert list(keys.values()) == ["scalinglawsfor2024", "scalinglawsfor2024a", "scalinglawsfor2024b"]
    text = entry("k2024", "Title with } brace", None, "https://e.org/?q={x}", None)
    assert "year" not in text and "\\}" in text and "%7Bx%7D" in text
    assert text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}")  # balanced


@pytest.mark.parametrize("mode", ["file", "http"])
def test_private_marks_survive_reload(bundled_site: Path, page: Any, mode: str, tmp_path: Path) -> None:
    with site_url(bundled_site, mode) as base:
        page.goto(base + "index.html")
        card = page.locator(".card[data-slug]").first
        slug = card.get_attribute("data-slug")
        page.goto(base + f"papers/{slug}/index.html")
        read = page.locator(".private-marks button[data-mark=read]")
        assert read.get_attribute("aria-pressed") == "false"
        read.click()
        page.locator(".private-marks button[data-mark=star]").click()
        page.reload()
        assert page.locator(".private-marks button[data-mark=read]").get_attribute("aria-pressed") == "true"
        assert page.locator(".private-marks button[data-mark=star]").get_attribute("aria-pressed") == "true"
        page.goto(base + "index.html")
        assert page.locator(f".card[data-slug='{slug}'] .private-badge").inner_text() == "✓ read · ★ starred"
        # export, then import into a clean browser profile's storage
        page.goto(base + "read/index.html")
        assert page.locator("#browser-marks-count").inner_text() == "1 read, 1 starred."
        with page.expect_download() as download:
            page.locator("#marks-export").click()
        exported = json.loads(Path(download.value.path()).read_text())
        assert exported["marks"][slug]["read"] is True
        page.evaluate("localStorage.clear()")
        page.reload()
        assert page.locator("#browser-marks-count").inner_text() == "0 read, 0 starred."
        upload = tmp_path / "marks.json"
        upload.write_text(json.dumps(exported))
        page.locator("#marks-import").set_input_files(str(upload))
        page.wait_for_function("document.getElementById('browser-marks-count').textContent.startsWith('1 read')")
    assert page_problems(page) == []


def test_marks_script_makes_no_requests() -> None:
    script = (Path(__file__).resolve().parent.parent / "templates/static/marks.js").read_text()
    assert not re.search(r"\bfetch\(|XMLHttpRequest|sendBeacon|new WebSocket|EventSource", script)
