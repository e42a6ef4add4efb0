"""`sitegen init`: the files of a new, empty reading list.

`starter_files()` is pure (site path -> text); `write_starter()` is the only part that
touches the disk, and it refuses to overwrite anything, so running `init` in the wrong
folder cannot cost the user a file.
"""

from __future__ import annotations

from pathlib import Path

from sitegen.config import CONFIG_FILE
from sitegen.core.layout import DIGESTS_DIR, TAXONOMY_FILE
from sitegen.core.resources import default_taxonomy_file

CONFIG_TEXT = """\
# Site configuration. Every setting is optional: each is shown here commented out,
# with its default. Remove the "# " in front of a line to change it.

# Site title, shown in the header, feeds and page titles.
# title: Reading list

# One sentence about the list: home page, feeds, meta description.
# description: Research papers collected from Hugging Face paper listings.

# Who keeps the list (feeds, about page); may be empty.
# author: ""

# Absolute URL the site is published at, e.g. https://you.github.io/papers/
# Used only where a full URL is required (canonical links, feeds, sitemap); links
# inside the site are always relative. `sitegen build --base-url URL` and the
# SITEGEN_BASE_URL environment variable override it (the Pages workflow passes it).
# base_url: ""

# Language code for <html lang> and feeds.
# language: en

# Papers per listing page (home, tag, year, digest pages); 1-500.
# page_size: 20

# How many related papers each paper page shows; 0 turns the panel off.
# related: 5

# Year for digests whose file name has no YYYY-MM-DD and whose dates lack a year;
# when unset, the digest file's modification year is used.
# year: 2025

# Build the Pagefind search index (and the offline search index).
# search: true

# Memory for the search indexing processes running at once (512M, 2G, ...). A big list
# is indexed in as many shards as keep each Pagefind run within a quarter of it (and in
# shards of at most 1,000 papers anyway, which the search page searches faster).
# max_memory: 2G
"""

DIGESTS_README = """\
# Digests

Paste paper listings here, one text file per listing (for example
`2025-06-01-hf-daily.txt`): select all on a Hugging Face papers page
(https://huggingface.co/papers, a daily, weekly or search listing), copy, and paste
into a new `.txt` file. A date in the file name (YYYY-MM-DD) dates the digest.
`sitegen build` turns every listing into one page per paper in `content/papers/`,
where you can add tags, a status and your notes; those edits are kept when you
paste more listings.
"""

GITIGNORE = """\
/site/
/.site-*/
.sitegen-cache/
__pycache__/
"""

WORKFLOW = """\
# Build the reading list with sitegen and publish site/ to GitHub Pages.
# Repository settings -> Pages -> Source must be "GitHub Actions".
name: Deploy site to GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

env:
  # Where pip gets sitegen: a Git URL such as "sitegen @ git+https://github.com/OWNER/sitegen@v0.1.0",
  # or the path of a wheel committed to this repository. Not plain "sitegen": that name on
  # PyPI belongs to another, unrelated project.
  SITEGEN: ""

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - id: pages
        uses: actions/configure-pages@v5
      - name: Install sitegen
        run: |
          if [ -z "$SITEGEN" ]; then
            echo "::error file=.github/workflows/pages.yml::set SITEGEN (top of this file): where pip finds sitegen"
            exit 1
          fi
          pip install "$SITEGEN"
      - name: Build site
        # The Pages URL, e.g. https://OWNER.github.io/REPO/: feeds and the sitemap need it.
        run: sitegen build --base-url "${{ steps.pages.outputs.base_url }}/"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site/

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


class InitError(Exception):
    """`init` would overwrite something; nothing was written."""


def starter_files(taxonomy: str) -> dict[str, str]:
    """Every file of a new list (relative path -> text); `templates/` stays empty since
    the theme is bundled, and a file put there overrides the bundled one of that name."""
    return {
        f"content/{CONFIG_FILE}": CONFIG_TEXT,
        f"content/{TAXONOMY_FILE}": taxonomy,
        f"content/{DIGESTS_DIR}/README.md": DIGESTS_README,
        "templates/": "",
        ".gitignore": GITIGNORE,
        ".github/workflows/pages.yml": WORKFLOW,
    }


def write_starter(folder: Path) -> list[Path]:
    """Write a new list into `folder` (made if missing). Raises InitError, writing
    nothing, when any of its files or folders exists already."""
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} is a file, not a folder; nothing was written")
    files = starter_files(default_taxonomy_file().read_text(encoding="utf-8"))
    clashes = [folder / name for name in files if (folder / name.rstrip("/")).exists()]
    if (folder / "content").exists():
        clashes.insert(0, folder / "content")
    if clashes:
        raise InitError(
            f"{clashes[0]} already exists; sitegen init writes only into a new folder, so nothing was written"
        )
    written = []
    for name, text in files.items():
        path = folder / name
        if name.endswith("/"):
            path.mkdir(parents=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
