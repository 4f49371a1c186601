"""Every configured site is guarded by stored pages with their expected output.

One parametrized test finds tests/fixtures/sites/<site>/<name>.html with <name>.txt
(the corpus document, byte for byte) and <name>.meta.json (url and metadata); a
configured site without fixtures fails.
"""

from __future__ import annotations

import json

import pytest

from cleaners.document import METADATA_FIELDS
from cleaners.siteconfig import ConfigRegistry

from conftest import SITE_FIXTURES


def _fixture_pages():
    return sorted(SITE_FIXTURES.glob("*/*.html"))


def _configured_sites():
    return sorted(ConfigRegistry().sites)


@pytest.mark.parametrize("site", _configured_sites())
def test_every_configured_site_has_fixtures(site):
    pages = list((SITE_FIXTURES / site).glob("*.html"))
    assert pages, f"site {site} has no fixture pages in {SITE_FIXTURES / site}"
    for page in pages:
        assert page.with_suffix(".meta.json").exists(), f"{page} has no .meta.json"


@pytest.mark.parametrize("page", _fixture_pages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_page_cleans_to_expected(page, cleaner):
    meta = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))
    result = cleaner.clean(page.read_bytes(), url=meta.get("url"))
    expected_text = page.with_suffix(".txt")
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
