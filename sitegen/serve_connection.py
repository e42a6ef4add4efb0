"""One client connection of the development server (serve_http.py): reads request heads,
hands each Request to the app, writes the Response (whole, or streamed for server-sent
events), and closes gently. A client going away is normal, never an error."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from sitegen.serve_messages import (
    HttpError,
    Request,
    Response,
    body_length,
    encode_head,
    error_response,
    parse_head,
    split_head,
)

if TYPE_CHECKING:
    from sitegen.serve_http import HttpServer

LINGER = 2.0
"""Seconds a connection closed by the server keeps reading (and dropping) what the client sends."""


class Connection(asyncio.Protocol):
    """One client connection. A Protocol rather than asyncio's streams: a connection that
    sends nothing costs no task and no coroutine, only its transport (about a third of
    the CPU time per connection), which is what bounds the stall when thousands of
    connections open or close at once."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.pending: Request | None = None
        """A GET whose body is being read (and dropped) before it is answered."""
        self.body_left = 0
        self.stream: asyncio.Task[None] | None = None
        self.finished = False
        """The last response is sent: what the client still sends is dropped."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        # Whole responses go out in one write, but a large one still leaves in several
        # segments: without TCP_NODELAY, Nagle's algorithm can hold the last one back
        # for the client's delayed ACK (~40 ms). asyncio sets it only for sockets made
        # with proto IPPROTO_TCP, not for those accepted from socket.create_server's.
        with contextlib.suppress(OSError):  # already reset by the client
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._connections.discard(self)
        if self.stream is not None:
            self.stream.cancel()
        if exc is not None and self.server.detail:
            self.server.detail(f"client {self.peer} went away: {type(exc).__name__}")

    def eof_received(self) -> bool:
        return False  # the client is done sending: a partial request will never be finished

    @property
    def peer(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "?"

    def data_received(self, data: bytes) -> None:
        if self.finished:
            return
        self.buffer += data
        try:
            self._answer_complete_requests()
        except Exception as err:  # noqa: BLE001 - a bug must not print a traceback per request
            self.server.error(f"error: serving {self.peer}: {type(err).__name__}: {err}")
            self._close()

    def _answer_complete_requests(self) -> None:
        while self.transport is not None and not self.transport.is_closing() and self.stream is None:
            if self.finished:
                return
            if self.pending is not None:
                dropped = min(self.body_left, len(self.buffer))
                self.buffer, self.body_left = self.buffer[dropped:], self.body_left - dropped
                if self.body_left:
                    return
                request, self.pending = self.pending, None
                self._answer(request)
                continue
            started = time.perf_counter()
            try:
                found = split_head(self.buffer)
                if found is None:
                    return  # wait for more
                head, self.buffer = found
                request = parse_head(head)
                self.body_left = body_length(request)
            except HttpError as err:
                self._send(error_response(err.status), keep_alive=False, head_only=False)
                self._log("-", "-", err.status, started)
                return
            if self.body_left:
                self.pending = request
            else:
                self._answer(request)

    def _answer(self, request: Request) -> None:
        started = time.perf_counter()
        response = self.server.app(request)
        keep_alive = request.keep_alive and response.stream is None
        self._send(response, keep_alive=keep_alive, head_only=request.method == "HEAD")
        self._log(request.method, request.target, response.status, started, response.stream is not None)

    def _log(self, method: str, target: str, status: int, started: float, stream: bool = False) -> None:
        if self.server.detail:
            took = "event stream opened" if stream else f"{(time.perf_counter() - started) * 1000:.1f} ms"
            self.server.detail(f"{method} {target} {status} ({took})")

    def _send(self, response: Response, *, keep_alive: bool, head_only: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        headers = [("Content-Type", response.content_type), ("Cache-Control", "no-cache"), *response.headers]
        if response.stream is not None:
            transport.write(encode_head(response.status, [*headers, ("Connection", "close")]))
            if head_only:
                self._finish()
            else:
                self.stream = asyncio.get_running_loop().create_task(self._stream(response.stream))
            return
        headers += [("Content-Length", str(len(response.body)))]
        headers += [("Connection", "keep-alive" if keep_alive else "close")]
        transport.write(encode_head(response.status, headers) + (b"" if head_only else response.body))
        if not keep_alive:
            self._finish()

    async def _stream(self, pieces: Callable[[], AsyncIterator[bytes]]) -> None:
        """Send a streamed body until it ends, the client goes away or the server stops."""
        try:
            async for piece in pieces():
                if self.transport is None or self.transport.is_closing():
                    return
                self.transport.write(piece)
        finally:
            self._close()

    def _finish(self) -> None:
        """Close after the last response without losing it: closing a socket that has
        unread data sends RST, and an RST can destroy the response before the client has
        read it (a refused request is often refused before it has all arrived). So: FIN
        first, drop what still comes, close when the client does or after LINGER seconds."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self.finished = True
        if transport.can_write_eof():
            transport.write_eof()
            asyncio.get_running_loop().call_later(LINGER, transport.close)
        else:
            transport.close()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()
