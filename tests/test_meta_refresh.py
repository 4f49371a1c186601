"""MetaRefreshFromBytesMiddleware (crawler/crawl/middlewares.py) redirects exactly where Scrapy's
MetaRefreshMiddleware does, on every Vietnamese page we hold (site fixtures, the real pages of
../shared/benchmarks/vn-real*) and on pages made to put a refresh where a byte scan could miss
it; and it does not decode a page that holds none."""

from __future__ import annotations

import pytest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from conftest import vietnamese_pages
from crawler.crawl import settings as project_settings
from crawler.crawl.middlewares import META_REFRESH_SCAN_BYTES, MetaRefreshFromBytesMiddleware

URL = "https://baolaichau.vn/tin-tuc/a-1.html"
REFRESH = '<meta http-equiv="refresh" content="0; url=/moi/b-2.html">'


def middlewares():
    crawler = get_crawler()
    return MetaRefreshMiddleware.from_crawler(crawler), MetaRefreshFromBytesMiddleware.from_crawler(crawler)


def outcome(middleware, body: bytes, content_type: str | None):
    """What the middleware made of a fresh response: "kept", or the URL it redirects to; and
    whether the body was decoded on the way."""
    headers = {"Content-Type": content_type} if content_type else {}
    response = HtmlResponse(URL, body=body, headers=headers)
    result = middleware.process_response(Request(URL), response)
    made = "kept" if result is response else result.url
    return made, response._cached_ubody is not None


def page(head: str, body: str = "<p>Bài viết.</p>") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


FILLER_VI = "<!-- Tin tức tổng hợp của báo Lai Châu -->"  # 42 characters, 52 bytes in UTF-8

MADE = {
    "refresh in the head": (page(REFRESH), "utf-8"),
    "upper case": (page(REFRESH.upper().replace("/MOI/B-2.HTML", "/moi/b-2.html")), "utf-8"),
    "refresh with no url (a reload)": (page('<meta http-equiv="refresh" content="1800">'), "utf-8"),
    "inside a script": (page(f"<script>var s = '{REFRESH}';</script>"), "utf-8"),
    "inside a comment": (page(f"<!-- {REFRESH} -->"), "utf-8"),
    # Scrapy reads 4096 characters: a tag at character ~5000 is past them (and within the scan's bytes)
    "past 4096 ASCII characters": (page("<!-- x -->" * 500 + REFRESH), "utf-8"),
    # ~4000 characters of Vietnamese are ~5,000 bytes: within Scrapy's characters and the scan's bytes
    "after 4000 Vietnamese characters": (page(FILLER_VI * 95 + REFRESH), "utf-8"),
    "windows-1258, declared in the page": (page('<meta charset="windows-1258"><title>Lai Châu</title>' + REFRESH,
                                                "<p>Lai Châu</p>"), "windows-1258"),
    "UTF-16 with its BOM": ("\ufeff" + page(REFRESH), "utf-16"),
    "no charset anywhere": (page(REFRESH), "utf-8"),
}


@pytest.mark.parametrize("name", sorted(MADE))
@pytest.mark.parametrize("declared", [True, False], ids=["charset in the header", "no header charset"])
def test_made_pages_redirect_as_with_scrapys_middleware(name, declared):
    text, encoding = MADE[name]
    body = text.encode(encoding)
    content_type = f"text/html; charset={encoding}" if declared else "text/html"
    scrapys, ours = middlewares()
    assert outcome(ours, body, content_type)[0] == outcome(scrapys, body, content_type)[0]


def test_the_made_pages_cover_both_answers():
    scrapys, _ = middlewares()
    answers = {outcome(scrapys, text.encode(enc), f"text/html; charset={enc}")[0] for text, enc in MADE.values()}
    assert answers == {"kept", "https://baolaichau.vn/moi/b-2.html"}


def test_every_page_we_hold_gets_scrapys_answer():
    scrapys, ours = middlewares()
    pages = vietnamese_pages()
    assert len(pages) > 40
    for path in pages:
        body = path.read_bytes()
        for content_type in ("text/html", "text/html; charset=utf-8"):
            assert outcome(ours, body, content_type)[0] == outcome(scrapys, body, content_type)[0], path


def test_a_page_without_a_refresh_is_not_decoded():
    """The point of the middleware: Scrapy's decodes every page whole to find nothing."""
    scrapys, ours = middlewares()
    body = page("<title>Lai Châu</title>", "<p>Bài viết.</p>" * 5000).encode()
    assert len(body) > 2 * META_REFRESH_SCAN_BYTES
    assert outcome(ours, body, "text/html; charset=utf-8") == ("kept", False)
    assert outcome(scrapys, body, "text/html; charset=utf-8") == ("kept", True)


def test_the_crawl_uses_it_in_place_of_scrapys():
    mws = project_settings.DOWNLOADER_MIDDLEWARES
    assert mws["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert mws["crawler.crawl.middlewares.MetaRefreshFromBytesMiddleware"] == 580  # Scrapy's own place
