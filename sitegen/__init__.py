"""sitegen: a small, fast static site generator for a reading list of research papers."""

__version__ = "0.1.0"
