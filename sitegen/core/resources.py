"""Where the bundled defaults live: the theme (`templates/`) and the taxonomy.

In a wheel they are copied into the package (see `[tool.hatch.build]` in
pyproject.toml); in a source checkout they are the project's own top-level
`templates/` and `content/taxonomy.yaml`, so editing them there is editing the default.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # sitegen/, not sitegen/core/
CHECKOUT = PACKAGE.parent


def default_templates_dir() -> Path:
    bundled = PACKAGE / "_defaults" / "templates"
    return bundled if bundled.is_dir() else CHECKOUT / "templates"


def default_taxonomy_file() -> Path:
    bundled = PACKAGE / "_defaults" / "taxonomy.yaml"
    return bundled if bundled.is_file() else CHECKOUT / "content" / "taxonomy.yaml"
