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

from crawler.replica.build_fixtures import DEFAULT_SHOWN, expected_meta, expected_text
from crawler.replica.families import renderer_for
from crawler.replica.model import load_site, site_names

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
