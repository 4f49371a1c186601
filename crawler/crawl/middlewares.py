"""Politeness and fault handling around Scrapy's downloader (docs/faults.md).

Scrapy's defaults that we change, each for a reason found in
../shared/research/style-and-reliability.md:

- RetryAfterMiddleware: Scrapy retries a 429 or 503 at once and ignores Retry-After
  (scrapy#3849). We wait what the server asks (seconds or an HTTP date), or an exponential
  backoff without it, capped by VNNEWS_RETRY_AFTER_MAX; a server asking for longer than the
  cap is left alone until the next run.
- UnavailableRobotsTxtMiddleware: Scrapy treats a robots.txt answering 5xx (or not answering)
  as "allow all". RFC 9309 and Google treat it as "disallow all": a server in trouble must not
  be crawled harder. The host is skipped for the run; the next scheduled run asks again.
- RedirectLoopMiddleware: a redirect back to a URL of its own chain is dropped silently by the
  duplicate filter (no errback, no stat); we stop it first, with a named error.
- NonHtmlGuard: a PDF or an image at an article URL is not downloaded past its headers.
- MetaRefreshFromBytesMiddleware: Scrapy decodes a whole page to look for a meta refresh in
  its first 4096 characters; w3lib rules one out in the raw bytes first.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from dataclasses import dataclass

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (DownloadCancelledError, IgnoreRequest, NotConfigured, ResponseDataLossError,
                               StopDownload)
from scrapy.http import HtmlResponse
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import CancelledError, Deferred
from w3lib.html import get_meta_refresh

from crawler.crawl.faults import RedirectLoop, RobotsTxtUnavailable, _described, media_type
from crawler.crawl.requestmeta import KIND

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = {429, 503}  # the statuses RFC 9110 gives Retry-After a meaning for
SLEEP_SLICE = 1.0  # seconds; a long wait notices within this much that the crawl is stopping


# --- Retry-After and backoff ------------------------------------------------------------------

def retry_after_seconds(value: bytes | str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
    None when absent or unreadable; a date in the past means 0."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(retries_done: int, base: float, cap: float) -> float:
    """base, 2·base, 4·base, … for the 1st, 2nd, 3rd retry; never above cap."""
    return min(cap, base * 2 ** retries_done)


class RetryAfterMiddleware(RetryMiddleware):
    """Replaces Scrapy's RetryMiddleware: the same retries, but a retried HTTP status waits first.

    The wait happens in process_response, which keeps the request in its download slot: with the
    usual one request at a time per site, nothing else goes to a server that asked us to wait.
    The reactor is never blocked (an async sleep). Stats retry_after/*.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.cap = settings.getfloat("VNNEWS_RETRY_AFTER_MAX")
        self.base = settings.getfloat("VNNEWS_RETRY_BACKOFF_BASE")
        if self.cap < 0 or self.base < 0:
            raise ValueError("VNNEWS_RETRY_AFTER_MAX and VNNEWS_RETRY_BACKOFF_BASE must be 0 or more seconds")

    async def process_response(self, request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        delay, why = self.delay_for(request, response)
        if delay is None:  # the server wants a longer pause than we wait: the next run asks again
            logger.info("%s asks to wait longer than VNNEWS_RETRY_AFTER_MAX (%.0f s): not retried in this "
                        "run", request.url, self.cap)
            self.crawler.stats.inc_value("retry_after/too_long")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self.crawler.stats.inc_value(f"retry_after/{why}")
        if delay > 0:
            await self.wait(delay)
        return retry

    def delay_for(self, request, response) -> tuple[float | None, str]:
        """Seconds to wait before the retry (None: no retry in this run), and why:
        honoured/<status>, backoff (no Retry-After), unreadable (one we could not parse), too_long."""
        backoff = backoff_seconds(request.meta.get("retry_times", 0), self.base, self.cap)
        header = response.headers.get(b"Retry-After") if response.status in RETRY_AFTER_STATUSES else None
        asked = retry_after_seconds(header)
        if asked is None:
            return backoff, "backoff" if header is None else "unreadable"
        if asked > self.cap:
            return None, "too_long"
        return max(asked, backoff), f"honoured/{response.status}"

    async def wait(self, seconds: float) -> None:
        """Sleep in slices so a stopping crawl (Ctrl-C) does not wait out a long Retry-After."""
        self.crawler.stats.inc_value("retry_after/waited_seconds", round(seconds, 3))
        remaining = seconds
        while remaining > 0 and self._crawling():
            await sleep(min(SLEEP_SLICE, remaining))
            remaining -= SLEEP_SLICE

    def _crawling(self) -> bool:
        engine = getattr(self.crawler, "engine", None)
        return engine is None or bool(getattr(engine, "running", True))


# --- robots.txt that cannot be read -----------------------------------------------------------

@dataclass(frozen=True)
class DisallowAll:
    """Stands in for a robots.txt parser when the file is unavailable; `why` goes in the reject."""

    why: str

    def allowed(self, url, user_agent) -> bool:
        return False


def robots_unavailable_status(status: int) -> bool:
    return status >= 500 or status == 429


class UnavailableRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Replaces Scrapy's RobotsTxtMiddleware: a robots.txt that answers 5xx or 429, or fails to
    download (timeout, refused connection, ...), disallows the whole host for this run, as
    RFC 9309 §2.3.1.3 says. 4xx still means "no robots.txt, allow all" (RFC and Scrapy agree).
    VNNEWS_ROBOTSTXT_UNAVAILABLE = "allow" restores Scrapy's behaviour.
    Stats robotstxt/unavailable (hosts) and robotstxt/unavailable/forbidden (requests)."""

    def __init__(self, crawler):
        policy = crawler.settings.get("VNNEWS_ROBOTSTXT_UNAVAILABLE", "disallow")
        if policy not in ("disallow", "allow"):
            raise ValueError(f"VNNEWS_ROBOTSTXT_UNAVAILABLE: expected 'disallow' or 'allow', got {policy!r}")
        super().__init__(crawler)
        self.disallow_when_unavailable = policy == "disallow"

    async def robot_parser(self, request):
        # Requests that arrive while robots.txt downloads wait on one shared Deferred; in Scrapy
        # 2.19 only the first waiter gets the parser, the others get None and are let through
        # unchecked (observed: a feed and a sitemap fetched from a host whose robots.txt said no).
        # Once the wait is over, the parser stored for the host is the answer for every waiter.
        parser = await super().robot_parser(request)
        stored = self._parsers.get(urlparse_cached(request).netloc, parser)
        return parser if isinstance(stored, Deferred) else stored

    async def _parse_robots(self, response, netloc, request) -> None:
        if self.disallow_when_unavailable and robots_unavailable_status(response.status):
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unavailable(netloc, f"robots.txt answered HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc) -> None:
        if not self.disallow_when_unavailable or isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unavailable(netloc, f"robots.txt could not be fetched ({_described(exc)})")

    def _unavailable(self, netloc: str, why: str) -> None:
        logger.warning("%s: %s; the host is not crawled in this run (RFC 9309: disallow all)", netloc, why)
        self._stats.inc_value("robotstxt/unavailable")
        if not self._stats.get_value("robotstxt/unavailable/why"):  # the run summary names the cause
            self._stats.set_value("robotstxt/unavailable/why", f"{why} for {netloc}")
        pending = self._parsers[netloc]
        self._parsers[netloc] = DisallowAll(why)
        pending.callback(self._parsers[netloc])

    def process_request_2(self, rp, request) -> None:
        if isinstance(rp, DisallowAll):
            self._stats.inc_value("robotstxt/unavailable/forbidden")
            raise RobotsTxtUnavailable(f"{rp.why}: not fetched in this run")
        super().process_request_2(rp, request)


# --- redirect loops -----------------------------------------------------------------------------

class RedirectLoopMiddleware:
    """Runs before Scrapy's RedirectMiddleware (higher order number: sees responses first). A
    redirect to a URL of its own chain (A→B→A, or A→A) would be dropped silently by the duplicate
    filter; raising RedirectLoop sends it to the request's errback instead. Stat redirect/loop."""

    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request, response):
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location or request.meta.get("dont_redirect"):
            return response
        target = response.urljoin(location.decode("latin-1").strip())
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            self.stats.inc_value("redirect/loop")
            raise RedirectLoop(f"redirect loop: {' -> '.join(chain + [target])}")
        return response


# --- meta refresh ---------------------------------------------------------------------------------

# Scrapy's MetaRefreshMiddleware looks for the tag in a page's first 4096 characters, but takes
# them from response.text, which decodes the whole body first: in the crawl benchmark (replica
# pages in the real pages' furniture, 146 KB a response) that was 4.7% of the crawl process's
# time (py-spy, GIL samples, 2400 responses, 2026-12-07), on the one thread a crawl cannot split. Given bytes, w3lib's get_meta_refresh
# rules a refresh out without decoding them. A character takes at most 4 bytes, so this many
# bytes hold at least Scrapy's 4096 characters.
META_REFRESH_SCAN_BYTES = 4 * 4096


class MetaRefreshFromBytesMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refresh redirects, asked only of a page whose first bytes may hold one.

    A page w3lib's byte scan finds no refresh tag in goes on as it came; any other goes to
    Scrapy's own middleware, which decides. The two differ only where the scan sees more than
    Scrapy's cut: a refresh tag inside a <script> or a comment that the 4096th character cuts
    through is hidden from the scan (whole) and visible to Scrapy (cut open)."""

    def process_response(self, request, response):
        if isinstance(response, HtmlResponse) and not may_hold_meta_refresh(response, self._ignore_tags):
            return response
        return super().process_response(request, response)


def may_hold_meta_refresh(response: HtmlResponse, ignore_tags) -> bool:
    """False when the page's first bytes hold no meta refresh tag. response.encoding is the
    declared one when there is one (headers, BOM, <meta charset>), found without decoding."""
    found = get_meta_refresh(response.body, "", response.encoding, ignore_tags=ignore_tags,
                             max_scan=META_REFRESH_SCAN_BYTES)
    return found != (None, None)


# --- non-HTML bodies ------------------------------------------------------------------------------

# Media types that are never an article, a listing or a feed. (application/octet-stream is not
# here: misconfigured servers send HTML with it; the decoder sniffs such bodies instead.)
NON_HTML_PREFIXES = ("application/pdf", "image/", "audio/", "video/", "font/", "application/zip",
                     "application/msword", "application/vnd.ms-", "application/vnd.openxmlformats",
                     "application/x-rar", "application/x-7z")
GUARDED_KINDS = {"article", "listing", "page"}  # feeds and sitemaps may come gzip'd or as XML


class NonHtmlGuard:
    """Extension: stops the download of a page whose Content-Type says it is a document or media
    file, right after the headers (headers_received), so a 10 MB PDF costs one round trip. The
    request's errback receives StopDownload; fault_of() calls it "undecodable". A PDF sent as
    text/html still arrives in full and the decoder rejects it by its magic bytes.
    Stat nonhtml/stopped/<media type>."""

    def __init__(self, crawler):
        self.stats = crawler.stats
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def headers_received(self, headers, body_length, request):
        kind = media_type(headers.get(b"Content-Type"))
        if request.meta.get(KIND, "page") in GUARDED_KINDS and kind.startswith(NON_HTML_PREFIXES):
            self.stats.inc_value(f"nonhtml/stopped/{kind}")
            raise StopDownload(fail=True)
