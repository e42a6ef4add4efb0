"""Output paths and the relative URLs between them.

Every page is written as `<folder>/index.html` and every internal link names the
file explicitly (`../../tags/moe/index.html`), relative to the page it appears on,
so one `site/` works at a domain root, under a sub-path and from `file://`.
Site paths are POSIX strings relative to the site root, never starting with `/`.
"""

from __future__ import annotations

import posixpath

from sitegen.core.identity import tag_key
from sitegen.core.keys import base_slug, key_hash

# Every site file name sitegen writes is spelled here and nowhere else (tests/test_urls.py
# checks); the rest of the package asks for a path by its kind.
INDEX = "index.html"
"""The file a page folder holds: a folder's URL serves it, and absolute URLs drop it."""
FEED = "feed.xml"
"""A listing's Atom feed, beside its first page's INDEX."""
NOT_FOUND = "404.html"
"""The page a server shows for any address it does not have."""
PAPERS_JSON = "papers.json"
PAPERS_BIB = "papers.bib"
ROBOTS = "robots.txt"
NOJEKYLL = ".nojekyll"
"""Tells GitHub Pages not to run Jekyll over the site."""
SITEMAP = "sitemap.xml"
"""The sitemap, or the sitemap index when there are several (sitemap_part)."""
PAPERS = "papers"
"""The folder of the paper pages."""


def page(*parts: str) -> str:
    """The site path of a page folder's `index.html`."""
    if all(part and part[0] != "/" and part[-1] != "/" for part in parts):
        return "/".join((*parts, INDEX))  # what posixpath.join gives these, faster
    return posixpath.join(*parts, INDEX)


def feed(folder: str = "") -> str:
    """The Atom feed of the listing in `folder` ("" for the home page's)."""
    return f"{folder}/{FEED}" if folder else FEED


def feed_home(feed_path: str) -> str:
    """The folder URL of the listing a feed belongs to (`tags/moe/` for `tags/moe/feed.xml`)."""
    return feed_path.removesuffix(FEED)


def sitemap_part(number: int) -> str:
    """The `number`th sitemap file of a site too big for one (listed by SITEMAP)."""
    return f"sitemap-{number}.xml"


def static(relative: str) -> str:
    """The site path of a theme's static file (`relative` to its `static/` folder)."""
    return f"static/{relative}"


def under_papers(path: str) -> bool:
    """Whether a site path is in the paper pages' folder."""
    return path.startswith(f"{PAPERS}/")


def is_paper_page(path: str) -> bool:
    """Whether a site path is a paper's page (`papers/<slug>/index.html`)."""
    return path.startswith(f"{PAPERS}/") and path.endswith(f"/{INDEX}")


def paginated(folder: str, number: int) -> str:
    """Page 1 of a listing is the folder's index; page N is `folder/page/N/`."""
    base = () if folder in ("", ".") else (folder,)
    return page(*base) if number == 1 else page(*base, "page", str(number))


def paper(slug: str) -> str:
    return page(PAPERS, slug)


def tag_slug(tag: str) -> str:
    """URL-safe slug of a tag, made from its identity (identity.tag_key): every spelling
    of one tag has one slug. A key that is not already its slug (spaces, letters outside
    ASCII) gets a hash of the key, so two tags never share a slug."""
    key = tag_key(tag)
    slug = base_slug(key)
    return slug if slug == key and slug else f"{slug or 'tag'}-{key_hash(key)}"


def tag_folder(tag_id: str) -> str:
    """The folder of a tag's listing (its pages and its feed)."""
    return f"tags/{tag_slug(tag_id)}"


def tag(tag_id: str, number: int = 1) -> str:
    return paginated(tag_folder(tag_id), number)


def year_folder(value: str) -> str:
    return f"years/{value}"


def year(value: str, number: int = 1) -> str:
    return paginated(year_folder(value), number)


def digest_slug(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    slug = base_slug(stem)
    return slug if slug == stem else f"{slug or 'digest'}-{key_hash(name)}"


def digest_folder(name: str) -> str:
    """The folder of a digest's listing (its pages and its feed)."""
    return f"digests/{digest_slug(name)}"


def digest(name: str, number: int = 1) -> str:
    return paginated(digest_folder(name), number)


def root(from_path: str) -> str:
    """The relative URL prefix that leads from a page to the site root (`../../`)."""
    return "../" * from_path.count("/")


def absolute(base_url: str, path: str) -> str:
    """Full URL for feeds, sitemap and canonical links; `index.html` is dropped there."""
    if path == INDEX:
        path = ""
    elif path.endswith(f"/{INDEX}"):
        path = path[: -len(INDEX)]
    return base_url + path
