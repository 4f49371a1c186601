"""Duplicate requests are recognised by canonical URL (crawler/urls.py).

Scrapy fingerprints requests on w3lib's canonical URL, which keeps http/https, www,
NFC/NFD slugs, tracking parameters and CMS index.php variants apart: the same article
would be fetched once per spelling. Our fingerprinter uses our canonical URL instead.
"""

from __future__ import annotations

import hashlib
from weakref import WeakKeyDictionary

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.request import RequestFingerprinter

from crawler.registry import load_canonicalizer


_EMPTY_BODY = hashlib.sha1(b"").digest()


def canonical_fingerprint(method: str, canonical_url: str, body: bytes) -> bytes:
    """SHA-1 of "METHOD URL " and the body's SHA-1: deterministic across processes and runs
    (a JOBDIR's requests.seen keeps them); a method has no space and a canonical URL is
    percent-encoded, so the parts cannot run into each other."""
    body_digest = hashlib.sha1(body).digest() if body else _EMPTY_BODY
    return hashlib.sha1(f"{method} {canonical_url} ".encode("utf-8") + body_digest).digest()


class CanonicalRequestFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: method + canonical URL + body digest."""

    def __init__(self, crawler=None):
        self.canonical = load_canonicalizer()
        self._fallback = RequestFingerprinter(crawler)  # data:, file: and other non-http URLs
        self._cache: WeakKeyDictionary = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def fingerprint(self, request) -> bytes:
        if request not in self._cache:
            try:
                url = self.canonical(request.url)
            except ValueError:
                self._cache[request] = self._fallback.fingerprint(request)
            else:
                self._cache[request] = canonical_fingerprint(request.method, url, request.body)
        return self._cache[request]


class CanonicalDupeFilter(RFPDupeFilter):
    """RFPDupeFilter that lets a redirect through when it only respells the URL.

    http://x/a redirecting to https://x/a has one canonical URL, so the target would be
    filtered as a duplicate of the request that led to it and the page silently lost.
    REDIRECT_MAX_TIMES still bounds a server that redirects back and forth.
    """

    stats = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.canonical = getattr(self.fingerprinter, "canonical", None) or load_canonicalizer()

    @classmethod
    def from_crawler(cls, crawler):
        dupefilter = super().from_crawler(crawler)
        dupefilter.stats = crawler.stats
        return dupefilter

    def request_seen(self, request) -> bool:
        if self._respells_previous_hop(request):
            if self.stats:
                self.stats.inc_value("dupefilter/redirect_respelled")
            return False
        return super().request_seen(request)

    def _respells_previous_hop(self, request) -> bool:
        hops = request.meta.get("redirect_urls")
        if not hops:
            return False
        try:
            return self.canonical(hops[-1]) == self.canonical(request.url)
        except ValueError:
            return False
