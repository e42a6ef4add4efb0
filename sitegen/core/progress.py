"""Progress of the long steps (import, render, search), shown only on an interactive terminal.

One line on stderr, rewritten in place: `import: 4,000/10,000 papers`. A command makes one
`Progress` (`Progress.on_stderr(quiet)`: silent when stderr is not a terminal or with `-q`, so
piped and logged output never holds a progress line), asks it for a `counter` per step, tells
the counter how many items are done as it goes, and calls `clear` before printing its own
lines. Counters are cheap to call often: the line is rewritten at most every `interval`
seconds, and always for the last item, so every step that runs is seen with its total.

Any step can use it, e.g. a search index built in shards:

    tell = progress.counter(f"search shard {n}/{shards}", "page")
    for done, page in enumerate(pages, 1):
        ...
        tell(done, len(pages))
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

Tell = Callable[[int, int], None]
"""A step's counter: called with how many of its items are done, and how many there are."""


def progress_line(label: str, done: int, total: int, unit: str, plural: str | None = None) -> str:
    """`import: 4,000/10,000 papers`: the text of one progress line (no control characters)."""
    units = unit if total == 1 else plural or f"{unit}s"
    return f"{label}: {done:,}/{total:,} {units}"


class Progress:
    """Progress lines on one stream, or nothing (`stream` None)."""

    def __init__(self, stream: TextIO | None, *, interval: float = 0.1, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.interval = interval
        self._clock = clock
        self._shown = False

    @classmethod
    def on_stderr(cls, quiet: bool = False) -> Progress:
        """Shown on stderr when it is a terminal and the command is not quiet; silent otherwise."""
        interactive = not quiet and sys.stderr.isatty()
        return cls(sys.stderr if interactive else None)

    @property
    def enabled(self) -> bool:
        return self.stream is not None

    def counter(self, label: str, unit: str, plural: str | None = None) -> Tell:
        """A counter for a step counting `unit`s; a no-op when this progress is silent."""
        stream = self.stream
        if stream is None:
            return _ignore
        last = [-self.interval]

        def tell(done: int, total: int) -> None:
            now = self._clock()
            if done < total and now - last[0] < self.interval:
                return
            last[0] = now
            stream.write(f"\r{progress_line(label, done, total, unit, plural)}\033[K")
            stream.flush()
            self._shown = True

        return tell

    def clear(self) -> None:
        """Remove the progress line, if one is shown, so the command's own output starts clean."""
        if self._shown and self.stream is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False


def _ignore(done: int, total: int) -> None:
    """The counter of a silent progress."""
