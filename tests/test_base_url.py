"""`--base-url` on `sitegen build`: feeds and sitemap with absolute URLs, valid against the
sitemap protocol's schema and RFC 4287's rules for Atom; a warning when they are built
without one."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from tests.sites import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
SITEMAP_XSD = FIXTURES / "schemas" / "sitemap.xsd"
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://reader.example.org/papers/"


def sitegen(*args: str, cwd: Path, env_base_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SITEGEN_BASE_URL"}
    if env_base_url is not None:
        env["SITEGEN_BASE_URL"] = env_base_url
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def golden_without_base_url(tmp_path: Path) -> Path:
    """The golden fixture's content folder with base_url taken out of its config."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "golden" / "content", content)
    config = content / "config.yaml"
    config.write_text("".join(line for line in config.read_text().splitlines(True) if "base_url" not in line))
    return tmp_path


def is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def atom_problems(path: Path) -> list[str]:
    """What RFC 4287 (section 4.1) requires of a feed and its entries, checked structurally
    (there is no Atom schema for lxml offline): one id (an absolute IRI), title and updated
    (an RFC 3339 date-time) each; an author for the feed; an alternate link for an entry
    without content; ids unique."""
    problems: list[str] = []
    feed = etree.parse(str(path)).getroot()
    if feed.tag != f"{ATOM}feed":
        return [f"{path.name}: root is {feed.tag}"]

    def check(element: etree._Element, what: str) -> None:
        for name in ("id", "title", "updated"):
            found = element.findall(f"{ATOM}{name}")
            if len(found) != 1:
                problems.append(f"{what}: {len(found)} atom:{name}")
        ident = element.findtext(f"{ATOM}id") or ""
        if not is_absolute(ident):
            problems.append(f"{what}: id {ident!r} is not an absolute IRI")
        updated = element.findtext(f"{ATOM}updated") or ""
        try:
            dt.datetime.fromisoformat(updated.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"{what}: updated {updated!r} is not a date-time")
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", updated):
            problems.append(f"{what}: updated {updated!r} is not RFC 3339")
        for link in element.findall(f"{ATOM}link"):
            if not is_absolute(link.get("href", "")):
                problems.append(f"{what}: link {link.get('href')!r} is not absolute")

    check(feed, path.name)
    entries = feed.findall(f"{ATOM}entry")
    if feed.find(f"{ATOM}author/{ATOM}name") is None and any(e.find(f"{ATOM}author") is None for e in entries):
        problems.append(f"{path.name}: no author")
    for entry in entries:
        check(entry, f"{path.name} entry")
        if entry.find(f"{ATOM}content") is None and not entry.findall(f"{ATOM}link[@rel='alternate']"):
            problems.append(f"{path.name}: entry without content or alternate link")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    if len(ids) != len(set(ids)):
        problems.append(f"{path.name}: entry ids repeat")
    return problems


def sitemap_problems(path: Path) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    doc = etree.parse(str(path))
    problems = [f"{path.name}:{e.line}: {e.message}" for e in schema.error_log] if not schema.validate(doc) else []
    locs = [loc.text or "" for loc in doc.getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    problems += [f"{path.name}: <loc> {loc!r} is not absolute" for loc in locs if not is_absolute(loc)]
    return problems


def test_base_url_flag_makes_feeds_and_sitemap_valid(golden_without_base_url: Path) -> None:
    root = golden_without_base_url
    result = sitegen("build", "--no-search", "--base-url", BASE, cwd=root)
    assert result.returncode == 0, result.stderr
    assert "base_url" not in result.stderr
    site = root / "site"
    feeds = sorted(site.rglob("feed.xml"))
    assert len(feeds) > 3  # the site's, and a tag's and a digest's
    for feed in feeds:
        assert atom_problems(feed) == []
        doc = etree.parse(str(feed)).getroot()
        urls = [e.text for e in doc.iter(f"{ATOM}id")] + [e.get("href") for e in doc.iter(f"{ATOM}link")]
        assert urls and all(url.startswith(BASE) for url in urls)
    home = etree.parse(str(site / "feed.xml")).getroot()
    assert home.findtext(f"{ATOM}id") == BASE + "feed.xml"
    entry_ids = [e.findtext(f"{ATOM}id") for e in home.findall(f"{ATOM}entry")]
    assert BASE + "papers/rotq-rotated-4-bit-quantization-for-llms/" in entry_ids
    assert sitemap_problems(site / "sitemap.xml") == []
    locs = (site / "sitemap.xml").read_text()
    assert f"<loc>{BASE}</loc>" in locs and f"<loc>{BASE}papers/rotq-rotated-4-bit-quantization-for-llms/</loc>" in locs
    assert f"Sitemap: {BASE}sitemap.xml" in (site / "robots.txt").read_text()
    paper = (site / "papers/rotq-rotated-4-bit-quantization-for-llms/index.html").read_text()
    assert f'<link rel="canonical" href="{BASE}papers/rotq-rotated-4-bit-quantization-for-llms/">' in paper


def test_without_a_base_url_the_checks_fail_and_build_warns_once(golden_without_base_url: Path) -> None:
    """The validators above reject what a build without a base URL writes, and the build says so."""
    root = golden_without_base_url
    result = sitegen("build", "--no-search", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("base_url is not set") == 1
    assert "content/config.yaml: base_url is not set" in result.stderr and "--base-url" in result.stderr
    assert atom_problems(root / "site" / "feed.xml") != []
    assert any("not absolute" in p for p in sitemap_problems(root / "site" / "sitemap.xml"))
    assert sitegen("build", "--no-search", "-q", cwd=root).stderr == ""  # -q: errors only


def test_base_url_flag_wins_over_config_and_environment(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "golden" / "content", content)  # its config has a base_url
    result = sitegen("build", "--no-search", "--base-url", BASE, cwd=tmp_path, env_base_url="https://env.example/")
    assert result.returncode == 0, result.stderr
    assert etree.parse(str(tmp_path / "site/feed.xml")).getroot().findtext(f"{ATOM}id") == BASE + "feed.xml"
    # Without the flag the environment wins over the config, as before.
    sitegen("build", "--no-search", cwd=tmp_path, env_base_url="https://env.example/")
    assert "<id>https://env.example/feed.xml</id>" in (tmp_path / "site/feed.xml").read_text()


@pytest.mark.parametrize("bad", ["ftp://example.org/", "example.org/papers", "https://"])
def test_a_bad_base_url_flag_is_an_error_naming_the_flag(golden_without_base_url: Path, bad: str) -> None:
    result = sitegen("build", "--no-search", "--base-url", bad, cwd=golden_without_base_url)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --base-url: base_url: must be an http(s) URL")
    assert "Traceback" not in result.stderr
    assert not (golden_without_base_url / "site").exists()
