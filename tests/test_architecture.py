"""The layout is the architecture: each stage package imports only the stages before it
(digests -> papers -> page files -> library -> views -> rendered files -> site -> search),
as its docstring says. Read from the source with `ast`, imports inside functions included."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sitegen"

# package -> the sitegen packages and top-level modules its modules may import
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "taxonomy": {"core", "taxonomy"},
    "pagefile": {"core", "pagefile"},
    "ingest": {"core", "taxonomy", "pagefile", "ingest", "config", "sitegen"},
    "site": {"core", "taxonomy", "pagefile", "site", "config"},
    "reading": {"core", "taxonomy", "pagefile", "site", "reading"},
    "search": {"core", "site", "search", "build.output"},
    "build": {"core", "taxonomy", "pagefile", "ingest", "site", "search", "build", "build.output", "config"},
}
STAGES = sorted(ALLOWED)


def _sitegen_imports(path: Path) -> list[tuple[int, str]]:
    """(line, target) for every import of sitegen in a module; target is the package
    (`core`), the module for build.output, or the top-level module (`config`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "relative import"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sitegen":
            parts = node.module.split(".")[1:]
            names = [parts] if parts else [[alias.name] for alias in node.names]
            found += [(node.lineno, _target(p)) for p in names]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, _target(a.name.split(".")[1:])) for a in node.names if a.name.startswith("sitegen.")
            ]
    return found


def _target(parts: list[str]) -> str:
    if not parts or parts[0] == "__version__":
        return "sitegen"
    return "build.output" if parts[:2] == ["build", "output"] else parts[0]


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_the_stages_before_it(stage: str) -> None:
    modules = sorted((PACKAGE / stage).glob("*.py"))
    assert modules, f"sitegen/{stage}/ is empty"
    wrong = [
        f"sitegen/{stage}/{m.name}:{line} imports {target}"
        for m in modules
        for line, target in _sitegen_imports(m)
        if target not in ALLOWED[stage]
    ]
    assert wrong == []


def test_every_stage_package_says_what_it_owns() -> None:
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "Owns" in doc, f"sitegen/{stage}/__init__.py needs a docstring saying what it owns"


def test_no_module_is_left_outside_the_layout() -> None:
    """Only the command line, the settings, serve and init sit at the top; everything else
    is in a stage package (a new flat module is a layout decision to make, not drift)."""
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == [
        "__init__.py",
        "__main__.py",
        "cli.py",
        "config.py",
        "init.py",
        "serve.py",
        "serve_app.py",
        "serve_connection.py",
        "serve_http.py",
        "serve_messages.py",
    ]
    packages = sorted(
        p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__" and p.name != "_defaults"
    )
    assert packages == STAGES


def test_the_command_line_imports_a_command_only_to_run_it() -> None:
    """`sitegen build` on an unchanged site is a few tenths of a second; describing the
    other commands' arguments must not import their code (the import, the network client,
    the reading commands), and every deferred command must name a function that exists."""
    probe = (
        "import sys, importlib\n"
        "from sitegen.cli import build_parser\n"
        "parser = build_parser()\n"
        "heavy = sorted(m for m in sys.modules if m in {"
        "'sitegen.ingest.importer', 'sitegen.ingest.enrich', 'sitegen.ingest.add_paper', "
        "'sitegen.ingest.lookup', 'sitegen.reading.commands', 'sitegen.build.pipeline'})\n"
        "print(','.join(heavy))\n"
        "actions = [a for a in parser._actions if a.dest == 'command']\n"
        "for name, sub in actions[0].choices.items():\n"
        "    func = sub.get_default('func')\n"
        "    if func is not None:\n"
        "        module, attr = func.target\n"
        "        assert callable(getattr(importlib.import_module(module), attr)), name\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
