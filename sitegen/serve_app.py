"""What `sitegen serve` answers (serve.py runs the server and the builds): the built site's
files from `site/`, every served HTML page with the live-reload script, and the event stream
(server-sent events) that tells open pages to reload or shows them a build error. Knows
nothing of builds: the Broker is told what happened and passes it on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sitegen.serve_messages import App, Request, Response
from sitegen.site import urls

EVENTS = "/__sitegen/events"
SCRIPT = "/__sitegen/live.js"
LIVE_JS = b"""// sitegen serve: reload on rebuild, show build errors. Not part of the built site.
(function () {
  var box;
  function show(message) {
    if (!box) {
      box = document.createElement("pre");
      box.id = "sitegen-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;" +
        "padding:1rem;background:#7f1d1d;color:#fff;font:14px/1.4 monospace;z-index:2147483647;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "sitegen: the last build failed\\n\\n" + message;
  }
  var events = new EventSource("/__sitegen/events");
  events.addEventListener("reload", function () { location.reload(); });
  events.addEventListener("build-error", function (e) { show(JSON.parse(e.data).message); });
  events.addEventListener("build-ok", function () { if (box) { box.remove(); box = null; } });
})();
"""


class Broker:
    """Fan-out of server-sent events to every connected page. Pages subscribe from the
    server's event loop; builds publish from their own threads."""

    def __init__(self) -> None:
        self._clients: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, str]]]] = set()
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, str]]]:
        """A queue of (event, data) for one page (call it in the loop that will read it)."""
        q: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        client = (asyncio.get_running_loop(), q)
        with self._lock:
            self._clients.add(client)
        if self.last_error:
            q.put_nowait(("build-error", json.dumps({"message": self.last_error})))
        return client

    def unsubscribe(self, client: tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, str]]]) -> None:
        with self._lock:
            self._clients.discard(client)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        with self._lock:
            clients = list(self._clients)
        for loop, q in clients:
            with contextlib.suppress(RuntimeError):  # its loop has closed: the server stopped
                loop.call_soon_threadsafe(q.put_nowait, (event, json.dumps(data)))

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)


def resolve_request(root: Path, url_path: str) -> Path | None:
    """The file under `root` a URL path names, or None when it would leave `root`
    (`..`, encoded or not, absolute paths, NUL), does not exist, or is a name the file
    system refuses (a segment over NAME_MAX gives ENAMETOOLONG: a missing page all the same)."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    candidate = root.joinpath(*parts)
    try:
        resolved = candidate.resolve()
        if resolved != root and root not in resolved.parents:
            return None
        if resolved.is_dir():
            resolved = resolved / urls.INDEX
        return resolved if resolved.is_file() else None
    except (OSError, RuntimeError, ValueError):
        return None


def inject_reload(html: bytes) -> bytes:
    tag = f'<script src="{SCRIPT}"></script>'.encode()
    at = html.rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


def site_app(root: Path, broker: Broker, live: bool = True) -> App:
    """The dev server's answers: files under `root` (HTML with the reload script when
    `live`), the site's 404 page for anything else, and the reload event stream."""
    root = root.resolve()

    def file_response(status: int, file: Path) -> Response | None:
        try:
            body = file.read_bytes()
        except OSError:  # removed by a rebuild since it was found, unreadable, ...
            return None
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            content_type += "; charset=utf-8"
            if live:
                body = inject_reload(body)
        return Response(status, body, content_type)

    def app(request: Request) -> Response:
        url_path = request.path
        if live and url_path == EVENTS:
            return Response(200, content_type="text/event-stream", stream=lambda: events(broker))
        if live and url_path == SCRIPT:
            return Response(200, LIVE_JS, "text/javascript; charset=utf-8")
        file = resolve_request(root, url_path)
        if file is not None and file.name == urls.INDEX and not url_path.endswith(("/", urls.INDEX)):
            # a folder without its slash: relative links need it
            return Response(301, headers=(("Location", url_path + "/"),))
        found = file_response(200, file) if file is not None else None
        return found or file_response(404, root / urls.NOT_FOUND) or Response(404, b"Not found")

    return app


async def events(broker: Broker) -> AsyncIterator[bytes]:
    """The reload event stream of one page: build events as they come, a ping every 10 s
    (which is also how a page that went away is noticed)."""
    client = broker.subscribe()
    try:
        yield b": connected\n\n"
        while True:
            try:
                event, data = await asyncio.wait_for(client[1].get(), timeout=10)
                yield f"event: {event}\ndata: {data}\n\n".encode()
            except asyncio.TimeoutError:
                yield b": ping\n\n"
    finally:
        broker.unsubscribe(client)
