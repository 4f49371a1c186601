"""What the spider hands to the pipelines: one fetched page, whatever its kind."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    """A fetched page, as the archive, the cleaner and the corpus writer need it.

    Every page the spider receives becomes one item (listings and feeds too), so the WARC
    archive holds the pages in the order the corpus was written: `vnnews reprocess` then
    gives the same sequence numbers.
    """

    url: str  # the final URL (after redirects), on the real domain
    # the spider sets the fetched URL's canonical form; cleaning (PageCleaner.verdict) replaces
    # it with the page's declared canonical article URL, if any (outcome.document_canonical)
    canonical_url: str
    site: str
    status: int
    body: bytes = field(repr=False)  # keep DEBUG logs of scraped items readable
    content_type: str | None
    kind: str  # "article", "listing", "feed", "sitemap" or "page"
    is_article_candidate: bool
    fetched_at: str  # UTC, second precision: also the WARC-Date of the archived record
    request_url: str | None = None  # the first URL asked for, when a redirect changed it
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)
    request_headers: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)
    method: str = "GET"
    # set by the spider's errback when the download failed (a crawler.crawl.faults.Fault: reason,
    # detail); the page then has no body, status 0, and is not archived
    fetch_fault: object | None = field(default=None, repr=False)
    # filled by CleanPipeline: a cleaners.document.CleanResult, or a crawl-level rejection
    clean_result: object | None = field(default=None, repr=False)
    # filled by CorpusPipeline (what store_result returned) or SincePipeline ("old"); read by
    # StatePipeline (crawler/crawl/incremental.py), which records it once the corpus holds the page
    outcome: str | None = None
