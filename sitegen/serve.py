"""`sitegen serve`: build, serve `site/` on loopback, rebuild on change, reload browsers.

Three threads share one build state:
- the HTTP server (serve_http.py: asyncio, one thread for all connections, so idle and
  half-open ones hold no thread) answers requests and streams reload events (server-sent
  events) to every open page; only served HTML gets the reload script, `sitegen build`
  output never contains it;
- the watcher waits for changes in content/ and templates/ (watchfiles), runs an
  incremental build of what it saw change, with the search index and the saving of
  the build cache deferred, and tells the pages to reload;
- the settler, once builds have settled, checks with a full scan that the watcher
  missed nothing, saves the build cache and re-indexes with Pagefind: none of that
  delays a reload.
A failed build leaves the served site as it was, prints the error and shows it in
every open page; the next good save recovers.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sitegen.build.cache import BuildCache, load_cache, save_cache
from sitegen.build.pipeline import BuildError, BuildReport, Project, build
from sitegen.config import ConfigError
from sitegen.pagefile.pages import PageError
from sitegen.serve_app import Broker, site_app
from sitegen.serve_http import HttpServer
from sitegen.serve_messages import Say
from sitegen.taxonomy.tags import TaxonomyError

SETTLE_DELAY = 1.0
"""Seconds without a new build before the settler runs (scan, save, search index)."""
ERRORS = (BuildError, ConfigError, PageError, TaxonomyError, OSError)


CATCH_UP_MS = 300
"""How long the watcher waits before its first report that nothing changed, which
triggers the catch-up build for files saved while the first build ran."""


class DevServer:
    """The serve loop's state: the project, its build state, the server and the threads."""

    def __init__(
        self,
        project: Project,
        host: str = "127.0.0.1",
        port: int = 8000,
        log: Say = print,
        *,
        error: Say | None = None,
        detail: Say | None = None,
    ):
        self.project = project
        self.broker = Broker()
        self.log = log
        """Where what serve does goes (builds, changes): nowhere with -q."""
        self.error: Say = error or _to_stderr
        """Where errors go, -q or not."""
        self.detail = detail
        """Where -v's detail goes (each request, each file written, each warning); None: nowhere."""
        self.state: BuildCache = load_cache(project.cache_file)
        self.lock = threading.Lock()
        self.settle_wanted = threading.Event()
        self.search_key: Callable[[], str] = str
        """The search fingerprint of the last build that built something (computed when asked)."""
        self.unsaved = False
        self.stop_event = threading.Event()
        # Bound now, before the first build: a busy port is reported at once (BindError).
        self.server = HttpServer(host, port, site_app(project.output, self.broker), detail=detail, error=self.error)
        self.builds = 0
        self.started = False
        self.workers = min(os.cpu_count() or 1, 4)
        """Processes that render the first (full) build; they also keep this process's
        heap small, which makes every later rebuild faster."""

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def rebuild(
        self, *, first: bool = False, quiet_noop: bool = False, changed: set[Path] | None = None
    ) -> BuildReport | None:
        """One build; errors are reported (terminal and browser), never raised.
        `quiet_noop`: say nothing when the build found nothing to do. `changed`: the
        files the watcher saw change since the last build (None: look at everything)."""
        with self.lock:
            report = self._build_logged(first=first, quiet_noop=quiet_noop, changed=changed)
        if report is not None and not first:
            self.settle_wanted.set()
        return report

    def _build_logged(
        self, *, first: bool = False, quiet_noop: bool = False, changed: set[Path] | None = None
    ) -> BuildReport | None:
        """rebuild, with the lock held."""
        try:
            # Only the first build, before any other thread runs, forks (render) workers.
            report = build(
                self.project,
                state=self.state,
                defer_search=not first,
                save=first,
                changed=changed,
                workers=self.workers if first else 1,
            )
        except ERRORS as err:
            message = str(err)
            self.broker.last_error = message
            self.error(f"error: {message}")
            self.broker.publish("build-error", {"message": message})
            return None
        self.unsaved = self.unsaved or not first
        self.builds += 1
        was_failing = self.broker.last_error is not None
        self.broker.last_error = None
        if report.changed or was_failing:
            self.broker.publish("reload", {"changed": report.changed[:50]})
        if was_failing:
            self.broker.publish("build-ok", {})
        if report.changed or report.removed or not quiet_noop:
            self.log(report.summary())
        if self.detail:
            for problem in report.problems:
                self.detail(f"warning: {problem}")
            for path in report.changed:
                self.detail(f"wrote {path}")
        if report.search_key or report.search_keyer:  # neither when nothing was built: the last key holds
            self.search_key = report.search_fingerprint
        return report

    def watch(self) -> None:
        from watchfiles import watch

        paths = [p for p in (self.project.content, self.project.templates) if p.exists()]
        caught_up = False
        for changes in watch(
            *paths,
            debounce=400,
            step=20,
            stop_event=self.stop_event,
            raise_interrupt=False,
            rust_timeout=CATCH_UP_MS,
            yield_on_timeout=True,
        ):
            if not changes:  # the watcher is running and saw nothing (yet)
                if not caught_up:
                    # Files saved during the first build, before anything watched them:
                    # one more build picks them up (it stops at once when nothing changed).
                    caught_up = True
                    self.rebuild(quiet_noop=True)
                continue
            names = sorted({Path(p).name for _, p in changes})
            if self.detail:
                self.detail(f"changed: {', '.join(names)}")
            else:
                self.log(f"changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
            # Until the catch-up build has scanned everything, the watcher's list is not all.
            self.rebuild(changed={Path(p) for _, p in changes} if caught_up else None)
            caught_up = True  # this build sees every file as it is now

    def settle(self) -> None:
        """Once builds have settled (SETTLE_DELAY without a new one): a build that scans
        every file (it finds nothing to do unless the watcher missed a change), the
        build cache saved, and the search index refreshed when paper pages changed."""
        while not self.stop_event.is_set():
            if not self.settle_wanted.wait(timeout=0.5):
                continue
            self.settle_wanted.clear()
            if self.stop_event.wait(SETTLE_DELAY) or self.settle_wanted.is_set():
                continue  # more builds came in: wait for them to settle
            with self.lock:
                self._build_logged(quiet_noop=True)
                self.save()
            key = self.search_key()
            if key and key != self.state.search and not self.settle_wanted.is_set():
                self.refresh_search(key)

    def save(self) -> None:
        """Save the build cache, if a build left it unsaved (call with the lock held)."""
        if self.unsaved:
            save_cache(self.project.cache_file, self.state)
            self.unsaved = False

    def refresh_search(self, key: str) -> None:
        from sitegen.search.index import run_pagefind_into

        try:
            run_pagefind_into(self.project.output, self.project.output / "pagefind")
        except Exception as err:  # noqa: BLE001 - report and keep serving
            self.error(f"warning: search index not refreshed: {err}")
            return
        with self.lock:
            self.state.search = key
            save_cache(self.project.cache_file, self.state)
            self.unsaved = False
        self.log("search index refreshed")

    def start(self) -> None:
        """Build once (with search), then serve, watch and refresh in the background."""
        self.rebuild(first=True)
        self.started = True
        for target in (self.server.serve_forever, self.watch, self.settle):
            threading.Thread(target=target, daemon=True, name=target.__name__).start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.started:  # shutdown() waits for serve_forever to return
            self.server.shutdown()
        self.server.server_close()
        with self.lock:
            self.save()


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def raise_open_file_limit() -> None:
    """Raise the soft limit on open files to the hard one: every open connection (an
    idle browser tab, a half-open one) holds a descriptor, and a low soft limit (1,024
    on many systems) would make accept() fail while the machine allows far more."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def open_browser(url: str, error: Say) -> None:
    """Open `url` in the user's browser (webbrowser, which honours $BROWSER), in a thread:
    some browser commands run until the browser is closed."""
    import webbrowser

    def run() -> None:
        try:
            opened = webbrowser.open(url)
        except Exception as err:  # noqa: BLE001 - webbrowser runs any command $BROWSER names
            opened, reason = False, f": {err}"
        else:
            reason = ""
        if not opened:
            error(f"warning: could not open a browser at {url}{reason}; open it by hand")

    threading.Thread(target=run, daemon=True, name="open-browser").start()


def serve(
    project: Project, host: str, port: int, *, quiet: bool = False, verbose: bool = False, browse: bool = False
) -> int:
    """`sitegen serve`. Raises BindError (a one-line message) when it cannot listen."""
    raise_open_file_limit()
    say: Say = (lambda _: None) if quiet else (lambda message: print(message, flush=True))
    dev = DevServer(project, host, port, log=say, detail=say if verbose else None)
    try:
        dev.start()
        say(f"serving {project.output} at {dev.url} (Ctrl+C to stop)")
        if browse:
            open_browser(dev.url, dev.error)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        if not quiet:
            print("stopping", file=sys.stderr)
    finally:
        dev.stop()
    return 0
