"""The replica sites: loopback server, Host dispatch, fixtures, listings, feeds.

Requests go to 127.0.0.1 with the real site's Host header, exactly as the
crawler's tests and demo crawl send them.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from replica import (ReplicaServer, article_urls, replica_sites, site_domain,
                             special_urls)
from replica.families import renderer_for
from replica.model import load_site

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
SAMPLES = Path("/work/shared/samples")
SAMPLE_OF_SITE = {"backancity": "000", "backan-nukeviet": "001", "baovinhphuc": "002",
                  "backan-news": "003", "baolaichau": "004"}
CANONICAL_RE = re.compile(r'<link rel="canonical" href="([^"]+)"')


@pytest.fixture(scope="module")
def server():
    with ReplicaServer() as srv:
        yield srv


def fetch(server: ReplicaServer, url: str) -> tuple[int, str, bytes]:
    """GET a real-domain URL from the replica: loopback address, real Host header."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = urllib.request.Request(server.base_url + target, headers={"Host": parts.netloc})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def canonical(body: bytes) -> str:
    match = CANONICAL_RE.search(body.decode("utf-8"))
    assert match, "page has no canonical link"
    return html.unescape(match.group(1))


def absolute(site: str, href: str) -> str:
    return load_site(site).origin + href


def links(body: bytes) -> set[str]:
    soup = BeautifulSoup(body, "html.parser")
    return {html.unescape(a["href"]) for a in soup.find_all("a", href=True)}


def fixture_pages() -> list[tuple[str, Path]]:
    return sorted((p.parent.name, p) for p in FIXTURES.glob("*/sample-*.html"))


def sample_file(kind: str, site: str, suffix: str) -> Path:
    (path,) = (SAMPLES / kind).glob(f"{SAMPLE_OF_SITE[site]}_*{suffix}")
    return path


needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not mounted")


# ------------------------------------------------------------------ server basics
def test_server_listens_on_loopback_free_port(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.port > 0
    assert server.base_url == f"http://127.0.0.1:{server.port}"


def test_server_refuses_non_loopback_bind():
    with pytest.raises(ValueError):
        ReplicaServer(host="0.0.0.0")


def test_start_stop_without_context_manager():
    srv = ReplicaServer().start()
    try:
        status, _, _ = fetch(srv, f"http://{site_domain('baolaichau')}/")
        assert status == 200
    finally:
        srv.stop()


def test_unknown_host_is_404(server):
    status, _, body = fetch(server, "http://example.com/")
    assert status == 404
    assert b"unknown host" in body


def test_dispatch_by_host_header(server):
    """The same path gives each site's own home page."""
    titles = set()
    for site in replica_sites():
        status, content_type, body = fetch(server, absolute(site, "/"))
        assert status == 200 and content_type == "text/html; charset=utf-8"
        titles.add(BeautifulSoup(body, "html.parser").title.get_text())
    assert len(titles) == len(replica_sites())


def test_host_header_port_and_www_are_ignored(server):
    _, _, plain = fetch(server, "http://baolaichau.vn/")
    _, _, with_port = fetch(server, "http://www.baolaichau.vn:80/")
    assert plain == with_port


def test_absolute_form_request_target(server):
    """Proxied requests name the site in the request line instead of Host."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("GET", "http://baolaichau.vn/robots.txt", skip_host=True)
    conn.putheader("Host", "127.0.0.1")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 200 and b"User-agent" in response.read()
    conn.close()


@pytest.mark.parametrize("site", replica_sites())
def test_unknown_path_is_site_404_page(server, site):
    status, content_type, body = fetch(server, absolute(site, "/khong-ton-tai/trang-nay.html"))
    assert status == 404
    assert content_type == "text/html; charset=utf-8"
    # A real site's 404 page keeps the site's chrome.
    assert load_site(site).chrome["site_name"] in body.decode("utf-8")


# ------------------------------------------------------------------ fixtures
@pytest.mark.parametrize("site,page", fixture_pages(), ids=lambda v: getattr(v, "name", v))
def test_fixture_served_byte_identical(server, site, page):
    meta = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))
    status, content_type, body = fetch(server, meta["url"])
    assert status == 200 and content_type == "text/html; charset=utf-8"
    assert body == page.read_bytes()
    assert meta["url"] in article_urls(site)
    assert canonical(body) == meta["url"]


def test_every_sample_has_a_fixture():
    assert {site for site, _ in fixture_pages()} == set(SAMPLE_OF_SITE)


@needs_samples
@pytest.mark.parametrize("site,page", fixture_pages(), ids=lambda v: getattr(v, "name", v))
def test_fixture_text_and_meta_match_samples(site, page):
    assert page.with_suffix(".txt").read_bytes() == sample_file("expected", site, ".txt").read_bytes()
    expected = json.loads(sample_file("expected", site, ".meta.json").read_text(encoding="utf-8"))
    meta = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))
    for key in ("title", "published", "author", "source", "kicker", "category"):
        assert meta[key] == expected[key], key


def naive_dump(markup: str) -> str:
    """What the naive scraper saw: all body text, image alt texts included."""
    soup = BeautifulSoup(markup, "html.parser")
    for img in soup.find_all("img"):
        img.replace_with(img.get("alt", ""))
    return soup.body.get_text("\n")


def squash(text: str) -> str:
    # The scraper glued adjacent spans ("Đang truy cập300") and bulleted list
    # items; comparing without whitespace and bullets absorbs both.
    return re.sub(r"[\s\u2022]+", "", text)


def missing_in_order(dump: str, lines: list[str]) -> list[str]:
    flat, position, missing = squash(dump), 0, []
    for line in lines:
        key = squash(line)
        if not key:
            continue
        found = flat.find(key, position)
        if found < 0:
            missing.append(line)
        else:
            position = found + len(key)
    return missing


def test_in_order_check_detects_reordering():
    assert missing_in_order("a b c", ["a", "c"]) == []
    assert missing_in_order("a b c", ["c", "a"]) == ["a"]


@needs_samples
@pytest.mark.parametrize("site,page", fixture_pages(), ids=lambda v: getattr(v, "name", v))
def test_naive_dump_contains_raw_sample_in_order(site, page):
    raw = sample_file("raw", site, ".txt").read_text(encoding="utf-8").split("\n")
    dump = naive_dump(page.read_text(encoding="utf-8"))
    assert missing_in_order(dump, raw) == []


@pytest.mark.parametrize("site,page", fixture_pages(), ids=lambda v: getattr(v, "name", v))
def test_fixture_expected_lines_are_in_the_page(site, page):
    """Every expected output line is text of the page (NFC), so cleaning is
    selection, never rewriting."""
    dump = unicodedata.normalize("NFC", naive_dump(page.read_text(encoding="utf-8")))
    expected = page.with_suffix(".txt").read_text(encoding="utf-8").split("\n")
    assert missing_in_order(dump, expected) == []


# ------------------------------------------------------------------ articles
@pytest.mark.parametrize("site", replica_sites())
def test_good_articles_served_with_canonical(server, site):
    urls = article_urls(site)
    assert len(urls) >= 8
    assert len(set(urls)) == len(urls)
    for url in urls:
        status, content_type, body = fetch(server, url)
        assert status == 200 and content_type == "text/html; charset=utf-8", url
        assert canonical(body) == url
        assert body.rstrip().endswith(b"</html>")


def test_percent_encoded_nfd_path_reaches_the_article(server):
    """Diacritic slugs sent from NFD text encode differently; the site still answers."""
    url = next(u for u in article_urls("baolaichau") if "%" in u)
    parts = urlsplit(url)
    decoded = urllib.parse.unquote(parts.path)
    nfd = quote(unicodedata.normalize("NFD", decoded), safe="/")
    assert nfd != parts.path
    assert fetch(server, f"http://{parts.netloc}{nfd}")[2] == fetch(server, url)[2]


@pytest.mark.parametrize("site", replica_sites())
def test_tracking_parameters_are_ignored_other_queries_are_not(server, site):
    url = article_urls(site)[0]
    _, _, plain = fetch(server, url)
    assert fetch(server, url + "?utm_source=test&fbclid=1")[2] == plain
    assert fetch(server, url + "?trang=99")[0] == 404


# ------------------------------------------------------------------ listings
@pytest.mark.parametrize("site", replica_sites())
def test_listing_pagination_links_resolve(server, site):
    data = load_site(site)
    family = renderer_for(data)
    good = set(article_urls(site))
    paginated = 0
    for cat in data.categories:
        pages = family.page_count(cat)
        seen = set()
        for number in range(1, pages + 1):
            url = absolute(site, family.category_path(cat, number))
            status, _, body = fetch(server, url)
            assert status == 200, url
            found = {absolute(site, h) if h.startswith("/") else h for h in links(body)}
            seen |= found & good
            if number < pages:
                assert family.category_path(cat, number + 1) in links(body), url
        # Walking the pages reaches every article of the category.
        assert seen >= {family.article_url(a) for a in data.in_category(cat)}
        paginated += pages > 1
    assert paginated >= 2, "need at least two categories with page 2"


@pytest.mark.parametrize("site", replica_sites())
def test_home_links_categories_and_special_pages(server, site):
    data = load_site(site)
    family = renderer_for(data)
    hrefs = links(fetch(server, absolute(site, "/"))[2])
    for cat in data.categories:
        assert family.category_path(cat) in hrefs
    for path in family.special_paths().values():
        assert path in hrefs


# ------------------------------------------------------------------ feeds, sitemaps, robots
def xml_pages(site: str) -> dict[str, str]:
    family = renderer_for(load_site(site))
    return {path: ctype for path, (ctype, _) in family.extra_pages().items() if path != "/robots.txt"}


@pytest.mark.parametrize("site", replica_sites())
def test_feeds_parse_and_list_article_urls(server, site):
    good = set(article_urls(site))
    feeds = [p for p, ctype in xml_pages(site).items() if "rss" in ctype]
    assert feeds, "every replica site has RSS"
    listed = set()
    for path in feeds:
        status, content_type, body = fetch(server, absolute(site, path))
        assert status == 200 and "rss+xml" in content_type
        channel = ElementTree.fromstring(body).find("channel")
        item_links = [item.findtext("link") for item in channel.iter("item")]
        assert item_links and set(item_links) <= good, path
        listed |= set(item_links)
    assert listed == good


def sitemap_locations(server, site: str, url: str) -> set[str]:
    status, _, body = fetch(server, url)
    assert status == 200, url
    root = ElementTree.fromstring(body)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    if root.tag == f"{ns}sitemapindex":
        found = set()
        for loc in root.iter(f"{ns}loc"):
            found |= sitemap_locations(server, site, loc.text)
        return found
    assert root.tag == f"{ns}urlset"
    return {loc.text for loc in root.iter(f"{ns}loc")}


@pytest.mark.parametrize("site", replica_sites())
def test_robots_and_sitemaps(server, site):
    status, content_type, body = fetch(server, absolute(site, "/robots.txt"))
    assert status == 200 and content_type.startswith("text/plain")
    robots = body.decode("utf-8")
    assert robots.startswith("User-agent: *")
    sitemaps = [line.split(": ", 1)[1] for line in robots.splitlines() if line.startswith("Sitemap:")]
    if site == "backan-news":
        assert sitemaps == []  # that CMS has none; feeds and listings only
        return
    assert sitemaps
    found = set()
    for url in sitemaps:
        found |= sitemap_locations(server, site, url)
    good = set(article_urls(site))
    assert good <= found
    # Besides articles only category pages may be listed, never special pages.
    assert not found & set(special_urls(site).values())


def test_nukeviet_sitemap_index_and_module_feed(server):
    origin = load_site("backan-nukeviet").origin
    root = ElementTree.fromstring(fetch(server, origin + "/sitemap.xml")[2])
    assert [e.text for e in root.iter() if e.tag.endswith("loc")] == [origin + "/sitemap-vi.news.xml"]
    assert fetch(server, origin + "/news/rss/")[0] == 200
    assert fetch(server, origin + "/news/rss/xay-dung-dang/")[0] == 200
    page = fetch(server, article_urls("backan-nukeviet")[0])[2]
    assert b'<meta name="generator" content="NukeViet v4.3">' in page


# ------------------------------------------------------------------ special pages
@pytest.mark.parametrize("site", replica_sites())
def test_special_pages(server, site):
    specials = special_urls(site)
    assert set(specials) == {"english", "listing_only", "broken", "second_url"}
    good = set(article_urls(site))
    assert not good & set(specials.values())

    english = fetch(server, specials["english"])
    assert english[0] == 200
    text = BeautifulSoup(english[2], "html.parser").get_text(" ")
    assert " the " in text and canonical(english[2]) == specials["english"]

    listing = fetch(server, specials["listing_only"])
    assert listing[0] == 200
    listed = {absolute(site, h) if h.startswith("/") else h for h in links(listing[2])}
    assert len(listed & good) >= 2

    status, _, broken = fetch(server, specials["broken"])
    assert status == 200
    tail = broken.decode("utf-8")
    assert not tail.rstrip().endswith("</html>")
    assert tail.rfind("<") > tail.rfind(">"), "page must end inside a tag"

    main_url = canonical(fetch(server, specials["second_url"])[2])
    assert main_url in good and main_url != specials["second_url"]
    assert fetch(server, specials["second_url"])[2] == fetch(server, main_url)[2]
