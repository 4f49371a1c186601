"""The site configs, loaded once per process and config folder.

The spiders, the duplicate filter, the download handler and the cleaner all need the
same ConfigRegistry; parsing and validating the YAML once keeps them consistent.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from pathlib import Path

from cleaners.siteconfig import ConfigRegistry, config_dir


_lenient = False


def skip_broken_sites(on: bool = True) -> None:
    """`vnnews crawl` (crawler/crawl/runner.py) turns this on before anything loads the configs:
    a broken site file then leaves that site out (registry.broken says why) instead of stopping
    every site; the crawl reports it and exits 1. Off (the default) for `scrapy` and scrapyd,
    where a broken file fails the spider import with its file, line and field."""
    global _lenient
    _lenient = on


def skipping_broken_sites() -> bool:
    return _lenient


@lru_cache(maxsize=None)
def _load(root: Path, lenient: bool) -> ConfigRegistry:
    return ConfigRegistry(root, skip_broken_sites=lenient)


def load_registry(root: str | Path | None = None) -> ConfigRegistry:
    """The registry of `root`, else of $VNNEWS_CONFIG, else of config/ in the repository."""
    return _load(Path(root).resolve() if root else config_dir().resolve(), _lenient)


@lru_cache(maxsize=None)
def _canonicalizer(root: Path):
    from crawler.urls import Canonicalizer

    return Canonicalizer(load_registry(root))


def load_canonicalizer(root: str | Path | None = None):
    """One Canonicalizer (and so one cache of recent URLs) per config folder and process: the
    spider, the incremental middleware, the fingerprinter and the dupefilter canonicalize the
    same links, and a cache each made every sitemap URL be worked out several times."""
    return _canonicalizer(Path(root).resolve() if root else config_dir().resolve())


def config_hash(site_name: str, root: str | Path | None = None) -> str:
    """A short hash of the site's config with its profile chain applied: what the state store
    records with each outcome, so a cleaner rejection is retried once the config changed."""
    resolved = load_registry(root).resolve(site_name)
    text = repr(dataclasses.asdict(resolved))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
