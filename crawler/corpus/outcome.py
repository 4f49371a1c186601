"""What happens to a fetched page after the download: clean it, then write or reject it.

Shared by the crawl's item pipelines and by `vnnews reprocess`, so replaying the archive
makes exactly the decisions the crawl made. No Scrapy import.
"""

from __future__ import annotations

import logging
import re
from typing import Callable
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from lxml.etree import ParserError

from cleaners.document import REJECT_REASONS, CleanResult

from crawler.corpus.writer import CorpusWriter
from crawler.corpus.page import PageItem

logger = logging.getLogger(__name__)

# Rejection reasons of the crawl itself, beside the cleaner's (cleaners.document.REJECT_REASONS).
CRAWL_REJECT_REASONS = {
    "http-error": "the article URL answered with an HTTP error status (detail: the status)",
    "cleaner-error": "the cleaner failed on the page (detail: the exception); a bug to report",
    "truncated": "the transfer or the HTML stops before its end: fewer bytes than the Content-Length, or "
                 "<html> opened and never closed; half an article is worse than none",
    "too-large": "the page, or its body after decompression (a compression bomb), is larger than "
                 "DOWNLOAD_MAXSIZE (detail: the size)",
    "redirect-loop": "the URL redirects back into its own chain, or more than REDIRECT_MAX_TIMES times",
    "fetch-error": "the download failed after its retries: timeout, connection refused or lost, DNS, TLS, "
                   "robots.txt unavailable (detail: the exception)",
}
_HTML_OPEN = re.compile(rb"<html[\s>]", re.I)
_HTML_CLOSE = re.compile(rb"</(?:html|body)\s*>", re.I)


_CANONICAL_LINKS = etree.XPath("//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONIL', "
                               "'canonil')), ' '), ' canonical ')]/@href")
_WORD = re.compile(rb"canonical", re.I)
_HEAD_END = re.compile(rb"</head", re.I)
_MIN_PREFIX = 1024  # the bytes an HTML5 parser prescans for a charset, kept in any case


def _canonical_hrefs(body: bytes) -> list[str] | None:
    try:
        return _CANONICAL_LINKS(lxml.html.document_fromstring(body))
    except (ParserError, ValueError):
        return None


def _first_http(hrefs, base_url: str) -> str | None:
    for href in hrefs:
        url = urljoin(base_url, href.strip())
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return None


def declared_canonical(body: bytes, base_url: str) -> str | None:
    """The page's own <link rel="canonical"> href, made absolute; None when it has none.

    The answer of parsing the whole page, mostly without parsing the whole page: the page
    is parsed up to the "</head" that follows the first occurrence of the word "canonical"
    (at least its first 1 KB, where a charset is declared), and only when that part has no
    usable link (the word was in a comment, a script, an og:url; an entity-encoded rel)
    the whole page. Elements are built in the order they appear, so the first link of the
    part is the first link of the page."""
    word = _WORD.search(body)
    head_end = _HEAD_END.search(body, word.end()) if word else None
    if head_end is not None and head_end.start() < len(body) - 1:
        prefix = body[:max(head_end.start(), _MIN_PREFIX)]
        hrefs = _canonical_hrefs(prefix)
        found = _first_http(hrefs or (), base_url)
        if found is not None:
            return found
    hrefs = _canonical_hrefs(body)
    return None if hrefs is None else _first_http(hrefs, base_url)


def document_canonical(page: PageItem, canonical: Callable[[str], str], is_own_article: Callable[[str], bool]) -> str:
    """The canonical URL naming a document: the page's declared canonical link when it is an
    article URL of the same site (so an article reached first by its second URL still gets
    its main URL and id, whatever the crawl order), else the fetched URL's canonical form.
    A declared home or listing page, the usual template mistake, is ignored."""
    own = canonical(page.url)
    if not page.is_article_candidate or not 200 <= page.status < 300:
        return own
    declared = declared_canonical(page.body, page.url)
    if declared and is_own_article(declared):
        return canonical(declared)
    return own


def crawl_rejection(page: PageItem, reason: str, detail: str) -> CleanResult:
    # a fault can also stand for a cleaner reason (a PDF stopped after its headers: undecodable)
    assert reason in CRAWL_REJECT_REASONS or reason in REJECT_REASONS, reason
    return CleanResult(status="rejected", reason=reason, detail=detail, url=page.url, site=page.site)


def is_truncated_html(body: bytes) -> bool:
    """An HTML document that opens <html> but ends without closing its body or itself. (HTML
    lets a page omit these tags; CMS templates write them, so an opened and unclosed page was
    cut off.) `</body>` counts: the real Dân trí article of vn-real-2 ends with it and no
    `</html>`, and a page cut off mid-transfer does not stop exactly after its body."""
    head = body[:4096]
    return bool(_HTML_OPEN.search(head)) and not _HTML_CLOSE.search(body[-4096:])


def clean_page(cleaner, page: PageItem) -> CleanResult | None:
    """The cleaner's verdict on an article candidate; None for other pages."""
    if not page.is_article_candidate:
        return None
    if page.fetch_fault is not None:  # the spider's errback: nothing (usable) was downloaded
        return crawl_rejection(page, page.fetch_fault.reason, page.fetch_fault.detail)
    if not 200 <= page.status < 300:
        return crawl_rejection(page, "http-error", f"HTTP {page.status}")
    if is_truncated_html(page.body):
        tail = page.body[-40:].decode("utf-8", "replace")
        return crawl_rejection(page, "truncated", f"{len(page.body)} bytes, ending {tail!r}")
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
