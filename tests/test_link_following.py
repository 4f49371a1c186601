"""Following links: the spider's shortcuts give what the plain way gives.

The spider joins hrefs with cached origins and classifies URLs from a bounded cache; the
incremental middleware drops an article already asked for; the fingerprint is a digest of
method, canonical URL and body. Each is checked against the straightforward computation.
"""

from __future__ import annotations

import hashlib
import random
from urllib.parse import urljoin, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.crawl.dupefilter import CanonicalRequestFingerprinter
from crawler.crawl.incremental import IncrementalMiddleware
from crawler.crawl.requestmeta import KIND
from crawler.crawl.spider import _join_from_root, joins_from_origin, page_hrefs, page_origin
from crawler.crawl.sitespiders import SPIDERS
from conftest import vietnamese_pages

BASES = ["http://127.0.0.1:8080/a/b.html", "https://x.vn/a/b/?q=1#f", "https://x.vn", "http://u@x.vn:80/p;par?q",
         "https://x.vn/a/b/"]
PIECES = ["/", "//", "http://", "https://", "?", "#", "a", ".", "..", "x.vn", ":", "@", ";", "%2F", " ", "đ"]


def test_an_href_said_to_join_from_the_origin_joins_as_urljoin_does():
    """What the spider's (origin, href) cache relies on: for such an href, the base's origin
    alone gives urljoin's result."""
    rng = random.Random(20240507)
    hrefs = ["/", "//", "//y.vn/z", "http://?q", "http://", "http://#f", "http:///x", "/a/../b", "https://X.VN/A",
             "http://x.vn?q", "a/b", "", "?q", "#f"]
    hrefs += ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6))) for _ in range(20000)]
    from_origin = [href for href in hrefs if joins_from_origin(href)]
    assert "/a/../b" in from_origin and "//y.vn/z" in from_origin and "http://?q" not in from_origin
    for base in BASES:
        origin = page_origin(base)
        assert origin, base
        for href in from_origin:
            assert _join_from_root(origin, href) == urljoin(base, href), (base, href)


def spider_for(site: str = "baolaichau"):
    from crawler.crawl import settings as project

    cls = SPIDERS[site]
    values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    return cls.from_crawler(get_crawler(cls, settings_dict=values))


def plain_links(spider, response):
    """What the spider did before: parsel CSS, response.urljoin, then the URL tests."""
    for href in response.css("a::attr(href)").getall():
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = response.urljoin(href)
        if urlsplit(url).scheme in ("http", "https") and spider.site.owns(url):
            yield url, spider.is_article_url(url), spider.is_listing_url(url)


def test_links_are_those_of_css_and_urljoin(site_fixtures):
    spider = spider_for()
    html = (site_fixtures / "baolaichau").glob("*.html")
    pages = [p.read_bytes() for p in html]
    extra = (b"<html><head><base href='https://baolaichau.vn/xa-hoi/'></head><body><a href='bai-1.html'>1</a>"
             b"<a href=' /kinh-te/bai-2.html '>2</a><a href='//baolaichau.vn/'>h</a><a href='mailto:x@y'>m</a>"
             b"<a href='https://other.vn/x'>o</a><a href='#top'>t</a><a>no href</a></body></html>")
    assert pages
    for body in pages + [extra]:
        response = HtmlResponse("https://baolaichau.vn/xa-hoi/trang.html", body=body, encoding="utf-8")
        got = [(url, cls == 1, cls == 2) for url, cls in spider._links(response)]
        assert got == list(plain_links(spider, response))
        assert got


def test_links_remembered_by_origin_are_those_of_urljoin_on_every_base():
    """The (origin, href) cache must give each page what urljoin gives with the page's own base."""
    import html as html_module

    spider = spider_for()
    rng = random.Random(20261207)
    pieces = PIECES + ["baolaichau.vn", "/xa-hoi/", "le-hoi-mua-xuan-123", "https://baolaichau.vn/"]
    hrefs = ["/", "//", "//baolaichau.vn/kinh-te/gia-lua-tang-456", "http://?q", "https://baolaichau.vn",
             "/xa-hoi/le-hoi-mua-xuan-123", "le-hoi-mua-xuan-123", "../kinh-te/gia-lua-tang-456"]
    hrefs += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))) for _ in range(400)]
    anchors = "".join(f"<a href=\"{html_module.escape(h)}\">x</a>" for h in hrefs)
    for url, base_tag in [("https://baolaichau.vn/xa-hoi/", ""), ("https://baolaichau.vn/kinh-te/trang-2?p=2", ""),
                          ("http://baolaichau.vn/", ""), ("https://baolaichau.vn/a/b.html", "<base href='/xa-hoi/'>"),
                          ("https://baolaichau.vn/", "<base href='http://www.baolaichau.vn/x/'>")]:
        body = f"<html><head>{base_tag}</head><body>{anchors}</body></html>".encode()
        response = HtmlResponse(url, body=body, encoding="utf-8")
        got = [(link, cls == 1, cls == 2) for link, cls in spider._links(response)]
        assert got == list(plain_links(spider, response)), url


def test_an_article_link_repeated_on_later_pages_is_asked_for_once():
    spider = spider_for()
    first, again = "https://baolaichau.vn/xa-hoi/le-hoi-mua-xuan-123", "https://baolaichau.vn/kinh-te/gia-lua-tang-456"
    assert spider.is_article_url(first) and spider.is_article_url(again)
    page = (f"<html><body><a href='{first}'>1</a><a href='{again}'>2</a><a href='{first}'>1 again</a>"
            "<a href='/xa-hoi/'>listing</a></body></html>").encode()

    def article_requests(url):
        response = HtmlResponse(url, body=page, encoding="utf-8", request=Request(url, meta={KIND: "listing"}))
        return [r.url for r in spider._follow_links(response, "listing") if r.meta[KIND] == "article"]

    assert article_requests("https://baolaichau.vn/xa-hoi/") == [first, again]
    assert article_requests("https://baolaichau.vn/kinh-te/") == []  # the same links on the next page
    stats = spider.crawler.stats
    assert stats.get_value("discovery/article_links") == 6
    assert stats.get_value("discovery/repeated_article_links") == 4


def test_recent_links_forget_the_least_recently_seen_first():
    from crawler.crawl.spider import RecentLinks

    recent = RecentLinks(size=2)
    assert recent.first_time("a") and recent.first_time("b")
    assert not recent.first_time("a")  # now the most recent
    assert recent.first_time("c")  # "b" falls out, not "a"
    assert not recent.first_time("a") and not recent.first_time("c")
    assert recent.first_time("b")


def test_lexbor_finds_the_hrefs_the_lxml_tree_has_on_every_vietnamese_page():
    """page_hrefs parses with lexbor; on the pages of our sites it must give what parsel's
    `a::attr(href)` gives (its lxml tree), in the same order."""
    from cleaners.decode import decode_html

    pages = vietnamese_pages()
    assert sum("vn-real" in str(p) for p in pages) == 24 and len(pages) >= 44, len(pages)
    for path in pages:
        text = decode_html(path.read_bytes()).text
        expected = [h for h in HtmlResponse("https://x.vn/", body=text.encode(), encoding="utf-8")
                    .css("a::attr(href)").getall() if h]
        assert page_hrefs(text) == expected, path
        assert expected or "redirect" in path.name, path


def test_lexbor_reads_links_as_a_browser_does():
    html = ("<html><body><a href='/a'>a<a href='/b'>b</a></a><template><a href='/hidden'>t</a></template>"
            "<a href=''>empty</a><a href>none</a><A HREF='/upper'>u</A><svg><a href='/svg'>s</a></svg></body></html>")
    assert page_hrefs(html) == ["/a", "/b", "/upper", "/svg"]


def test_the_incremental_middleware_drops_an_article_asked_for_already(tmp_path):
    crawler = get_crawler(settings_dict={"VNNEWS_OUTPUT": str(tmp_path), "VNNEWS_STATE": True})
    middleware = IncrementalMiddleware(crawler)
    middleware.canonical = lambda url: url.replace("http://", "https://")
    article = Request("https://baolaichau.vn/xa-hoi/bai-1.html", meta={KIND: "article"})
    respelled = Request("http://baolaichau.vn/xa-hoi/bai-1.html", meta={KIND: "article"})
    listing = Request("https://baolaichau.vn/xa-hoi/", meta={KIND: "listing"})
    assert middleware.wanted(article)
    assert not middleware.wanted(respelled)  # the dupefilter would have dropped it
    assert middleware.wanted(listing) and middleware.wanted(listing)  # listings are the dupefilter's
    assert crawler.stats.get_value("incremental/article_requests") == 1
    assert crawler.stats.get_value("incremental/repeated_links") == 1


def test_fingerprints_are_stable_and_tell_method_and_body_apart():
    fingerprinter = CanonicalRequestFingerprinter()
    get = Request("https://baolaichau.vn/xa-hoi/bai-1.html?utm_source=x")
    assert fingerprinter.fingerprint(get) == CanonicalRequestFingerprinter().fingerprint(
        Request("https://baolaichau.vn/xa-hoi/bai-1.html"))
    post = Request(get.url, method="POST")
    with_body = Request(get.url, method="POST", body=b"a=1")
    prints = {fingerprinter.fingerprint(r) for r in (get, post, with_body)}
    assert len(prints) == 3
    # what a JOBDIR's requests.seen keeps: the same in every process and run
    canonical = fingerprinter.canonical(get.url).encode()
    expected = hashlib.sha1(b"GET " + canonical + b" " + hashlib.sha1(b"").digest()).digest()
    assert fingerprinter.fingerprint(get) == expected


@pytest.fixture
def site_fixtures():
    from pathlib import Path

    return Path(__file__).parent / "fixtures" / "sites"
