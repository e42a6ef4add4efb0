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


def page(*parts: str) -> str:
    """The site path of a page folder's `index.html`."""
    if all(part and part[0] != "/" and part[-1] != "/" for part in parts):
        return "/".join((*parts, "index.html"))  # what posixpath.join gives these, faster
    return posixpath.join(*parts, "index.html")


def paginated(folder: str, number: int) -> str:
    """Page 1 of a listing is the folder's index; page N is `folder/page/N/`."""
    base = () if folder in ("", ".") else (folder,)
    return page(*base) if number == 1 else page(*base, "page", str(number))


def paper(slug: str) -> str:
    return page("papers", slug)


def tag_slug(tag: str) -> str:
    """URL-safe slug of a tag, made from its identity (identity.tag_key): every spelling
    of one tag has one slug. A key that is not already its slug (spaces, letters outside
    ASCII) gets a hash of the key, so two tags never share a slug."""
    key = tag_key(tag)
    slug = base_slug(key)
    return slug if slug == key and slug else f"{slug or 'tag'}-{key_hash(key)}"


def tag(tag_id: str, number: int = 1) -> str:
    return paginated(f"tags/{tag_slug(tag_id)}", number)


def year(value: str, number: int = 1) -> str:
    return paginated(f"years/{value}", number)


def digest_slug(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    slug = base_slug(stem)
    return slug if slug == stem else f"{slug or 'digest'}-{key_hash(name)}"


def digest(name: str, number: int = 1) -> str:
    return paginated(f"digests/{digest_slug(name)}", number)


def root(from_path: str) -> str:
    """The relative URL prefix that leads from a page to the site root (`../../`)."""
    return "../" * from_path.count("/")


def absolute(base_url: str, path: str) -> str:
    """Full URL for feeds, sitemap and canonical links; `index.html` is dropped there."""
    if path == "index.html":
        path = ""
    elif path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url + path
