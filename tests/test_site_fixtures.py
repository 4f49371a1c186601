"""Every configured site is guarded by stored pages with their expected output.

One parametrized test finds tests/fixtures/sites/<site>/<name>.html (or .html.gz) with <name>.txt
(the corpus document, byte for byte) and <name>.meta.json (url and metadata); a
configured site without fixtures fails.
"""

from __future__ import annotations

import json

import pytest

from cleaners.document import METADATA_FIELDS
from cleaners.siteconfig import ConfigRegistry
from crawler.sitefixtures import companion, fixture_pages, page_bytes, page_name

from conftest import SITE_FIXTURES


def _fixture_pages():
    return sorted([*SITE_FIXTURES.glob("*/*.html"), *SITE_FIXTURES.glob("*/*.html.gz")])


def _configured_sites():
    return sorted(ConfigRegistry().sites)


@pytest.mark.parametrize("site", _configured_sites())
def test_every_configured_site_has_fixtures(site):
    pages = fixture_pages(site, SITE_FIXTURES)
    assert pages, f"site {site} has no fixture pages in {SITE_FIXTURES / site}"
    for page in pages:
        assert companion(page, ".meta.json").exists(), f"{page} has no .meta.json"


@pytest.mark.parametrize("page", _fixture_pages(), ids=lambda p: f"{p.parent.name}/{page_name(p)}")
def test_fixture_page_cleans_to_expected(page, cleaner):
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
