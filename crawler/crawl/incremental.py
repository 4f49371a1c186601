"""Incremental crawling: the Scrapy components around the crawl-state store (crawler/corpus/state.py).

- IncrementalMiddleware (spider middleware) drops article requests whose canonical URL the
  store has as done (written, duplicate, rejected), unless VNNEWS_REFRESH; drops those a
  feed or sitemap dates before VNNEWS_SINCE; stops asking for pages once VNNEWS_MAX_ARTICLES
  article requests went out. Listing pages, feeds and sitemaps are always fetched again.
- SincePipeline drops, before the corpus writer, an article whose cleaned date is before
  VNNEWS_SINCE (for articles no feed or sitemap dated).
- StatePipeline, last, records each page's outcome AFTER CorpusPipeline committed it, takes
  the site's lock for the run and keeps the run's row (start, counts, end).

VNNEWS_STATE = False turns all three off (NotConfigured).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from crawler.corpus.page import PageItem
from crawler.crawl.writers import RunWriters
from crawler.crawl.requestmeta import KIND, PUBLISHED
from crawler import __version__
from crawler.corpus.state import utc_now
from crawler.corpus.state import (DUPLICATE, ERROR, OLD, WRITTEN, CrawlState, PageRecord, Retry, SiteLock, default_lock_dir,
                                  parse_since, published_day, rejection_outcome)
from crawler.urls import url_id

logger = logging.getLogger(__name__)

def output_dir(settings) -> Path:
    return Path(settings.get("VNNEWS_OUTPUT") or "output")


def since_setting(settings):
    value = settings.get("VNNEWS_SINCE") or ""
    try:
        return parse_since(value) if value else None
    except ValueError as exc:
        raise ValueError(f"setting VNNEWS_SINCE: {exc}") from None


def max_articles_setting(settings) -> int:
    value = settings.getint("VNNEWS_MAX_ARTICLES", 0)
    if value < 0:
        raise ValueError(f"setting VNNEWS_MAX_ARTICLES: expected 0 (no limit) or more, got {value}")
    return value


def run_options(settings) -> dict:
    since = since_setting(settings)
    options = {"refresh": settings.getbool("VNNEWS_REFRESH"), "since": since.isoformat() if since else None,
               "max_articles": max_articles_setting(settings)}
    if settings.get("VNNEWS_REPLICA"):  # the run crawled a replica: a live crawl refuses this folder
        options["replica"] = settings.get("VNNEWS_REPLICA")
    return options


def _config_hash(crawler) -> str | None:
    from crawler.registry import config_hash

    site = getattr(crawler.spider, "site_name", "")
    try:
        return config_hash(site) if site else None
    except KeyError:
        return None


def retry_setting(crawler, config_hash: str | None) -> Retry:
    """The run's Retry (crawler/corpus/state.py): the site's config hash and vnnews version now,
    and --retry-rejected (VNNEWS_RETRY_REJECTED, bounded by VNNEWS_SINCE) with the run's start."""
    settings = crawler.settings
    since = since_setting(settings)
    return Retry(config_hash=config_hash, version=__version__,
                 rejected=settings.getbool("VNNEWS_RETRY_REJECTED"),
                 rejected_since=since.isoformat() if since else None,
                 before=settings.get("VNNEWS_RUN_STARTED") or utc_now(),
                 backoff_base_hours=settings.getfloat("VNNEWS_RETRY_BACKOFF_HOURS", 1.0))


def _canonicalizer(crawler):
    canonical = getattr(crawler.spider, "canonical", None)
    if canonical is None:
        from crawler.registry import load_canonicalizer

        canonical = load_canonicalizer()
    return canonical


def _require_state(crawler) -> None:
    if not crawler.settings.getbool("VNNEWS_STATE"):
        raise NotConfigured  # no message: Scrapy would log a warning for a deliberate choice


def url_digest(canonical_url: str) -> bytes:
    """128 bits of BLAKE2b: a collision (one article taken for another) is out of reach."""
    return hashlib.blake2b(canonical_url.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class IncrementalMiddleware:
    """Spider middleware: which of the spider's new requests are worth fetching this run."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.out_dir = output_dir(crawler.settings)
        self.refresh = crawler.settings.getbool("VNNEWS_REFRESH")
        self.since = since_setting(crawler.settings)
        self.max_articles = max_articles_setting(crawler.settings)
        # Canonical URLs seen this run, as url_digest()s: a sitemap can name 100,000 articles, and
        # a 16-byte digest costs about half of the URL string it stands for.
        self.asked: set[bytes] = set()
        self.skipped: set[bytes] = set()
        self.older: set[bytes] = set()  # dated before --since by a feed or sitemap, however linked later
        self.state: CrawlState | None = None
        self.canonical = None
        self.retry: Retry | None = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        _require_state(crawler)
        return cls(crawler)

    def spider_opened(self) -> None:
        self.state = RunWriters.of(self.crawler).states.acquire(self.out_dir, CrawlState)
        self.canonical = _canonicalizer(self.crawler)
        self.retry = retry_setting(self.crawler, _config_hash(self.crawler))

    def spider_closed(self) -> None:
        if self.state is not None:
            RunWriters.of(self.crawler).states.release(self.out_dir)
            self.state = None

    def process_spider_output(self, response, result):
        for entry in result:
            if self.wanted(entry):
                yield entry

    async def process_spider_output_async(self, response, result):
        async for entry in result:
            if self.wanted(entry):
                yield entry

    def wanted(self, entry) -> bool:
        if not isinstance(entry, Request):
            return True
        if self.max_articles and len(self.asked) >= self.max_articles:
            # the run's budget is spent: walking further listings would find nothing to fetch
            self.stats.inc_value("incremental/max_articles_reached")
            return False
        if entry.meta.get(KIND) != "article":
            return True
        return self._wanted_article(entry)

    def _wanted_article(self, request: Request) -> bool:
        url = self.canonical(request.url)
        key = url_digest(url)
        if key in self.older:
            return False
        day = published_day(request.meta.get(PUBLISHED))
        if self.since and day and day < self.since:
            self.older.add(key)
            self.stats.inc_value("incremental/older_than_since/unfetched")
            return False
        if key in self.asked:
            # asked for already this run: the duplicate filter (the same canonical URL) would
            # drop the repeat; dropping it here spares it the rest of the middleware chain
            self.stats.inc_value("incremental/repeated_links")
            return False
        if key in self.skipped:
            return False
        if not self.refresh and self.state is not None and self.state.is_done(url, self.retry):
            self.skipped.add(key)
            self.stats.inc_value("incremental/skipped")  # articles, not links to them
            return False
        self.asked.add(key)
        self.stats.inc_value("incremental/article_requests")
        if self.state is None or self.state.outcome(url) != ERROR:
            # not the retry of a failed fetch: a run that writes none of these did not do its job
            self.stats.inc_value("incremental/article_requests/fresh")
        return True


class SincePipeline:
    """Drops a cleaned article dated before VNNEWS_SINCE before it reaches the corpus."""

    def __init__(self, crawler, since):
        self.stats = crawler.stats
        self.since = since

    @classmethod
    def from_crawler(cls, crawler):
        _require_state(crawler)
        since = since_setting(crawler.settings)
        if since is None:
            raise NotConfigured  # the usual case: no warning in the log
        return cls(crawler, since)

    def process_item(self, item):
        result = getattr(item, "clean_result", None)
        if isinstance(item, PageItem) and result is not None and result.ok:
            day = published_day(result.document.published)
            if day and day < self.since:
                self.stats.inc_value("incremental/older_than_since/fetched")
                item.clean_result = None
                item.outcome = OLD
        return item


class StatePipeline:
    """Records every page in the crawl-state store once the corpus holds it; keeps the run's row."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.out_dir = output_dir(crawler.settings)
        self.options = run_options(crawler.settings)
        self.state: CrawlState | None = None
        self.lock: SiteLock | None = None
        self.run_id: int | None = None
        self.canonical = None
        self.config_hash: str | None = None
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        _require_state(crawler)
        return cls(crawler)

    @property
    def site(self) -> str:
        spider = self.crawler.spider
        return getattr(spider, "site_name", "") or spider.name

    def open_spider(self) -> None:
        lock_dir = default_lock_dir(self.out_dir, self.settings.get("VNNEWS_LOCK_DIR"))
        self.lock = SiteLock(lock_dir, self.site).acquire()  # SiteBusy stops the crawl before any fetch
        self.canonical = _canonicalizer(self.crawler)
        self.config_hash = _config_hash(self.crawler)
        self.state = RunWriters.of(self.crawler).states.acquire(self.out_dir, CrawlState)
        # the corpus writer (opened before us) has cut any torn manifest line: catch up with it
        self.state.reconcile(self.canonical)
        self.run_id = self.state.start_run(self.site, self.options)

    def spider_closed(self, reason: str) -> None:
        # after every pipeline closed, with Scrapy's finish reason (finished, shutdown, ...)
        if self.state is None:
            return
        stats = self.crawler.stats
        self.state.finish_run(self.run_id, reason, {
            "skipped": stats.get_value("incremental/skipped", 0),
            "older-than-since": stats.get_value("incremental/older_than_since/unfetched", 0),
            "failed-requests": stats.get_value("retry/max_reached", 0),
        })
        RunWriters.of(self.crawler).states.release(self.out_dir)
        self.state = None
        self.lock.release()

    def process_item(self, item):
        if not isinstance(item, PageItem) or self.state is None:
            return item
        if item.is_article_candidate and getattr(item, "outcome", None):
            self.state.record(self.run_id, self.page_record(item))
        else:
            self.state.count_page(self.run_id)
        item.clean_result = None  # recorded: the document need not stay in memory
        return item

    def page_record(self, item: PageItem) -> PageRecord:
        result = item.clean_result
        keys = [item.canonical_url, self.canonical(item.url)]
        if item.request_url:
            keys.append(self.canonical(item.request_url))
        record = PageRecord(keys=keys, site=item.site, url=item.url, fetched_at=item.fetched_at,
                            status=item.status, outcome=self._outcome(item), config_hash=self.config_hash,
                            version=__version__)
        if result is not None and not result.ok:
            record.reason, record.detail = result.reason, result.detail
            if result.reason == "not-article" and (result.detail or "").startswith("no article body"):
                record.counts += ("no-body",)
        if result is not None and result.counts.get("fallback/generic"):
            record.counts += ("generic",)
        if result is not None and result.ok:
            record.published = result.document.published
        if record.outcome in (WRITTEN, DUPLICATE) and item.outcome != "duplicate-text":
            record.doc_id = url_id(item.canonical_url)
        return record

    @staticmethod
    def _outcome(item: PageItem) -> str:
        if item.outcome == "written":
            return WRITTEN
        if item.outcome in ("duplicate-url", "duplicate-text"):
            return DUPLICATE
        if item.outcome == OLD:
            return OLD
        result = item.clean_result
        return rejection_outcome(result.reason, result.detail)
