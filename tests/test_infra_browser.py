"""Tests proving the test infrastructure itself works: Chromium via
Playwright, the sub-path static server, and the Nu HTML checker wrapper."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser import page_problems, serve_directory, unavailable
from tests.validate import HtmlError, ValidatorUnavailable, validate_html

# The `browser` and `page` fixtures come from tests/browser.py, registered by
# tests/conftest.py (pytest_plugins = ["tests.browser", ...]).

VALID_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Infra OK</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<main><h1 id="h">Hello</h1><p><a href="sub/">sub</a></p></main>
</body>
</html>
"""

INVALID_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"></head>
<body>
<div><span>unclosed</div>
<bogus>x</bogus>
<img src="x.png">
</body>
</html>
"""


def _write_site(root: Path) -> None:
    (root / "index.html").write_text(VALID_HTML, encoding="utf-8")
    (root / "style.css").write_text("#h { color: rgb(1, 2, 3); }\n", encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "index.html").write_text(
        VALID_HTML.replace("Infra OK", "Sub page").replace('href="style.css"', 'href="../style.css"'),
        encoding="utf-8",
    )


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


# --- Chromium -------------------------------------------------------------


def test_chromium_loads_file_url(page: Any, tmp_path: Path) -> None:
    _write_site(tmp_path)
    page.goto((tmp_path / "index.html").as_uri())
    assert page.title() == "Infra OK"
    # The relative stylesheet was applied, so the page really rendered.
    color = page.eval_on_selector("#h", "e => getComputedStyle(e).color")
    assert color == "rgb(1, 2, 3)"
    assert page_problems(page) == []


def test_page_fixture_records_console_and_js_errors(page: Any, tmp_path: Path) -> None:
    f = tmp_path / "err.html"
    f.write_text(
        "<!DOCTYPE html><title>e</title>"
        "<script>console.error('boom-console');</script>"
        "<script>throw new Error('boom-uncaught');</script>",
        encoding="utf-8",
    )
    page.goto(f.as_uri())
    page.wait_for_load_state("load")
    assert any("boom-console" in e for e in page.console_errors), page.console_errors
    assert any("boom-uncaught" in e for e in page.page_errors), page.page_errors


# --- Sub-path server ------------------------------------------------------


def test_serve_directory_under_subpath(page: Any, tmp_path: Path) -> None:
    _write_site(tmp_path)
    with serve_directory(tmp_path, prefix="/repo/") as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/repo/")
        root = base[: -len("repo/")]

        resp = page.goto(base)
        assert resp is not None and resp.status == 200
        assert page.title() == "Infra OK"
        color = page.eval_on_selector("#h", "e => getComputedStyle(e).color")
        assert color == "rgb(1, 2, 3)"

        page.click("a[href='sub/']")
        page.wait_for_url(base + "sub/")
        assert page.title() == "Sub page"
        assert page_problems(page) == []

        # Outside the prefix: 404, even though the file exists on disk.
        resp = page.goto(root + "index.html")
        assert resp is not None and resp.status == 404
        assert _status(root) == 404
        assert _status(root + "style.css") == 404
        assert _status(base + "missing.html") == 404
        assert any(r.startswith("404 ") for r in page.bad_responses)

        # /repo redirects to /repo/ (urllib follows it) and /repo/sub to /repo/sub/.
        assert _status(root + "repo") == 200
        resp = page.goto(base + "sub")
        assert resp is not None and resp.status == 200
        assert page.url == base + "sub/"


def test_serve_directory_root_prefix(tmp_path: Path) -> None:
    _write_site(tmp_path)
    with serve_directory(tmp_path) as base:
        assert base.endswith("/") and base.count("/") == 3
        assert _status(base) == 200
        assert _status(base + "style.css") == 200
        assert _status(base + "nope.css") == 404


# --- Fail-under-CI rule -----------------------------------------------------


def test_unavailable_fails_under_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no browser"):
        unavailable("no browser")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="no browser"):
        unavailable("no browser")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        unavailable("no browser")


# --- Nu HTML checker --------------------------------------------------------


def _validate(files: list[Path]) -> list[HtmlError]:
    if shutil.which("java") is None:
        unavailable("java not found: the Nu HTML checker needs a Java runtime")
    try:
        return validate_html(files)
    except ValidatorUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], list[HtmlError]]:
    """One JVM run over a valid, an invalid and a warnings-only file."""
    d = tmp_path_factory.mktemp("vnu")
    files = {
        "good": d / "good.html",
        "bad": d / "bad.html",
        # A trailing slash on a void element and a redundant script type are
        # warnings/info in the Nu checker, not errors.
        "warn": d / "warn.html",
    }
    files["good"].write_text(VALID_HTML, encoding="utf-8")
    files["bad"].write_text(INVALID_HTML, encoding="utf-8")
    files["warn"].write_text(
        VALID_HTML.replace('<meta charset="utf-8">', '<meta charset="utf-8" />').replace(
            "</main>", '</main><script type="text/javascript">1</script>'
        ),
        encoding="utf-8",
    )
    return files, _validate(list(files.values()))


def test_validator_flags_invalid_file(validated: tuple[dict[str, Path], list[HtmlError]]) -> None:
    files, errors = validated
    bad_errors = [e for e in errors if e.file == str(files["bad"].resolve())]
    assert bad_errors, "the invalid file should produce errors"
    text = "\n".join(map(str, bad_errors))
    assert "title" in text  # missing <title>
    assert "bogus" in text  # unknown element (hyphenated names are valid custom elements)
    assert "alt" in text  # <img> without alt
    assert all(e.line is not None and e.line >= 1 for e in bad_errors)


def test_validator_passes_valid_and_warning_only_files(
    validated: tuple[dict[str, Path], list[HtmlError]],
) -> None:
    files, errors = validated
    assert {e.file for e in errors} == {str(files["bad"].resolve())}


def test_validator_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_html([tmp_path / "does-not-exist.html"])
