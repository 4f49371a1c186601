"""The site configs, loaded once per process and config folder.

The spiders, the duplicate filter, the download handler and the cleaner all need the
same ConfigRegistry; parsing and validating the YAML once keeps them consistent.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cleaners.siteconfig import ConfigRegistry, config_dir


@lru_cache(maxsize=None)
def _load(root: Path) -> ConfigRegistry:
    # A broken site file leaves that site out (registry.broken says why): one bad YAML must
    # not stop the other sites' crawl. `vnnews crawl` reports the broken ones and fails.
    return ConfigRegistry(root, skip_broken_sites=True)


def load_registry(root: str | Path | None = None) -> ConfigRegistry:
    """The registry of `root`, else of $VNNEWS_CONFIG, else of config/ in the repository."""
    return _load(Path(root).resolve() if root else config_dir().resolve())


@lru_cache(maxsize=None)
def _canonicalizer(root: Path):
    from crawler.urls import Canonicalizer

    return Canonicalizer(_load(root))


def load_canonicalizer(root: str | Path | None = None):
    """One Canonicalizer (and so one cache of recent URLs) per config folder and process: the
    spider, the incremental middleware, the fingerprinter and the dupefilter canonicalize the
    same links, and a cache each made every sitemap URL be worked out several times."""
    return _canonicalizer(Path(root).resolve() if root else config_dir().resolve())
