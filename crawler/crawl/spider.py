"""SiteSpider: one crawl of one configured site, driven entirely by its YAML.

Discovery follows the config: start URLs, RSS/Atom feeds, sitemaps (and sitemap
indexes), category listings with their pagination (bounded by max_listing_pages), and
article links recognised by the allow/deny patterns. Every page received becomes a
PageItem; the pipelines archive it, clean the article candidates and write the corpus.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from functools import lru_cache
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy.http import Response, TextResponse, XmlResponse
from selectolax.lexbor import LexborHTMLParser
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.utils.response import get_base_url

from crawler import __version__
from crawler.crawl.discovery import TooLarge, feed_entries, sitemap_entries
from crawler.corpus.page import PageItem
from crawler.crawl.faults import fault_of
from crawler.crawl.requestmeta import KIND, LISTING_DEPTH, PUBLISHED, SITEMAP_DEPTH
from crawler.registry import load_canonicalizer, load_registry
from crawler.siterules import SiteRules

MAX_SITEMAP_DEPTH = 3
ARTICLE_PRIORITY = 10  # fetch known articles before walking further down the listings

# What `response.css("a::attr(href)")` selects (parsel translates it to this XPath), for an XML
# response, on its parsed tree without wrapping every value in a Selector.
_A_HREFS = etree.XPath("descendant-or-self::a/@href", smart_strings=False)
_NOT_LINKS = ("#", "javascript:", "mailto:", "tel:")
# Link classes, remembered per absolute URL (menus and sidebars repeat on every page)
_FOREIGN, _ARTICLE, _LISTING, _OTHER = 0, 1, 2, 3
CACHED_LINKS = 8192
RECENT_ARTICLE_LINKS = 20_000  # 3.7 MB for 20,000 article URLs of 80 characters (tracemalloc)


class RecentLinks:
    """The article URLs a spider's pages linked to lately, most recent last.

    Menus and teaser lists link to the same articles on page after page: a crawl of replica
    pages in the real pages' furniture found 25 article links a page, 24 of them asked for
    already (2026-12-07). Each repeat became a Request and went through the spider
    middlewares, only for IncrementalMiddleware to drop it as asked for already this run (or
    the duplicate filter, without a state store). A repeat of the very same URL is skipped
    before that; bounded, so a URL that fell out takes the whole way again and is dropped there."""

    def __init__(self, size: int = RECENT_ARTICLE_LINKS):
        self.size = size
        self._urls: OrderedDict[str, None] = OrderedDict()

    def first_time(self, url: str) -> bool:
        """False when `url` is among the recent ones (it becomes the most recent again)."""
        if url in self._urls:
            self._urls.move_to_end(url)
            return False
        self._urls[url] = None
        if len(self._urls) > self.size:
            self._urls.popitem(last=False)
        return True


@lru_cache(maxsize=CACHED_LINKS)
def _join_from_root(origin: str, href: str) -> str:
    """urljoin(base, href) for an href that urljoin resolves from the base's scheme and host
    alone (an absolute URL, "//host/…" or "/path"): the same for every page of a host."""
    return urljoin(origin, href)


def page_hrefs(html: str) -> list[str]:
    """The href of every <a> of an HTML page, in document order.

    Parsed with lexbor (selectolax), not with lxml through parsel as `response.css` would: on
    the 24 real pages of ../shared/benchmarks/vn-real* it takes 0.67 instead of 1.59 ms a page
    (2026-12-07), and building the page's tree was a fifth of the reactor thread's time in a
    pooled crawl of replica pages dressed in the real pages' furniture. Both give the same hrefs
    on every Vietnamese page we hold (tests/test_link_following.py). lexbor parses as browsers
    do: links inside <template> are not on the page, an <a> nested in another is kept; on
    foreign pages where libxml2 gives up (no tree, no link) it still finds the links."""
    return [href for a in LexborHTMLParser(html).css("a[href]") if (href := a.attrs.get("href"))]


def joins_from_origin(href: str) -> bool:
    """True when urljoin(base, href) reads only the base's scheme and host: an absolute URL,
    "//host/…" or "/path". A "//" authority with nothing after it ("//", "http://?q") leaves
    the path to the base."""
    if not href.startswith(("/", "http://", "https://")):
        return False
    after_slashes = href.find("//")
    return not (after_slashes >= 0 and href.startswith(("//", "http://", "https://"))
                and href[after_slashes + 2:after_slashes + 3] in ("", "?", "#"))


def page_origin(base: str) -> str | None:
    """"scheme://host[:port]" of an http(s) base URL, else None."""
    scheme, _, rest = base.partition("://")
    if rest and scheme in ("http", "https"):
        return scheme + "://" + rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return None


def politeness_settings(site) -> dict:
    """The Scrapy settings a site's YAML politeness block stands for."""
    politeness = site.politeness
    return {
        "DOWNLOAD_DELAY": politeness.delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": politeness.concurrency,
        "AUTOTHROTTLE_ENABLED": politeness.autothrottle,
        "AUTOTHROTTLE_START_DELAY": politeness.delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(politeness.concurrency),
    }


def user_agent(contact: str) -> str:
    return f"vnnews/{__version__} (+{contact})" if contact else f"vnnews/{__version__}"


def utc_second() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _header_pairs(headers) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, values in headers.items() for value in values]


class SiteSpider(scrapy.Spider):
    """Base class; crawler/crawl/sitespiders.py makes one subclass per config/sites/*.yaml."""

    site_name: str = ""

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        site = load_registry().sites[cls.site_name]
        if settings.getbool("VNNEWS_SITE_POLITENESS", True):
            settings.setdict(politeness_settings(site), priority="spider")
        project = SETTINGS_PRIORITIES["project"]
        if settings.getpriority("VNNEWS_CONTACT") > project >= settings.getpriority("USER_AGENT"):
            settings.set("USER_AGENT", user_agent(settings.get("VNNEWS_CONTACT")), priority="spider")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        registry = load_registry()
        self.resolved = registry.resolve(self.site_name)
        self.site = self.resolved.site
        self.allowed_domains = list(self.site.domains)
        self.canonical = load_canonicalizer()
        self.rules = SiteRules(self.resolved, self.canonical)
        self._link_class = lru_cache(maxsize=CACHED_LINKS)(self._classify_link)
        # (origin, href) -> (URL, class) for the hrefs that join from the origin alone: a page's
        # menus, sidebars and teaser lists are the same hrefs as on the page before
        self._origin_link = lru_cache(maxsize=CACHED_LINKS)(self._classify_origin_link)
        self._recent_articles = RecentLinks()

    # start -----------------------------------------------------------------------------------
    async def start(self):
        discovery = self.resolved.discovery
        for url in self.site.start_urls:
            yield self._request(url, "page")
        for url in discovery.listings:
            yield self._request(url, "listing", {LISTING_DEPTH: 0})
        for url in discovery.feeds:
            yield self._request(url, "feed", callback=self.parse_feed)
        for url in discovery.sitemaps:
            yield self._request(url, "sitemap", {SITEMAP_DEPTH: 0}, callback=self.parse_sitemap)

    def _request(self, url: str, kind: str, meta: dict | None = None, callback=None,
                 priority: int = 0) -> scrapy.Request:
        return scrapy.Request(self.site.absolute(url), callback=callback or self.parse,
                              errback=self.fetch_failed, meta={KIND: kind, **(meta or {})}, priority=priority)

    # classification (crawler/siterules.py, shared with vnnews reprocess) ---------------------
    def is_article_url(self, url: str) -> bool:
        return self.rules.is_article_url(url)

    def is_listing_url(self, url: str) -> bool:
        return self.rules.is_listing_url(url)

    def is_own_article(self, url: str) -> bool:
        return self.rules.is_own_article(url)

    def is_article_candidate(self, response: Response) -> bool:
        """Asked for as an article, or its final or first URL looks like one."""
        urls = [response.url, *response.meta.get("redirect_urls", [])]
        return response.meta.get(KIND) == "article" or any(self.is_article_url(u) for u in urls)

    def page_kind(self, response: Response) -> str:
        if self.is_article_candidate(response):
            return "article"
        if LISTING_DEPTH in response.meta or self.is_listing_url(response.url):
            return "listing"
        return response.meta.get(KIND, "page")

    def page_item(self, response: Response, kind: str) -> PageItem:
        redirects = response.meta.get("redirect_urls") or []
        item = PageItem(
            url=response.url,
            canonical_url="",
            site=self.site.name,
            status=response.status,
            body=response.body,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1") or None,
            kind=kind,
            is_article_candidate=kind == "article",
            fetched_at=utc_second(),
            request_url=redirects[0] if redirects else None,
            response_headers=_header_pairs(response.headers),
            request_headers=_header_pairs(response.request.headers) if response.request else [],
            method=response.request.method if response.request else "GET",
        )
        # the declared <link rel=canonical> is read with the cleaning (CleanPipeline), off this thread
        item.canonical_url = self.canonical(item.url)
        return item

    # download failures (crawler/crawl/middlewares.py, docs/faults.md) ------------------------------
    def fetch_failed(self, failure) -> Iterator[PageItem]:
        """Errback: a download that failed after its retries is counted (faults/<reason>); an
        article candidate also becomes a rejection, so it is in rejects.jsonl and the state store
        (which fetches it again next run unless the verdict is final). The crawl goes on."""
        request = failure.request
        fault = fault_of(failure.value)
        if fault is None:
            self.crawler.stats.inc_value("faults/ignored")
            return
        self.crawler.stats.inc_value(f"faults/{fault.reason}")
        if not self.crawler.stats.get_value("faults/first"):  # named by the summary when nothing was fetched
            self.crawler.stats.set_value("faults/first", f"{request.url}: {fault.detail}")
        self.logger.info("%s: %s (%s)", request.url, fault.reason, fault.detail)
        redirects = request.meta.get("redirect_urls") or []
        if request.meta.get(KIND) == "article" or any(self.is_article_url(u) for u in [request.url, *redirects]):
            yield self.fault_item(request, fault)

    def fault_item(self, request: scrapy.Request, fault) -> PageItem:
        redirects = request.meta.get("redirect_urls") or []
        return PageItem(url=request.url, canonical_url=self.canonical(request.url), site=self.site.name,
                        status=0, body=b"", content_type=None, kind="article", is_article_candidate=True,
                        fetched_at=utc_second(), request_url=redirects[0] if redirects else None,
                        method=request.method, fetch_fault=fault)

    # callbacks -------------------------------------------------------------------------------
    def parse(self, response: Response, **kwargs) -> Iterator:
        """An HTML page: hand it on, then follow its article, listing and pagination links."""
        kind = self.page_kind(response)
        yield self.page_item(response, kind)
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return
        yield from self._follow_pagination(response, kind)
        yield from self._follow_links(response, kind)

    def parse_feed(self, response: Response) -> Iterator:
        yield self.page_item(response, "feed")
        if not 200 <= response.status < 300:
            return
        entries = feed_entries(response.body, response.url)
        self.crawler.stats.inc_value("discovery/feed_links", len(entries))
        for url, published in entries:
            if self._wanted_article(url):
                yield self._request(url, "article", {PUBLISHED: published}, priority=ARTICLE_PRIORITY)

    def parse_sitemap(self, response: Response) -> Iterator:
        yield self.page_item(response, "sitemap")
        if not 200 <= response.status < 300:
            return
        try:
            kind, entries = sitemap_entries(response.body, response.url,
                                            self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        except TooLarge as exc:
            self.logger.warning("sitemap %s skipped: %s", response.url, exc)
            self.crawler.stats.inc_value("discovery/sitemap_too_large")
            return
        self.crawler.stats.inc_value("discovery/sitemap_links", len(entries))
        depth = response.meta.get(SITEMAP_DEPTH, 0)
        for url, published in entries:
            if kind == "index" and depth < MAX_SITEMAP_DEPTH and self.site.owns(url):
                yield self._request(url, "sitemap", {SITEMAP_DEPTH: depth + 1}, callback=self.parse_sitemap)
            elif kind == "urlset" and self._wanted_article(url):
                yield self._request(url, "article", {PUBLISHED: published}, priority=ARTICLE_PRIORITY)

    # following -------------------------------------------------------------------------------
    def _wanted_article(self, url: str) -> bool:
        return self.is_own_article(url)

    def _hrefs(self, response: TextResponse) -> list[str]:
        if isinstance(response, XmlResponse):
            return _A_HREFS(response.selector.root)
        return page_hrefs(response.text)

    def _links(self, response: TextResponse) -> Iterator[tuple[str, int]]:
        """The page's links to this site, absolute, each with its class (_ARTICLE, _LISTING, _OTHER)."""
        base = get_base_url(response)  # what response.urljoin joins with (<base href> honoured)
        origin = page_origin(base)
        for href in self._hrefs(response):
            href = href.strip()
            if not href or href.startswith(_NOT_LINKS):
                continue
            if origin and joins_from_origin(href):
                url, link_class = self._origin_link(origin, href)
            else:
                url = urljoin(base, href)
                link_class = self._link_class(url)
            if link_class != _FOREIGN:
                yield url, link_class

    def _classify_origin_link(self, origin: str, href: str) -> tuple[str, int]:
        url = _join_from_root(origin, href)
        return url, self._link_class(url)

    def _classify_link(self, url: str) -> int:
        """A pure function of the URL and the config (the crawl's caches are bounded)."""
        if urlsplit(url).scheme not in ("http", "https") or not self.site.owns(url):
            return _FOREIGN
        if self.is_article_url(url):
            return _ARTICLE
        return _LISTING if self.is_listing_url(url) else _OTHER

    def _next_listing(self, url: str, depth: int) -> scrapy.Request | None:
        if depth >= self.resolved.discovery.max_listing_pages:
            self.crawler.stats.inc_value("discovery/listing_depth_reached")
            return None
        return self._request(url, "listing", {LISTING_DEPTH: depth})

    def _follow_pagination(self, response: TextResponse, kind: str) -> Iterator[scrapy.Request]:
        if kind == "article":
            return
        depth = response.meta.get(LISTING_DEPTH, 0)
        for selector in self.resolved.discovery.pagination:
            for anchor in response.css(selector):
                hrefs = [anchor.attrib["href"]] if "href" in anchor.attrib else anchor.css("a::attr(href)").getall()
                for href in hrefs:
                    url = response.urljoin(href.strip())
                    if self.site.owns(url) and not self.is_article_url(url):
                        request = self._next_listing(url, depth + 1)
                        if request:
                            yield request

    def _follow_links(self, response: TextResponse, kind: str) -> Iterator[scrapy.Request]:
        """Articles from any page; listings only from non-article pages. A listing found on a
        listing page is counted one page deeper, so pagination drawn as plain links is bounded."""
        next_depth = response.meta.get(LISTING_DEPTH, -1) + 1 if kind == "listing" else 0
        stats = self.crawler.stats
        for url, link_class in self._links(response):
            if link_class == _ARTICLE:
                stats.inc_value("discovery/article_links")
                if self._recent_articles.first_time(url):
                    yield self._request(url, "article", priority=ARTICLE_PRIORITY)
                else:
                    stats.inc_value("discovery/repeated_article_links")
            elif kind != "article" and link_class == _LISTING:
                stats.inc_value("discovery/listing_links")
                request = self._next_listing(url, next_depth)
                if request:
                    yield request
