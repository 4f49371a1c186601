"""Rebuild a corpus from the WARC archive with the current cleaners, without the network.

Pages are replayed in archive order through the same clean-then-store steps as the
crawl (crawler/corpus/outcome.py), so with unchanged cleaners the rebuilt folder holds the
same files, numbers and manifest entries as the crawl wrote.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from crawler.corpus.archive import archive_files, read_pages
from crawler.corpus.writer import MANIFEST, CorpusWriter
from crawler.corpus.outcome import store_result
from crawler.corpus.parallel import cleaned_in_order
from crawler.siterules import SiteRules


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


def reprocess(raw_dir: Path, target: Path, registry, jobs: int = 1, scheduler: str | None = None) -> Counter:
    """Replay every archived page into `target`; counts of what happened to the pages.
    `jobs` > 1 cleans in that many processes (crawler/corpus/parallel.py), `scheduler` on a
    Dask cluster (crawler/corpus/distributed.py); the output is the same."""
    check_fresh(target)
    counts: Counter = Counter()

    def candidates():
        for page in read_pages(raw_dir):
            counts["pages"] += 1
            page.site = page.site or registry.site_for_url(page.url) or "generic"
            if page.is_article_candidate:  # other pages are archived for the record, never stored
                yield page

    if scheduler:
        from crawler.corpus.distributed import check_address, cleaned_on_dask

        check_address(scheduler)
        results = cleaned_on_dask(archive_files(raw_dir), registry.root, None, scheduler, counts)
    else:
        results = cleaned_in_order(candidates(), registry.root, jobs)
    with CorpusWriter(target) as writer:
        for page, result in results:
            outcome = store_result(writer, page, result)
            if outcome:
                counts[outcome] += 1
    return counts
