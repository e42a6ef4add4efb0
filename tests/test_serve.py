"""`sitegen serve`: serving, path safety, live reload in Chromium, errors, load."""

from __future__ import annotations

import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from sitegen.build.pipeline import Project
from sitegen.serve import DevServer
from sitegen.serve_app import SCRIPT
from tests.browser import page_problems
from tests.sites import ROOT, copy_content


@pytest.fixture()
def dev(tmp_path: Path) -> Iterator[DevServer]:
    content = copy_content(ROOT / "content", tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    server = DevServer(Project(content, templates, tmp_path / "site"), port=0, log=lambda _: None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Content-Type", "")


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_serves_site_with_reload_script_only_when_served(dev: DevServer) -> None:
    status, body, kind = fetch(dev.url)
    assert status == 200 and kind.startswith("text/html")
    assert SCRIPT.encode() in body
    assert SCRIPT not in (dev.project.output / "index.html").read_text()  # never in the built files
    status, body, kind = fetch(dev.url + "static/style.css")
    assert status == 200 and kind.startswith("text/css")
    status, body, _ = fetch(dev.url + "tags/quantization/")
    assert status == 200 and b"Quantization" in body
    status, _, _ = fetch(dev.url + "pagefind/pagefind.js")
    assert status == 200


@pytest.mark.parametrize(
    "path",
    [
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "papers/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "%2fetc%2fpasswd",
        "..%5c..%5cetc%5cpasswd",
        "static/%00style.css",
        "no/such/page.html",
    ],
)
def test_rejects_traversal_and_answers_404_with_the_site_page(dev: DevServer, path: str) -> None:
    import http.client

    host, port = dev.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/" + path)  # sent as is, not normalised by a client library
    response = conn.getresponse()
    body = response.read()
    assert response.status == 404
    assert b"root:" not in body
    assert b"Page not found" in body


def test_binds_loopback_by_default(dev: DevServer) -> None:
    assert dev.server.server_address[0] == "127.0.0.1"


def test_survives_many_concurrent_requests(dev: DevServer) -> None:
    paths = ["", "tags/index.html", "static/style.css", "papers.json", "search/index.html", "nope.html"]
    urls = [dev.url + paths[i % len(paths)] for i in range(1000)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda url: fetch(url)[0], urls))
    assert len(statuses) == 1000
    assert statuses.count(200) == 1000 - urls.count(dev.url + "nope.html")
    assert all(s in (200, 404) for s in statuses)


def test_page_reloads_after_paper_edit_and_shows_build_errors(dev: DevServer, page: Any) -> None:
    paper = sorted((dev.project.content / "papers").glob("*.md"))[0]
    page.goto(dev.url + f"papers/{paper.stem}/index.html")
    wait_for(lambda: dev.broker.clients >= 1)
    paper.write_text(paper.read_text() + "\nA note added while the page was open.\n")
    page.wait_for_function("document.body.innerText.includes('A note added while the page was open.')", timeout=20000)

    # a template error shows in the open page, and the server keeps running
    template = dev.project.templates / "paper.html"
    good = template.read_text()
    template.write_text(good.replace("{% block content %}", "{% block content %}{% if %}", 1))
    page.wait_for_selector("#sitegen-error", timeout=20000)
    assert "paper.html" in page.inner_text("#sitegen-error")
    assert fetch(dev.url)[0] == 200
    # the next good save recovers
    template.write_text(good)
    page.wait_for_function("!document.getElementById('sitegen-error')", timeout=20000)
    assert "A note added while the page was open." in page.inner_text("main")
    assert [p for p in page_problems(page) if "__sitegen" not in p] == []


def test_search_index_refreshes_after_builds(dev: DevServer) -> None:
    bundle = dev.project.output / "pagefind"
    before = bundle.stat().st_ino
    paper = sorted((dev.project.content / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text() + "\nsupercalifragilistic\n")
    wait_for(lambda: bundle.exists() and bundle.stat().st_ino != before, timeout=60)
    assert threading.active_count() > 1


def test_responses_are_sent_without_nagle_delay(tmp_path: Path) -> None:
    """Bug: headers and body went out as two writes, and Nagle's algorithm held the body
    back for the client's delayed ACK: ~40 ms per request on a kept-alive connection.
    The server's side of a real connection must have TCP_NODELAY set."""
    import http.client
    import socket

    from sitegen.serve_app import Broker, site_app
    from sitegen.serve_http import HttpServer

    (tmp_path / "index.html").write_text("<!doctype html><title>x</title><p>x</p>")
    server = HttpServer("127.0.0.1", 0, site_app(tmp_path, Broker(), live=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen: list[int] = []
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        for _ in range(2):  # two requests on one kept-alive connection, as a browser sends them
            conn.request("GET", "/index.html")
            response = conn.getresponse()
            assert response.status == 200 and b"<p>x</p>" in response.read()
            sockets = server.connection_sockets()
            assert len(sockets) == 1  # still the same, kept-alive connection
            seen.append(sockets[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
    assert len(seen) == 2 and all(seen), seen


def test_edit_saved_during_the_first_build_is_picked_up(tmp_path: Path) -> None:
    """Bug: the watcher started only after the first build (20 s at 10k papers), so a
    page saved meanwhile stayed stale until some other file was saved. The edit here
    lands after the first build has read the pages and before the watcher exists."""
    content = copy_content(ROOT / "content", tmp_path)
    server = DevServer(Project(content, ROOT / "templates", tmp_path / "site"), port=0, log=lambda _: None)
    page = sorted((content / "papers").glob("*.md"))[0]
    first_build = server.rebuild

    def rebuild(**kwargs: Any) -> Any:
        report = first_build(**kwargs)
        if kwargs.get("first"):
            page.write_text(page.read_text() + "\nSaved while the first build ran.\n")
        return report

    server.rebuild = rebuild  # type: ignore[method-assign]
    server.start()
    try:
        url = f"{server.url}papers/{page.stem}/index.html"
        wait_for(lambda: b"Saved while the first build ran." in fetch(url)[1])
    finally:
        server.stop()


def test_settling_finds_a_change_the_watcher_missed_and_saves_the_cache(tmp_path: Path) -> None:
    """A rebuild trusts the watcher's list of changed files (no scan of 10,000 pages per
    edit). Should the watcher miss one, the settler's full scan after the builds have
    settled builds it, and it saves the build cache the edit-time builds left unsaved."""
    from sitegen.build.cache import load_cache

    content = copy_content(ROOT / "content", tmp_path)
    project = Project(content, ROOT / "templates", tmp_path / "site")
    server = DevServer(project, port=0, log=lambda _: None)
    server.rebuild(first=True)
    pages = sorted((content / "papers").glob("*.md"))
    missed, seen = pages[0], pages[1]
    missed.write_text(missed.read_text() + "\nAn edit the watcher missed.\n")
    seen.write_text(seen.read_text() + "\nAn edit the watcher saw.\n")
    report = server.rebuild(changed={seen.resolve()})
    assert report is not None and report.changed
    html = project.output / "papers" / missed.stem / "index.html"
    assert "An edit the watcher saw." in (project.output / "papers" / seen.stem / "index.html").read_text()
    assert "An edit the watcher missed." not in html.read_text()  # the list was trusted
    assert load_cache(project.cache_file).outputs == {}  # built in place, not saved yet: marked dirty
    settler = threading.Thread(target=server.settle, daemon=True)
    settler.start()
    try:
        wait_for(lambda: "An edit the watcher missed." in html.read_text(), timeout=30)
        wait_for(lambda: not server.unsaved, timeout=30)
    finally:
        server.stop()
        settler.join(timeout=30)
    saved = load_cache(project.cache_file)
    assert saved.outputs == server.state.outputs and saved.outputs
