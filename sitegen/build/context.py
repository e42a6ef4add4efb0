"""What one build works with, in one object: where it reads and writes (Project), the
caller's options (BuildOptions), the settings (Config), the cache and the report.

Every stage of build/pipeline.py takes the BuildContext and reads from it; only the
report and the cache change as the build goes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.build.cache import BuildCache
from sitegen.config import Config, load_config, with_base_url
from sitegen.core.layout import DIGESTS_DIR
from sitegen.core.resources import default_templates_dir
from sitegen.core.wording import count

if TYPE_CHECKING:
    from sitegen.core.models import Problem
    from sitegen.ingest.importer import ImportReport


@dataclass(frozen=True)
class Project:
    """Where a build reads and writes."""

    content: Path = Path("content")
    templates: Path = Path("templates")
    output: Path = Path("site")
    cache: Path | None = None
    """Build cache folder; default `.sitegen-cache/` beside the output folder."""
    base_url: str = ""
    """`--base-url`: overrides the configuration's base_url when set."""
    drafts: bool = False
    """`--drafts`: publish draft and private pages and private notes too (a local preview)."""
    max_memory: int = 0
    """`--max-memory` in MB: the search indexing's budget; 0 for the configuration's."""

    def template_dirs(self) -> list[Path]:
        dirs = [self.templates] if self.templates.is_dir() else []
        default = default_templates_dir()
        if default.is_dir() and all(default.resolve() != d.resolve() for d in dirs):
            dirs.append(default)
        return dirs

    @property
    def cache_file(self) -> Path:
        folder = self.cache or self.output.parent / ".sitegen-cache"
        return folder / f"{self.output.name}.pickle"


@dataclass(frozen=True)
class BuildOptions:
    """How the caller wants this build run: one name per option, from build() to the
    last stage."""

    run_importer: bool = True
    """Import the digests first (`--no-import` turns it off)."""
    search: bool | None = None
    """Whether the site has a search index; None: the configuration's `search`."""
    defer_search: bool = False
    """Leave the Pagefind index as it is, for the caller to refresh later (serve)."""
    full: bool = False
    """Ignore the cache: describe, render and write everything into a fresh folder."""
    workers: int = 1
    """Processes that parse pages and render files (`--jobs`)."""
    save: bool = True
    """Save the cache at the end; without it the caller saves `state` later (a site
    changed in place is marked on disk as not matching the saved cache until then)."""
    state: BuildCache | None = None
    """A cache kept in memory between builds (by `serve`)."""
    changed: Collection[Path] | None = None
    """Every file changed since the last build with this `state` (serve's watcher reports
    them): the page folder is then not scanned, only those pages are looked at again."""
    progress: Callable[[int], None] | None = None
    """Told the number of files written so far (with `total=` when known)."""


@dataclass
class BuildReport:
    files: int = 0
    """Output files written (rendered) by this build."""
    total: int = 0
    """Output files the site has."""
    papers: int = 0
    seconds: float = 0.0
    incremental: bool = False
    removed: int = 0
    imported: ImportReport | None = None
    problems: list[Problem] = field(default_factory=list)
    search: str = ""
    changed: list[str] = field(default_factory=list)
    """Site paths written by this build (for live reload)."""
    rendered: list[str] = field(default_factory=list)
    """Site paths an incremental build rendered (their fingerprint changed); the ones
    whose bytes came out the same were not written again."""
    search_key: str = ""
    """Fingerprint of what the search index should cover (see search_fingerprint); a
    build that leaves the index to its caller (defer_search) leaves it to `search_keyer`."""
    search_keyer: Callable[[], str] | None = field(default=None, repr=False)
    """Computes search_key when asked (`serve` asks once builds settle, not after each)."""
    patched: bool = False
    """The jobs came from the last build's, remade where papers' views changed (patch.py)."""
    timings: list[tuple[str, float]] = field(default_factory=list)
    """(stage, seconds) in the order the stages ran: `sitegen build --timings`."""
    base_url: str = ""
    """The base URL the site was built with ("" when none: feeds and the sitemap then hold
    root-relative URLs). `sitegen build` warns about that; `serve`, a local preview, does not."""
    _lap: float = field(default_factory=time.perf_counter, repr=False)

    def search_fingerprint(self) -> str:
        """search_key, computed now if it was left for later ("" when nothing was built)."""
        if self.search_keyer is not None:
            self.search_key, self.search_keyer = self.search_keyer(), None
        return self.search_key

    def lap(self, stage: str) -> None:
        """Record that `stage` ended now (it began when the last one ended)."""
        now = time.perf_counter()
        self.timings.append((stage, now - self._lap))
        self._lap = now

    def summary(self) -> str:
        extra = f", {self.search}" if self.search else ""
        if self.papers == 0:
            extra += f"\n{NO_PAPERS_HINT}"
        if self.incremental:
            return (
                f"built {count(self.papers, 'paper')}: {self.files} of {count(self.total, 'file')} rewritten, "
                f"{self.removed} removed in {self.seconds:.2f} s{extra}"
            )
        return f"built {count(self.papers, 'paper')} into {count(self.total, 'file')} in {self.seconds:.2f} s{extra}"


NO_PAPERS_HINT = (
    f"no papers yet: paste a Hugging Face listing into content/{DIGESTS_DIR}/ (a .txt file) and build again"
)
"""Said after a build of an empty list (a new one from `sitegen init`): the site is valid, only empty."""


@dataclass
class BuildContext:
    """One build's paths, settings, options, cache and report."""

    project: Project
    """With `max_memory` resolved (the command line's, else the configuration's)."""
    config: Config
    options: BuildOptions
    report: BuildReport
    started: float
    cache: BuildCache = field(default_factory=BuildCache)
    """The cache this build reads and updates (replaced by open_cache once it is needed)."""

    @classmethod
    def start(cls, project: Project, options: BuildOptions) -> BuildContext:
        """The context at the start of a build: the configuration loaded, the command
        line's overrides applied."""
        started = time.perf_counter()
        report = BuildReport()
        config = load_config(project.content)
        if project.base_url:
            config = with_base_url(config, project.base_url)
        report.base_url = config.base_url
        # `--max-memory` wins over the setting; in the configuration it is an input of the build.
        config = dataclasses.replace(config, max_memory=project.max_memory or config.max_memory)
        project = dataclasses.replace(project, max_memory=config.max_memory)
        return cls(project, config, options, report, started)

    @property
    def search(self) -> bool:
        """Whether the site has a search index (the option, else the setting)."""
        return self.config.search if self.options.search is None else self.options.search

    @property
    def index_now(self) -> bool:
        """Whether this build makes the search index (rather than leaving it to the caller)."""
        return self.search and not self.options.defer_search

    def elapsed(self) -> float:
        """Seconds since the build started."""
        return time.perf_counter() - self.started

    def finish(self, stage: str) -> BuildReport:
        """The report of a build that ends after `stage`, with the time taken."""
        self.report.seconds = self.elapsed()
        self.report.lap(stage)
        return self.report
