"""Feeds and sitemaps: links come out, hostile XML does nothing."""

import gzip
import time

import pytest

from crawler.crawl.discovery import TooLarge, feed_links, sitemap_links

BASE = "https://baolaichau.vn/rss/home.rss"


def test_rss_links_in_order_relative_resolved_duplicates_once():
    rss = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
      <item><title>Một</title><link>https://baolaichau.vn/xa-hoi/mot-1.html</link></item>
      <item><title>Hai</title><link> /xa-hoi/hai-2.html </link></item>
      <item><title>Ba</title><guid isPermaLink="true">https://baolaichau.vn/ba-3.html</guid></item>
      <item><title>Bốn</title><guid isPermaLink="false">tag:4</guid></item>
      <item><link>https://baolaichau.vn/xa-hoi/mot-1.html</link></item>
      <item><link>javascript:alert(1)</link></item>
    </channel></rss>""".encode("utf-8")
    assert feed_links(rss, BASE) == ["https://baolaichau.vn/xa-hoi/mot-1.html",
                                     "https://baolaichau.vn/xa-hoi/hai-2.html", "https://baolaichau.vn/ba-3.html"]


def test_atom_alternate_links():
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <link rel="enclosure" href="https://x.vn/a.jpg"/><link href="https://x.vn/bai-1.html"/></entry>
      <entry><link rel="alternate" href="https://x.vn/bai-2.html"/></entry></feed>"""
    assert feed_links(atom, BASE) == ["https://x.vn/bai-1.html", "https://x.vn/bai-2.html"]


def test_sitemap_index_and_urlset():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://x.vn/sitemap-vi.news.xml</loc></sitemap></sitemapindex>"""
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://x.vn/news/a-1.html</loc><lastmod>2024-01-01</lastmod></url>
      <url><loc>https://x.vn/news/b-2.html</loc></url></urlset>"""
    assert sitemap_links(index, BASE) == ("index", ["https://x.vn/sitemap-vi.news.xml"])
    assert sitemap_links(urlset, BASE) == ("urlset", ["https://x.vn/news/a-1.html", "https://x.vn/news/b-2.html"])
    assert sitemap_links(gzip.compress(urlset), BASE)[1] == ["https://x.vn/news/a-1.html", "https://x.vn/news/b-2.html"]


def test_not_xml_gives_nothing():
    assert feed_links("<html><body>Trang chủ</body></html>".encode(), BASE) == []
    assert sitemap_links(b"\x00\x01binary", BASE) == ("unknown", [])
    assert feed_links(b"", BASE) == []


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    for payload in (f'<!ENTITY xxe SYSTEM "file://{secret}">', f'<!ENTITY % p SYSTEM "file://{secret}"> %p;'):
        rss = (f'<?xml version="1.0"?><!DOCTYPE rss [{payload}]><rss><channel>'
               f'<item><link>https://x.vn/a-1.html&xxe;</link></item>'
               f'<item><link>&xxe;</link></item></channel></rss>').encode()
        links = feed_links(rss, BASE)
        assert not any("TOP-SECRET" in link for link in links)
    urlset = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY xxe SYSTEM "file://{secret}">]>'
              f'<urlset><url><loc>https://x.vn/&xxe;</loc></url></urlset>').encode()
    assert not any("TOP-SECRET" in link for link in sitemap_links(urlset, BASE)[1])


def test_billion_laughs_is_not_expanded():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss><channel>'
            f'<item><link>https://x.vn/a-1.html</link><title>&lol9;</title></item></channel></rss>').encode()
    started = time.monotonic()
    assert feed_links(bomb, BASE) == ["https://x.vn/a-1.html"]
    assert time.monotonic() - started < 2


def test_gzip_bomb_is_cut_off():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(TooLarge):
        sitemap_links(bomb, BASE, max_size=1_000_000)
