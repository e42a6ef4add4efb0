"""`sitegen build`, top to bottom: read this first.

content/digests --import--> content/papers --load--> Library --render--> files
--> staging folder (+ static assets, + search index) --swap--> site/
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

from .config import Config, load_config
from .importer import PAPERS_DIR, ImportReport, load_taxonomy, run_import
from .library import Library, LibraryPaper, make_library, paper_from_page
from .models import Problem
from .output import copy_tree, discard, staging_dir, swap_in, write_files
from .pages import PageError
from .render import make_environment, render_site
from .resources import default_templates_dir


class BuildError(Exception):
    """A build that cannot complete; the message names the file and line."""


@dataclass(frozen=True)
class Project:
    """Where a build reads and writes."""

    content: Path = Path("content")
    templates: Path = Path("templates")
    output: Path = Path("site")

    def template_dirs(self) -> list[Path]:
        dirs = [self.templates] if self.templates.is_dir() else []
        default = default_templates_dir()
        if default.is_dir() and all(default.resolve() != d.resolve() for d in dirs):
            dirs.append(default)
        return dirs


@dataclass
class BuildReport:
    files: int = 0
    papers: int = 0
    seconds: float = 0.0
    imported: ImportReport | None = None
    problems: list[Problem] = field(default_factory=list)
    search: str = ""

    def summary(self) -> str:
        extra = f", {self.search}" if self.search else ""
        return f"built {self.papers} papers into {self.files} files in {self.seconds:.2f} s{extra}"


def load_papers(content: Path) -> list[LibraryPaper]:
    folder = content / PAPERS_DIR
    papers = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        source = f"{content.name}/{PAPERS_DIR}/{path.name}"
        try:
            papers.append(paper_from_page(path.read_text(encoding="utf-8"), path.stem, source))
        except UnicodeDecodeError as err:
            raise BuildError(f"{source}: not UTF-8 text ({err.reason})") from None
        except PageError as err:
            raise BuildError(str(err.problem)) from None
    return papers


def _template_error(err: TemplateError, project: Project) -> BuildError:
    if isinstance(err, TemplateSyntaxError):
        name = err.filename or err.name or "template"
        return BuildError(f"{name}:{err.lineno}: template syntax error: {err.message}")
    if isinstance(err, TemplateNotFound):
        return BuildError(f"template not found: {err.name} (looked in {', '.join(map(str, project.template_dirs()))})")
    return BuildError(f"template error: {err}")


def build(
    project: Project,
    *,
    run_importer: bool = True,
    search: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    config: Config = load_config(project.content)
    if run_importer:
        report.imported = run_import(project.content, config)
        report.problems.extend(report.imported.problems)

    papers = load_papers(project.content)
    library: Library = make_library(papers, load_taxonomy(project.content), config.related)
    report.papers = len(library.papers)

    staging = staging_dir(project.output)
    try:
        env = make_environment(project.template_dirs())
        try:
            files = ((f.path, f.data) for f in render_site(library, config, env))
            report.files = write_files(staging, files, progress)
        except TemplateError as err:
            raise _template_error(err, project) from None
        for folder in reversed(project.template_dirs()):
            if (folder / "static").is_dir():
                copy_tree(folder / "static", staging / "static")
        if config.search if search is None else search:
            from .search import index_site

            report.search = index_site(staging, library)
        swap_in(staging, project.output)
    except BaseException:
        discard(staging)
        raise
    report.seconds = time.perf_counter() - started
    return report
