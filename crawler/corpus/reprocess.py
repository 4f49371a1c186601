"""Rebuild a corpus from the WARC archive with the current cleaners, without the network.

Pages are replayed in archive order through the same clean-then-store steps as the
crawl (crawler/corpus/outcome.py), so with unchanged cleaners the rebuilt folder holds the
same files, numbers and manifest entries as the crawl wrote.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path

from crawler.corpus.archive import archive_files, read_pages
from crawler.corpus.writer import MANIFEST, CorpusWriter
from crawler.corpus.outcome import clean_page, document_canonical, store_result
from crawler.corpus.parallel import cleaned_here, cleaned_in_order
from crawler.siterules import SiteRules
from crawler.urls import Canonicalizer, url_id


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


def archive_candidates(pages, registry, counts: Counter):
    """The article candidates among archived `pages` (the others are archived for the record,
    never stored), each given its site; counts every page."""
    for page in pages:
        counts["pages"] += 1
        page.site = page.site or registry.site_for_url(page.url) or "generic"
        if page.is_article_candidate:
            yield page


def reprocess(raw_dir: Path, target: Path, registry, jobs: int = 1, scheduler: str | None = None) -> Counter:
    """Replay every archived page into `target`; counts of what happened to the pages.
    `jobs` > 1 reads and cleans in that many processes (crawler/corpus/parallel.py), `scheduler`
    on a Dask cluster (crawler/corpus/distributed.py); the output is the same."""
    check_fresh(target)
    counts: Counter = Counter()
    if scheduler:
        from crawler.corpus.distributed import check_address, cleaned_on_dask

        check_address(scheduler)
        results = cleaned_on_dask(archive_files(raw_dir), registry.root, None, scheduler, counts)
    elif jobs > 1:
        results = cleaned_in_order(archive_files(raw_dir), registry.root, jobs, None, counts)
    else:
        results = cleaned_here(archive_candidates(read_pages(raw_dir), registry, counts), registry.root)
    with CorpusWriter(target) as writer:
        for page, result in results:
            outcome = store_result(writer, page, result)
            if outcome:
                counts[outcome] += 1
    return counts


def retry_from_archive(out_dir: Path, sites: list[str], registry, retry) -> Counter:
    """`vnnews crawl --retry-rejected`, the part without the network: the archived article pages
    of `sites` whose cleaner rejection is to be retried (crawler.corpus.state.Retry) are cleaned
    again with the current config and written or rejected as the crawl would; the state store
    records them under the current config, so the crawl that follows fetches only the rejected
    pages the archive does not hold. Counts of what happened."""
    from cleaners.cleaner import Cleaner

    from crawler import __version__
    from crawler.corpus.archive import archive_files
    from crawler.corpus.state import REJECTED, CrawlState, PageRecord, SiteLock, default_lock_dir, utc_now
    from crawler.registry import config_hash

    counts: Counter = Counter()
    raw = Path(out_dir) / "raw"
    if not archive_files(raw):
        return counts
    cleaner, canonical = Cleaner(registry), Canonicalizer(registry)
    hashes = {site: config_hash(site, registry.root) for site in sites}
    locks = [SiteLock(default_lock_dir(out_dir), site).acquire() for site in sites]
    try:
        state = CrawlState(out_dir)
        with CorpusWriter(out_dir) as writer:
            for page in read_pages(raw):
                if page.site not in hashes or not page.is_article_candidate:
                    continue
                key = canonical(page.url)
                site_retry = dataclasses.replace(retry, config_hash=hashes[page.site], version=__version__)
                if state.outcome(key) != REJECTED or state.is_done(key, site_retry):
                    continue
                page.canonical_url = document_canonical(page, canonical,
                                                        own_article_test(registry, page.site, canonical))
                result = clean_page(cleaner, page)
                outcome = store_result(writer, page, result)
                counts["re-cleaned"] += 1
                counts[outcome or "none"] += 1
                record = PageRecord(keys=[key, page.canonical_url], site=page.site, url=page.url,
                                    fetched_at=utc_now(), status=page.status, outcome=_state_outcome(outcome, result),
                                    config_hash=hashes[page.site], version=__version__)
                if result is not None and not result.ok:
                    record.reason, record.detail = result.reason, result.detail
                elif result is not None:
                    record.published = result.document.published
                    record.doc_id = url_id(page.canonical_url)
                state.record(None, record)
        state.close()
    finally:
        for lock in locks:
            lock.release()
    return counts


def _state_outcome(outcome: str | None, result) -> str:
    from crawler.corpus.state import DUPLICATE, WRITTEN, rejection_outcome

    if outcome == "written":
        return WRITTEN
    if outcome in ("duplicate-url", "duplicate-text"):
        return DUPLICATE
    return rejection_outcome(result.reason, result.detail)
