"""Which URLs of a site are articles or listings, as the crawl and the replay both judge them.

A URL is judged as written and in its canonical form, so a CMS variant that the config's
canonical rewrites map onto an article URL (NukeViet's index.php?…&op=…) is recognised
too, and then dropped by the dupefilter when the article was seen. No Scrapy import.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.urls import Canonicalizer


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


class SiteRules:
    def __init__(self, resolved, canonical: Canonicalizer):
        self.resolved = resolved
        self.site = resolved.site
        self.canonical = canonical
        self.listing_res = [re.compile(p) for p in resolved.discovery.listing_patterns]

    def spellings(self, url: str) -> tuple[str, ...]:
        try:
            canonical = self.canonical(url)
        except ValueError:
            return (url,)
        return (url,) if canonical == url else (url, canonical)

    def is_article_url(self, url: str) -> bool:
        return any(self.resolved.is_article_url(u) for u in self.spellings(url))

    def is_listing_url(self, url: str) -> bool:
        return any(p.search(path_and_query(u)) for u in self.spellings(url) for p in self.listing_res)

    def is_own_article(self, url: str) -> bool:
        return self.site.owns(url) and self.is_article_url(url)
