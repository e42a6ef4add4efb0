"""HTTP/1.1 messages as the development server reads and writes them: a request head
parsed into a Request, a Response's head encoded, the limits it enforces. Bytes in, values
out: no sockets here (serve_connection.py holds the connection, serve_http.py the server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024
"""Largest request head (request line and headers) accepted."""
MAX_BODY = 1024 * 1024
"""Largest request body read (and thrown away) on a GET; larger ones get 413."""


class HttpError(Exception):
    """A request the server refuses: answered with `status`, then the connection closes."""

    def __init__(self, status: int) -> None:
        super().__init__(HTTPStatus(status).phrase)
        self.status = status


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """The request target as sent (path and query, not decoded)."""
    version: str
    """`HTTP/1.0` or `HTTP/1.1`."""
    headers: dict[str, str]
    """Header values by lower-case name (a repeated header keeps its last value)."""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def keep_alive(self) -> bool:
        """Whether the client wants the connection kept open after the response."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    stream: Callable[[], AsyncIterator[bytes]] | None = field(default=None, repr=False)
    """A body sent piece by piece as the iterator yields (server-sent events); the
    connection closes when it ends. `body` is then ignored."""


App = Callable[[Request], Response]
Say = Callable[[str], None]


def parse_head(head: bytes) -> Request:
    """The request a head (request line and header lines, `\\n` or `\\r\\n` ended) holds.
    Raises HttpError for anything malformed (400) or an HTTP version not spoken (505)."""
    lines = head.decode("latin-1").split("\n")
    words = lines[0].rstrip("\r").split(" ")
    if len(words) != 3 or not words[0].isalpha() or not words[1]:
        raise HttpError(400)
    method, target, version = words
    if not version.startswith("HTTP/") or version[5:] not in ("1.0", "1.1"):
        raise HttpError(505 if version[:5] == "HTTP/" and version[5:6].isdigit() else 400)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        line = line.rstrip("\r")
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise HttpError(400)
        headers[name.lower()] = value.strip()
    return Request(method, target, version, headers)


def encode_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    """The status line and headers of a response, ready to send."""
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def error_response(status: int) -> Response:
    headers = (("Allow", "GET, HEAD"),) if status == 405 else ()
    return Response(status, f"{status} {HTTPStatus(status).phrase}\n".encode(), headers=headers)


def split_head(buffer: bytes) -> tuple[bytes, bytes] | None:
    """(the first request head in `buffer`, what follows it), or None when it is not
    complete yet. Blank lines before a request line are skipped (RFC 9112, 2.2); lines may
    end in \\n or \\r\\n. Raises HttpError(431) for a head over MAX_HEAD."""
    start = 0
    while buffer.startswith(b"\n", start) or buffer.startswith(b"\r\n", start):
        start += 1 if buffer[start] == 10 else 2
    ends = [(at, len(mark)) for mark in (b"\n\r\n", b"\n\n") if (at := buffer.find(mark, start)) >= 0]
    if not ends:
        if len(buffer) - start > MAX_HEAD:
            raise HttpError(431)
        return None
    at, size = min(ends)
    if at - start > MAX_HEAD:
        raise HttpError(431)
    return buffer[start : at + 1], buffer[at + size :]


def body_length(request: Request) -> int:
    """The length of a request's body, to be read and dropped (a GET's body means nothing);
    HttpError for what this server does not answer."""
    if request.method not in ("GET", "HEAD"):
        raise HttpError(405 if request.method.isupper() else 400)
    if "transfer-encoding" in request.headers:
        raise HttpError(501)
    length = request.headers.get("content-length", "0")
    if not length.isdigit():
        raise HttpError(400)
    if int(length) > MAX_BODY:
        raise HttpError(413)
    return int(length)
