"""sitegen: a small, fast static site generator for a reading list of research papers."""

__version__ = "0.1.0"

RENDER_VERSION = "4"
"""Bump when Python-side output changes, so incremental builds re-render everything.
Kept here, not in render.py, so that a no-op build's fingerprint need not import the
renderer (Jinja and all: 0.1 s). 2: compact papers.json. 3: compact JSON-LD. 4: notes are
GitHub-flavoured, with footnotes and math."""
