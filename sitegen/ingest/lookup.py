"""A polite HTTP client for the online look-ups of `sitegen enrich`.

Polite as the services ask: one connection per service (kept alive), a minimum
interval between requests, `Retry-After` honoured on 429 and 503, timeouts, a few
retries with exponential back-off, and a User-Agent that names sitegen. Every answer
that arrived is kept under `.sitegen-cache/lookups/<service>/`, so a re-run asks
nothing twice and a build never needs the network.

Only this module talks to the network; it knows nothing of papers (enrich.py parses).
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import os
import socket
import ssl
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import __version__

USER_AGENT = f"sitegen/{__version__} (reading-list static site generator; +https://pypi.org/project/sitegen/)"
RETRIES = 4
"""Attempts per request before it is counted as failed."""
MAX_WAIT = 120.0
"""Longest `Retry-After` honoured; a service asking for more fails the request."""
BACKOFF = 1.0
"""First back-off after a timeout or a server error, doubled at each retry."""


class LookupFailed(Exception):
    """One request gave no usable answer after its retries (the reason is the message)."""


class Unreachable(LookupFailed):
    """The service cannot be reached at all (no network, no such host, refused)."""


@dataclass
class Service:
    """One look-up service: where it is, how often it may be asked, and its cache."""

    name: str
    base: str
    """Scheme and host (and an optional path prefix), e.g. https://huggingface.co."""
    interval: float
    """Seconds between two requests to it (arXiv asks for 3)."""
    cache: Path
    timeout: float = 15.0
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    """Requests sent (cache hits are not requests)."""
    _connection: http.client.HTTPConnection | None = field(default=None, repr=False)
    _last: float = field(default=float("-inf"), repr=False)

    def get(self, path: str, query: dict[str, str]) -> bytes:
        """The body of a 200 answer to GET base+path?query, from the cache when asked before."""
        url = f"{self.base.rstrip('/')}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        cached = self.cache / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.body"
        try:
            return cached.read_bytes()
        except FileNotFoundError:
            pass
        body = self._fetch(url)
        self.cache.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.cache, prefix=".answer.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(name, cached)
        return body

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # ----------------------------------------------------------------------- the wire

    def _fetch(self, url: str) -> bytes:
        parts = urllib.parse.urlsplit(url)
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        backoff = BACKOFF
        reason = "no answer"
        for attempt in range(RETRIES):
            self._pause()
            try:
                status, headers, body = self._request(parts, target)
            except TimeoutError:
                reason = f"no answer within {self.timeout:g} s"
                self.close()
            except (ConnectionRefusedError, socket.gaierror, ssl.SSLError) as err:
                self.close()
                if attempt == 0 and self.requests <= 1:
                    raise Unreachable(f"cannot reach {parts.netloc} ({_why(err)})") from None
                reason = _why(err)
            except (OSError, http.client.HTTPException) as err:
                self.close()
                reason = _why(err)
            else:
                if status == 200:
                    return body
                reason = f"HTTP {status}"
                if status in (429, 503):
                    wait = retry_after(headers.get("Retry-After"), time.time())
                    if wait is not None:
                        if wait > MAX_WAIT:
                            raise LookupFailed(f"{reason}: asked to wait {wait:g} s")
                        self.sleep(wait)
                        continue
                elif status < 500:
                    raise LookupFailed(reason)  # our request is wrong: asking again will not help
            if attempt + 1 < RETRIES:
                self.sleep(backoff)
                backoff *= 2
        raise LookupFailed(f"{reason} after {RETRIES} attempts")

    def _pause(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()

    def _request(self, parts: urllib.parse.SplitResult, target: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        if self._connection is None:
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            self._connection = kind(parts.netloc, timeout=self.timeout)
        self.requests += 1
        self._connection.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = self._connection.getresponse()
        body = response.read()
        if response.will_close:
            self.close()
        return response.status, response.headers, body


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds, or an HTTP date); None if absent
    or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _why(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return str(text)
