"""Rebuild a corpus from the WARC archive with the current cleaners, without the network.

Pages are replayed in archive order through the same clean-then-store steps as the
crawl (crawler/corpus/outcome.py), so with unchanged cleaners the rebuilt folder holds the
same files, numbers and manifest entries as the crawl wrote.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from crawler.corpus.archive import read_pages
from crawler.corpus.writer import MANIFEST, CorpusWriter
from crawler.corpus.outcome import clean_page, document_canonical, store_result
from crawler.siterules import SiteRules
from crawler.urls import Canonicalizer


class NotFresh(ValueError):
    """The target folder already holds a corpus; reprocessing never mixes two."""


def default_target(out_root: Path) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return out_root / f"reprocessed-{stamp}"


def check_fresh(target: Path) -> None:
    corpus = target / "corpus"
    if (target / MANIFEST).exists() or (corpus.is_dir() and any(corpus.iterdir())):
        raise NotFresh(f"{target} already holds a corpus; give --out a new or empty folder")


def own_article_test(registry, site_name: str, canonical):
    """The spider's test for "an article URL of this site", from the config."""
    if site_name not in registry.sites:
        return lambda url: False
    return SiteRules(registry.resolve(site_name), canonical).is_own_article


def reprocess(raw_dir: Path, target: Path, registry) -> Counter:
    """Replay every archived page into `target`; counts of what happened to the pages."""
    from cleaners.cleaner import Cleaner

    check_fresh(target)
    cleaner, canonical = Cleaner(registry), Canonicalizer(registry)
    counts: Counter = Counter()
    with CorpusWriter(target) as writer:
        for page in read_pages(raw_dir):
            page.site = page.site or registry.site_for_url(page.url) or "generic"
            page.canonical_url = document_canonical(page, canonical, own_article_test(registry, page.site, canonical))
            counts["pages"] += 1
            outcome = store_result(writer, page, clean_page(cleaner, page))
            if outcome:
                counts[outcome] += 1
    return counts
