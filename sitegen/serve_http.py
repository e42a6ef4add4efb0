"""The development server's HTTP/1.1, on asyncio: one thread, any number of idle connections.

Why not `http.server` with a thread per connection: 4,000 half-open connections closing at
once woke 4,000 threads that fought for the GIL, and other requests waited up to 12 s (26 s
in the issue's runs). Here an idle or half-open connection is a suspended coroutine, and
closing it costs one callback. A bounded thread pool would not do: connections that never
send a request would hold every worker.

Only what a browser needs from a development server: GET and HEAD, keep-alive, and a
streamed response for server-sent events. A client going away (a cancelled request, a closed
tab) is normal, never an error. This module knows nothing of sites: the caller's `app` turns a
Request into a Response. It must not import the build. The messages are in
serve_messages.py, one connection in serve_connection.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from sitegen.serve_connection import Connection
from sitegen.serve_messages import App, Say

BACKLOG = 4096
"""Connections the kernel queues before we accept them (it caps this at net.core.somaxconn).
A full queue drops new connections' SYNs, and a client whose SYN was dropped retries only
after 1 s, then 3 s, 7 s: a burst of connections must wait in the queue instead."""


ACCEPT_BATCH = 32
"""Connections accepted per turn of the event loop (see serve_forever)."""


class BindError(Exception):
    """The server cannot listen where it was asked to: a one-line message for the user."""


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (IPv4 or IPv6, whichever `host` names).
    Raises BindError with a one-line message when that cannot be done."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if not 0 <= port <= 65535:
        raise BindError(f"cannot serve on {where}: a port is a number from 0 to 65535 (0 picks a free one)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as err:
        raise BindError(f"cannot serve on {where}: unknown host {host!r} ({err}); try --host 127.0.0.1") from None
    family, _, _, _, address = infos[0]
    try:
        return socket.create_server(address, family=family, backlog=BACKLOG)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            hint = "another program (another sitegen serve?) uses it; pick another with --port (0 picks a free one)"
        elif err.errno in (errno.EACCES, errno.EPERM):
            hint = "ports below 1024 need privileges; pick another with --port"
        else:
            hint = "pick another address with --host (default 127.0.0.1)"
        raise BindError(f"cannot serve on {where}: {os.strerror(err.errno) if err.errno else err}; {hint}") from None


class HttpServer:
    """An HTTP/1.1 server for `app`, bound at construction (so a busy port is reported
    before any work starts), serving in its own thread with its own event loop.

    The method names are those of `socketserver` (serve_forever in a thread, shutdown from
    another, server_close), which the dev server used before."""

    def __init__(self, host: str, port: int, app: App, *, detail: Say | None = None, error: Say | None = None):
        self.socket = listen(host, port)
        self.server_address: tuple[Any, ...] = self.socket.getsockname()
        self.app = app
        self.detail = detail
        """Where per-request lines and client disconnects go (None: nowhere)."""
        self.error = error or (lambda _: None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: set[Connection] = set()
        self._stopped = threading.Event()
        self._ready = threading.Event()

    @property
    def connections(self) -> int:
        """Client connections open now (idle and half-open ones included)."""
        return len(self._connections)

    def connection_sockets(self) -> list[Any]:
        """The server's side of each open client connection (for inspection)."""
        return [c.transport.get_extra_info("socket") for c in list(self._connections) if c.transport]

    def serve_forever(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # this thread's: parts of asyncio look it up
        loop.set_exception_handler(self._loop_error)
        self._loop = loop
        try:
            # asyncio accepts at most `backlog` connections per turn of the loop and passes
            # the same number to listen(): a small batch, so that a burst of thousands of
            # connections is taken in turns with answering the requests already read, then
            # the kernel's queue set back to its full length.
            server = loop.run_until_complete(
                loop.create_server(lambda: Connection(self), sock=self.socket, backlog=ACCEPT_BATCH)
            )
            self.socket.listen(BACKLOG)
            self._ready.set()
            loop.run_forever()
            server.close()
            for connection in list(self._connections):
                connection._close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            self._ready.set()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serve_forever (running in another thread) and wait until it has returned."""
        self._ready.wait()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed meanwhile
                loop.call_soon_threadsafe(loop.stop)
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> bool:
        """Run callback(*args) in the server's loop, from any thread; False when it is not running."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return False
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop closed between the check and the call
            return False
        return True

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """asyncio's own problems (out of file descriptors in accept(), ...): one line, no traceback."""
        err = context.get("exception")
        self.error(f"error: server: {context.get('message', 'unexpected error')}" + (f": {err}" if err else ""))
