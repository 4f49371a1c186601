"""What happens to a fetched page after the download: clean it, then write or reject it.

Shared by the crawl's item pipelines and by `vnnews reprocess`, so replaying the archive
makes exactly the decisions the crawl made. No Scrapy import.
"""

from __future__ import annotations

import logging

from cleaners.document import CleanResult

from .corpus import CorpusWriter
from .items import PageItem

logger = logging.getLogger(__name__)

# Rejection reasons of the crawl itself, beside the cleaner's (cleaners.document.REJECT_REASONS).
CRAWL_REJECT_REASONS = {
    "http-error": "the article URL answered with an HTTP error status (detail: the status)",
    "cleaner-error": "the cleaner failed on the page (detail: the exception); a bug to report",
}


def crawl_rejection(page: PageItem, reason: str, detail: str) -> CleanResult:
    assert reason in CRAWL_REJECT_REASONS, reason
    return CleanResult(status="rejected", reason=reason, detail=detail, url=page.url, site=page.site)


def clean_page(cleaner, page: PageItem) -> CleanResult | None:
    """The cleaner's verdict on an article candidate; None for other pages."""
    if not page.is_article_candidate:
        return None
    if not 200 <= page.status < 300:
        return crawl_rejection(page, "http-error", f"HTTP {page.status}")
    try:
        return cleaner.clean(page.body, url=page.url, site=page.site or None, content_type=page.content_type)
    except Exception as exc:  # one bad page must not stop the crawl; the reject line names the bug
        logger.exception("cleaner failed on %s", page.url)
        return crawl_rejection(page, "cleaner-error", f"{type(exc).__name__}: {exc}")


def store_result(writer: CorpusWriter, page: PageItem, result: CleanResult | None) -> str | None:
    """Write the document or record the rejection. Returns what happened:
    "written", "duplicate-url", "duplicate-text", "rejected", "rejected-before" (or None)."""
    if result is None:
        return None
    if result.ok:
        return writer.add(result.document, page.url, page.canonical_url, page.site, page.fetched_at).status
    recorded = writer.reject(page.url, page.site, result.reason, result.detail, time=page.fetched_at)
    return "rejected" if recorded else "rejected-before"
