"""The site configuration (`content/config.yaml`): one frozen dataclass, validated in one place."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from sitegen.core.errors import InputError
from sitegen.core.models import Problem
from sitegen.search.shards import DEFAULT_MAX_MEMORY_MB, MIN_MAX_MEMORY_MB

CONFIG_FILE = "config.yaml"


class ConfigError(InputError):
    """config.yaml cannot be read as settings."""


@dataclass(frozen=True)
class Config:
    title: str = "Reading list"
    """Site title, shown in the header, feeds and page titles."""
    description: str = "Research papers collected from Hugging Face paper listings."
    """One sentence about the list: home page, feeds, meta description."""
    author: str = ""
    """Who keeps the list (feeds, about page); may be empty."""
    base_url: str = ""
    """Absolute URL the site is published at, e.g. `https://you.github.io/papers/`.
    Used only where a full URL is required (canonical links, feeds, sitemap);
    internal links are always relative. The SITEGEN_BASE_URL environment variable overrides it."""
    language: str = "en"
    """Language code for `<html lang>` and feeds."""
    page_size: int = 20
    """Papers per listing page (home, tag, year, digest pages); 1-500."""
    related: int = 5
    """How many related papers each paper page shows; 0 turns the panel off."""
    year: int | None = None
    """Year for digests whose file name has no `YYYY-MM-DD` and whose dates lack a year;
    when unset, the digest file's modification year is used."""
    search: bool = True
    """Build the Pagefind search index (and the offline search index)."""
    max_memory: int = DEFAULT_MAX_MEMORY_MB
    """Memory budget, in MB, for the Pagefind processes that index the search shards at
    once (`512M`, `2G` or a number of MB in config.yaml; `--max-memory` overrides it). The
    paper pages are split into as many shards as keep each run within a quarter of it, and
    into shards of at most 1,000 pages anyway (up to 32: search/shards.py)."""


_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")
_MEMORY = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([mg])?b?", re.IGNORECASE)


def parse_memory(value: object) -> int:
    """A memory size in MB from `2G`, `1.5G`, `512M`, `512MB` or a number of MB; ValueError
    saying what is expected otherwise (or below the smallest budget that works)."""
    text = str(value).strip() if isinstance(value, int | float | str) and not isinstance(value, bool) else ""
    match = _MEMORY.fullmatch(text)
    if match is None:
        raise ValueError(f"expected a size like 2G or 1500M, got {value!r}")
    number, unit = float(match.group(1)), (match.group(2) or "m").lower()
    megabytes = int(number * 1024) if unit == "g" else int(number)
    if megabytes < MIN_MAX_MEMORY_MB:
        raise ValueError(f"must be at least {MIN_MAX_MEMORY_MB}M, got {value!r}")
    return megabytes


def _line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 0


def validate(values: dict[str, Any], text: str = "", source: str = CONFIG_FILE) -> Config:
    """Check types and ranges; every error names the file, line and setting."""
    known = {f.name: f for f in fields(Config)}
    for key in values:
        if key not in known:
            raise ConfigError(
                Problem(source, _line(text, key), f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
            )

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(Problem(source, _line(text, key), f"{key}: {message}"))

    clean: dict[str, Any] = {}
    for key, value in values.items():
        default = getattr(Config, key)
        if key == "year":
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 1900 <= value <= 2200
            ):
                raise fail(key, f"expected a year like 2025, got {value!r}")
        elif key == "max_memory":
            try:
                value = parse_memory(value)
            except ValueError as err:
                raise fail(key, str(err)) from None
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise fail(key, f"expected true or false, got {value!r}")
        elif isinstance(default, int):
            if not isinstance(value, int) or isinstance(value, bool):
                raise fail(key, f"expected a whole number, got {value!r}")
        elif value is None:
            value = ""
        elif not isinstance(value, str | int | float):
            raise fail(key, f"expected text, got {type(value).__name__}")
        else:
            value = str(value)
        clean[key] = value
    config = Config(**clean)
    if not 1 <= config.page_size <= 500:
        raise fail("page_size", f"must be between 1 and 500, got {config.page_size}")
    if not 0 <= config.related <= 50:
        raise fail("related", f"must be between 0 and 50, got {config.related}")
    if config.base_url and not _URL.match(config.base_url):
        raise fail("base_url", f"must be an http(s) URL, got {config.base_url!r}")
    if config.base_url and not config.base_url.endswith("/"):
        config = dataclasses.replace(config, base_url=config.base_url + "/")
    return config


def parse_config(text: str, source: str = CONFIG_FILE, env: Mapping[str, str] | None = None) -> Config:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ConfigError(Problem(source, mark.line + 1 if mark else 0, f"invalid YAML: {err}")) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(Problem(source, 1, "expected settings as 'key: value' lines"))
    data = {str(k): v for k, v in data.items()}
    if env and env.get("SITEGEN_BASE_URL"):
        data["base_url"] = env["SITEGEN_BASE_URL"]
    return validate(data, text, source)


def load_config(content_dir: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read `content/config.yaml` (all settings are optional; no file means defaults)."""
    path = content_dir / CONFIG_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return parse_config(text, str(path), os.environ if env is None else env)


def with_base_url(config: Config, base_url: str) -> Config:
    """The configuration with `base_url` from the command line (`--base-url`), which wins
    over config.yaml and SITEGEN_BASE_URL, as Hugo's and Zola's flag of the same name;
    checked as the setting is, errors naming the flag."""
    values = {f.name: getattr(config, f.name) for f in fields(Config)}
    return validate({**values, "base_url": base_url}, source="--base-url")


def base_url_warning(base_url: str, source: str) -> Problem | None:
    """Atom ids and sitemap <loc>s must be absolute URLs: without a base URL the feeds and
    sitemap are written with root-relative ones, which readers and crawlers reject. Said
    by `sitegen build` (the command that makes a site to publish), once per build."""
    if base_url:
        return None
    return Problem(
        source,
        0,
        "base_url is not set: feeds and the sitemap use relative URLs, which are not valid "
        "Atom or sitemaps; set base_url or pass --base-url https://...",
    )
