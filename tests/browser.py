"""Browser and HTTP test helpers: headless Chromium via Playwright, plus a
static file server that can mimic GitHub Pages sub-path hosting.

Use from a conftest.py with either of::

    pytest_plugins = ["tests.browser"]
    from tests.browser import *  # noqa: F403

Fixtures
--------
``browser``  session-scoped Playwright ``Browser`` (system Chromium).
``page``     a fresh ``Page`` in its own context per test, with these lists
             filled while the test runs:
             ``page.console_errors``  text of console messages of type error,
             ``page.page_errors``     uncaught JavaScript exceptions,
             ``page.failed_requests`` "METHOD URL: reason" for requests that
                                      failed at the network level,
             ``page.bad_responses``   "STATUS URL" for HTTP responses >= 400.
             ``page_problems(page)`` joins all four.
             Chromium's automatic request for /favicon.ico at the server
             root is not recorded.

When Chromium cannot start, tests using these fixtures are skipped locally
and FAIL when the ``CI`` environment variable is non-empty, so a broken CI
machine never passes silently.

Playwright's own browser download cannot work here (its host is not
reachable), so Debian's ``chromium`` package at /usr/bin/chromium is used.
Override with ``SITEGEN_CHROMIUM=/path/to/chrome``.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

__all__ = [
    "CHROMIUM_ARGS",
    "CHROMIUM_PATH",
    "browser",
    "launch_chromium",
    "page",
    "page_problems",
    "serve_directory",
    "unavailable",
]

CHROMIUM_PATH: str = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")

CHROMIUM_ARGS: list[str] = [
    "--no-sandbox",  # running as root in a container: the sandbox refuses
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Keep a hung page from eating the CI budget: fail fast instead.
DEFAULT_TIMEOUT_MS: int = 15_000


def unavailable(reason: str) -> NoReturn:
    """Fail under CI (``CI`` non-empty), skip otherwise."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def launch_chromium(playwright: Any, headless: bool = True) -> Any:
    """Launch system Chromium with the flags this machine needs.

    ``playwright`` is the object returned by ``sync_playwright().start()``.
    Raises whatever Playwright raises if the browser cannot start.
    """
    return playwright.chromium.launch(
        executable_path=CHROMIUM_PATH,
        headless=headless,
        args=list(CHROMIUM_ARGS),
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A session-wide headless Chromium ``Browser``."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on environment
        unavailable(f"playwright is not installed: {exc!r}")

    if not (os.path.isfile(CHROMIUM_PATH) or shutil.which(CHROMIUM_PATH)):
        unavailable(
            f"Chromium not found at {CHROMIUM_PATH} (install Debian's 'chromium' package or set SITEGEN_CHROMIUM)"
        )

    pw = sync_playwright().start()
    try:
        try:
            chromium = launch_chromium(pw)
        except Exception as exc:
            unavailable(f"Chromium failed to start: {type(exc).__name__}: {exc}")
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


def _is_auto_favicon(url: str) -> bool:
    """Chromium's own request for /favicon.ico at the server root, made when a
    page declares no icon. Not the site's fault under a sub-path, so ignored."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and parts.path == "/favicon.ico"


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (in its own browser context) that records problems."""
    context = browser.new_context()
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()

    console_errors: list[str] = []
    page_errors: list[str] = []
    failed_requests: list[str] = []
    bad_responses: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            where = loc.get("url", "")
            if _is_auto_favicon(where):
                return
            console_errors.append(f"{msg.text} ({where})" if where else msg.text)

    def on_request_failed(req: Any) -> None:
        if _is_auto_favicon(req.url):
            return
        failed_requests.append(f"{req.method} {req.url}: {req.failure}")

    def on_response(resp: Any) -> None:
        if resp.status >= 400 and not _is_auto_favicon(resp.url):
            bad_responses.append(f"{resp.status} {resp.url}")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: page_errors.append(str(exc)))
    pg.on("requestfailed", on_request_failed)
    pg.on("response", on_response)

    pg.console_errors = console_errors
    pg.page_errors = page_errors
    pg.failed_requests = failed_requests
    pg.bad_responses = bad_responses
    try:
        yield pg
    finally:
        context.close()


def page_problems(pg: Any) -> list[str]:
    """All problems recorded on a ``page`` fixture, one string each."""
    out: list[str] = []
    for name in ("console_errors", "page_errors", "failed_requests", "bad_responses"):
        out.extend(f"{name}: {item}" for item in getattr(pg, name, []))
    return out


def _normalize_prefix(prefix: str) -> str:
    prefix = "/" + prefix.strip("/")
    return prefix if prefix == "/" else prefix + "/"


def _make_handler(
    directory: Path, prefix: str, delay: Callable[[str], float] | None = None
) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        """Serves ``directory`` at ``prefix``; anything else is 404."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def _url_path(self) -> str:
            return urllib.parse.urlsplit(self.path).path

        def send_head(self) -> Any:
            path = self._url_path()
            if delay is not None:
                time.sleep(delay(path))  # a slow network, for this request's thread only
            if prefix != "/" and path == prefix.rstrip("/"):
                # Like GitHub Pages: /repo -> /repo/
                self.send_response(301)
                self.send_header("Location", prefix)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if not path.startswith(prefix):
                self.send_error(404, "Outside the served prefix")
                return None
            return super().send_head()

        def translate_path(self, path: str) -> str:
            if path.startswith(prefix):
                path = "/" + path[len(prefix) :]
            return super().translate_path(path)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def copyfile(self, source: Any, outputfile: Any) -> None:
            # the browser left the page (or dropped a request) while it came: not an error
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().copyfile(source, outputfile)

    return Handler


@contextlib.contextmanager
def serve_directory(
    directory: str | os.PathLike[str], prefix: str = "/", delay: Callable[[str], float] | None = None
) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 on a free port.

    The files are mounted under ``prefix`` (e.g. ``"/myrepo/"`` to mimic a
    GitHub Pages project site); requests outside it get 404 and the bare
    prefix without its slash is redirected like GitHub Pages does. Yields the
    base URL including the prefix and a trailing slash, e.g.
    ``http://127.0.0.1:41234/myrepo/``. ``delay(path)`` gives the seconds to wait before
    answering a request for that URL path (each request has its own thread).
    """
    root = Path(directory).resolve()
    if not root.is_dir():
        raise NotADirectoryError(str(root))
    norm = _normalize_prefix(prefix)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(root, norm, delay))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="serve_directory", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}{norm}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
