"""The CMS families of research §3 beyond NukeViet: EPI, the /<cat>/<yyyymm>/<slug>-<id>/
family, ASP.NET table-layout portals, Joomla and WordPress.

- every article of the replica papers on these families cleans to exactly what its data
  says (headline, lead, paragraphs, captions; metadata the site prints), so the profiles
  and site configs are checked on every page, not only the saved fixture;
- a page of an *unconfigured* site of each family (tests/fixtures/cms_families/<family>/)
  is recognized by its profile's fingerprints and cleaned with it;
- a page of one family is never taken for another (NukeViet for EPI, ...);
- each profile's article URL patterns accept its replica's article URLs and refuse its
  listing, tag and feed URLs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replica.build_fixtures import DEFAULT_SHOWN, expected_meta, expected_text
from replica.families import renderer_for
from replica.model import load_site, site_names

from conftest import FIXTURES, SITE_FIXTURES

FAMILY_PROFILES = {"epi": "epi", "yyyymm": "yyyymm", "aspnet": "aspnet"}  # replica family -> profile
FAMILY_PAGES = FIXTURES / "cms_families"
NEW_PROFILES = ("epi", "yyyymm", "aspnet", "joomla", "wordpress")


def family_sites() -> list[str]:
    return [name for name in site_names() if load_site(name).family in FAMILY_PROFILES]


def family_articles() -> list[tuple[str, int]]:
    return [(name, art.id) for name in family_sites() for art in load_site(name).articles]


# ------------------------------------------------------------------ configured papers
@pytest.mark.parametrize("site,article_id", family_articles(), ids=lambda v: str(v))
def test_every_replica_article_cleans_to_its_data(cleaner, site, article_id):
    data = load_site(site)
    family = renderer_for(data)
    art = data.article(article_id)
    result = cleaner.clean(family.article_page(art).encode("utf-8"), url=family.article_url(art))
    assert result.ok, f"{site} {article_id} rejected: {result.reason} ({result.detail})"
    assert result.site == site and result.cms == FAMILY_PROFILES[data.family]
    assert result.document.text == expected_text(art)
    meta = expected_meta(art, data.chrome.get("shows", DEFAULT_SHOWN))
    assert {k: getattr(result.document, k) for k in meta} == meta


def test_fixture_pages_are_what_the_replica_serves():
    """The saved page of each family paper is the replica's page, byte for byte, so the fixture
    test and the crawl see the same markup (build_fixtures writes both from one renderer)."""
    checked = 0
    for site in family_sites():
        data = load_site(site)
        family = renderer_for(data)
        for art in (a for a in data.articles if a.fixture):
            page = SITE_FIXTURES / site / f"{art.fixture}.html"
            assert page.read_bytes() == family.article_page(art).encode("utf-8"), page
            meta = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))
            assert meta["url"] == family.article_url(art)
            assert page.with_suffix(".txt").read_text(encoding="utf-8") == expected_text(art)
            checked += 1
    assert checked >= len(family_sites()) >= 10


# ------------------------------------------------------------------ unconfigured sites
def family_pages() -> list[Path]:
    return sorted(FAMILY_PAGES.glob("*/*.html"))


def page_meta(page: Path) -> dict:
    return json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))


def test_every_family_has_an_unconfigured_page():
    assert {p.parent.name for p in family_pages()} == set(NEW_PROFILES)


@pytest.mark.parametrize("page", family_pages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_unconfigured_page_is_cleaned_with_its_family_profile(cleaner, registry, page):
    meta = page_meta(page)
    assert registry.site_for_url(meta["url"]) is None, "the page must be of an unconfigured site"
    result = cleaner.clean(page.read_bytes(), url=meta["url"])
    assert result.ok, f"{page} rejected: {result.reason} ({result.detail})"
    assert meta["cms"] == page.parent.name
    assert (result.site, result.cms) == ("generic", meta["cms"])
    assert "fallback/generic" not in result.counts, "the profile's selectors must find the body"
    assert result.document.text == page.with_suffix(".txt").read_text(encoding="utf-8")
    for name in ("title", "published", "author", "source", "kicker", "category"):
        if name in meta:
            assert getattr(result.document, name) == meta[name], name


# ------------------------------------------------------------------ detection
def detected(cleaner, html: bytes, url: str | None) -> str | None:
    from cleaners.extract import parse_html
    from cleaners.structured import structured_metadata

    tree = parse_html(html.decode("utf-8"))
    return cleaner.detect_cms(tree, url, structured_metadata(tree))


NUKEVIET_PAGE = SITE_FIXTURES / "backan-nukeviet" / "sample-001.html"


@pytest.mark.parametrize("page", family_pages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_family_page_is_detected_with_or_without_its_url(cleaner, page):
    """Fingerprints in the markup suffice; the URL pattern only narrows, it never decides alone."""
    assert detected(cleaner, page.read_bytes(), page_meta(page)["url"]) == page.parent.name
    assert detected(cleaner, page.read_bytes(), None) == page.parent.name


def test_nukeviet_is_not_taken_for_another_family(cleaner):
    html = NUKEVIET_PAGE.read_bytes()
    assert detected(cleaner, html, "https://portal.example.vn/news/tin-tuc/bai-viet-123.html") == "nukeviet4"
    # Even on URLs shaped like the other families' articles, NukeViet markup stays NukeViet.
    for url in ("https://portal.example.vn/bai-viet-post123.html",
                "https://portal.example.vn/tin-tuc/202401/bai-viet-123/",
                "https://portal.example.vn/viewer.aspx?mabb=1&macm=2"):
        assert detected(cleaner, html, url) == "nukeviet4", url


# Families recognized by markup *and* URL shape (Joomla and WordPress have a generator meta).
FOREIGN_URL = {"epi": "https://x.example.vn/tin-tuc/202401/bai-viet-123/",
               "yyyymm": "https://x.example.vn/bai-viet-post123.html",
               "aspnet": "https://x.example.vn/bai-viet-post123.html"}


@pytest.mark.parametrize("family", sorted(FOREIGN_URL))
def test_a_family_page_on_another_familys_url_shape(cleaner, family):
    """Markup with a family's fingerprints on another family's article URL is not that family:
    h2#title or a __VIEWSTATE field alone are too common to decide."""
    (page,) = (FAMILY_PAGES / family).glob("*.html")
    assert detected(cleaner, page.read_bytes(), FOREIGN_URL[family]) != family


@pytest.mark.parametrize("page", family_pages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_other_families_pages_are_not_this_family(cleaner, page):
    """Each family page is detected as its own family only: the fingerprints do not overlap."""
    for other in family_pages():
        if other.parent.name != page.parent.name:
            assert detected(cleaner, other.read_bytes(), page_meta(other)["url"]) != page.parent.name


def test_generic_news_page_without_fingerprints_is_no_family(cleaner):
    html = ("<html><head><title>Tin</title></head><body><h1>Một bài báo bình thường</h1>"
            "<div class='article__body'><p>Nội dung.</p></div><h2>Phụ đề</h2></body></html>").encode()
    for url in ("https://x.example.vn/bai-viet-post123.html", "https://x.example.vn/a/202401/b-1/",
                "https://x.example.vn/viewer.aspx?mabb=1"):
        assert detected(cleaner, html, url) is None, url


# ------------------------------------------------------------------ article URL patterns
def site_rules(registry, site: str):
    """The site's resolved rules, and the bare profile's when the site keeps its patterns."""
    resolved = registry.resolve(site)
    rules = [resolved]
    if registry.sites[site].articles is None or not registry.sites[site].articles.allow:
        rules.append(registry.resolve_profile(resolved.cms))
    return rules


@pytest.mark.parametrize("site", family_sites())
def test_article_patterns_accept_articles_and_refuse_listings(registry, site):
    data = load_site(site)
    family = renderer_for(data)
    listings = [family.absolute(family.category_path(c, n))
                for c in data.categories for n in range(1, family.page_count(c) + 1)]
    others = [family.absolute(p) for p in ("/", "/rss/home.rss", "/sitemap.xml", "/robots.txt")]
    for rules in site_rules(registry, site):
        for art in data.articles:
            assert rules.is_article_url(family.article_url(art)), (rules.name, family.article_url(art))
        for url in listings + others:
            assert not rules.is_article_url(url), (rules.name, url)


def test_profiles_refuse_tag_print_and_search_urls(registry):
    refused = {
        "epi": ["/cau-dan-sinh-tag812.html", "/tim-kiem.html?q=cau"],
        "yyyymm": ["/kinh-te/", "/kinh-te/?page=2", "/dataimages/202403/original/images1_a.jpg"],
        "aspnet": ["/viewer.aspx?macm=3", "/timkiem.aspx?tukhoa=cau"],
        "joomla": ["/index.php?option=com_content&view=category&id=8&Itemid=112",
                   "/index.php?option=com_content&view=article&id=214&catid=8&tmpl=component&print=1"],
    }
    for profile, paths in refused.items():
        rules = registry.resolve_profile(profile)
        for path in paths:
            assert not rules.is_article_url("https://x.example.vn" + path), (profile, path)


def test_unconfigured_pages_urls_are_articles_for_their_profile(registry):
    for page in family_pages():
        rules = registry.resolve_profile(page.parent.name)
        url = page_meta(page)["url"]
        if page.parent.name == "wordpress":
            continue  # the WordPress profile only denies; sites say what their permalinks are
        assert rules.is_article_url(url), (page.parent.name, url)
