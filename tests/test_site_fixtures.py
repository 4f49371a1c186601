"""Every configured site is guarded by pages with their expected output.

One parametrized test over every site's fixture folder tests/fixtures/sites/<site>/:
- a saved page <name>.html (or .html.gz) with <name>.txt (the corpus document, byte for byte) and
  <name>.meta.json (url and metadata, or "rejected": REASON for a page the site must reject);
- for a site checked against pages it really served (verified: real-page), real-pages.yaml lists
  those pages in ../shared (not copied: their publishers forbid redistribution): each article
  must give its hand-made gold NAME.gold.txt (in the gold's own whitespace form, see
  crawler.sitefixtures.gold_form) and the title, publication day and author of NAME.meta.json; each
  page that is not an article must be rejected. Without ../shared these skip, and fail under CI=true.
A configured site without fixtures fails; a real-page site must have real pages, and a site
that says replica or assumed must not claim any.
"""

from __future__ import annotations

import json

import pytest

from cleaners.document import METADATA_FIELDS
from cleaners.siteconfig import ConfigRegistry
from crawler.sitefixtures import RealPage, check_fixture, companion, fixture_pages, page_bytes, page_name

from conftest import SITE_FIXTURES, missing_shared


def _configured_sites():
    return sorted(ConfigRegistry().sites)


def _all_pages():
    return [page for site in sorted(p.name for p in SITE_FIXTURES.iterdir() if p.is_dir())
            for page in fixture_pages(site, SITE_FIXTURES)]


@pytest.mark.parametrize("site", _configured_sites())
def test_every_configured_site_has_fixtures(site, registry):
    pages = fixture_pages(site, SITE_FIXTURES)
    assert pages, f"site {site} has no fixture pages in {SITE_FIXTURES / site}"
    for page in pages:
        if isinstance(page, RealPage):
            continue
        assert companion(page, ".meta.json").exists(), f"{page} has no .meta.json"
    real = [page for page in pages if isinstance(page, RealPage)]
    if registry.sites[site].verified == "real-page":
        assert real, f"site {site} says verified: real-page but lists no real page in real-pages.yaml"
        assert any(page.kind == "article" for page in real), f"site {site}: no real article page"
    else:
        assert not real, f"site {site} lists real pages but says verified: {registry.sites[site].verified}"


@pytest.mark.parametrize("page", _all_pages(), ids=lambda p: f"{p.parent.name}/{page_name(p)}")
def test_fixture_page_cleans_to_expected(page, cleaner):
    if isinstance(page, RealPage):
        if not page.exists():
            missing_shared(page.path)
        result = check_fixture(cleaner, page)
        assert result.ok, "\n".join(result.problems)
        return
    meta = json.loads(companion(page, ".meta.json").read_text(encoding="utf-8"))
    result = cleaner.clean(page_bytes(page), url=meta.get("url"))
    expected_text = companion(page, ".txt")
    if not expected_text.exists():  # a page the site must reject
        assert not result.ok, f"{page} should be rejected"
        assert result.reason == meta["rejected"]
        return
    assert result.ok, f"{page} rejected: {result.reason} ({result.detail})"
    assert result.site == page.parent.name
    assert result.document.text == expected_text.read_text(encoding="utf-8")
    for name in METADATA_FIELDS + ("title",):
        if name in meta:
            assert getattr(result.document, name) == meta[name], name


def _real_pages():
    return [page for page in _all_pages() if isinstance(page, RealPage)]


@pytest.mark.parametrize("page", _real_pages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_real_urls_belong_to_their_site_and_match_its_article_patterns(page, registry):
    """The URLs in real-pages.yaml (no ../shared needed): the site owns them, its article
    patterns accept the article URLs and refuse the others (home, 404, category listings)."""
    site = page.parent.name
    assert registry.site_for_url(page.url) == site
    assert registry.resolve(site).is_article_url(page.url) == (page.kind == "article"), page.url
