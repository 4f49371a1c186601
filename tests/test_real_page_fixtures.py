"""The real-page fixture mechanism (crawler/sitefixtures.py RealPage), on a stand-in shared folder.

The real pages themselves are checked by tests/test_site_fixtures.py; here a replica fixture
plays the saved real page (copied to a temporary "shared" folder with a gold and a meta file),
so the comparison rules are tested without ../shared: gold text, gold whitespace form, title,
publication day, author, rejection of a not-article page, a broken list, no regeneration.
"""

from __future__ import annotations

import json
import shutil

import pytest

from crawler.sitefixtures import (RealPage, check_fixture, fixture_pages, gold_form, read_real_pages,
                              regenerate_fixture)

from conftest import SITE_FIXTURES

SAMPLE = SITE_FIXTURES / "baolaichau" / "sample-004"
URL = json.loads(SAMPLE.with_suffix(".meta.json").read_text(encoding="utf-8"))["url"]


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    """A shared folder with one 'real' article and one listing, and a baolaichau fixture folder
    that holds only real-pages.yaml pointing at them."""
    shared = tmp_path / "shared"
    (shared / "benchmarks" / "set").mkdir(parents=True)
    page = shared / "benchmarks" / "set" / "baolaichau-1.html"
    shutil.copy(SAMPLE.with_suffix(".html"), page)
    shutil.copy(SAMPLE.with_suffix(".txt"), page.with_name("baolaichau-1.gold.txt"))
    page.with_name("baolaichau-1.meta.json").write_text(json.dumps({
        "url": URL, "title": "Tích cực chuẩn bị Đại hội Đảng bộ các cấp", "published": "2019-11-29",
        "author": "ĐINH ĐÔNG", "kind": "article"}), encoding="utf-8")
    listing = shared / "benchmarks" / "set" / "baolaichau-list.html"
    listing.write_text("<html><body><h1>Chính trị</h1><ul>" + "".join(
        f"<li><a href='/a{i}'>Tin số {i} về tỉnh</a></li>" for i in range(30)) + "</ul></body></html>",
        encoding="utf-8")
    listing.with_name("baolaichau-list.meta.json").write_text(json.dumps({
        "url": "http://baolaichau.vn/x%C3%A3-h%E1%BB%99i/", "kind": "not-article"}), encoding="utf-8")
    fixtures = tmp_path / "fixtures"
    (fixtures / "baolaichau").mkdir(parents=True)
    (fixtures / "baolaichau" / "real-pages.yaml").write_text(
        "pages:\n"
        f"  - page: ../shared/benchmarks/set/baolaichau-1.html\n    url: \"{URL}\"\n"
        "    origin: a stand-in\n    kind: article\n"
        "  - page: ../shared/benchmarks/set/baolaichau-list.html\n"
        "    url: \"http://baolaichau.vn/x%C3%A3-h%E1%BB%99i/\"\n    origin: a stand-in\n    kind: not-article\n",
        encoding="utf-8")
    monkeypatch.setenv("VNNEWS_SHARED", str(shared))
    return fixtures, page


def test_real_pages_pass_when_they_give_their_gold(stand_in, cleaner):
    fixtures, _ = stand_in
    pages = fixture_pages("baolaichau", fixtures)
    assert [type(p) for p in pages] == [RealPage, RealPage] and [p.kind for p in pages] == ["article", "not-article"]
    for page in pages:
        result = check_fixture(cleaner, page)
        assert result.ok, result.problems  # the author's letter case aside: "ĐINH ĐÔNG" is "Đinh Đông"


def test_a_different_gold_line_fails_with_a_diff(stand_in, cleaner):
    fixtures, page = stand_in
    gold = page.with_name("baolaichau-1.gold.txt")
    gold.write_text(gold.read_text(encoding="utf-8") + "\nmột dòng thừa\n", encoding="utf-8")
    result = check_fixture(cleaner, fixture_pages("baolaichau", fixtures)[0])
    assert not result.ok and "-một dòng thừa" in result.diff


def test_metadata_of_the_gold_is_checked(stand_in, cleaner):
    fixtures, page = stand_in
    meta_path = page.with_name("baolaichau-1.meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(published="2019-11-30", author="Người khác")
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    problems = check_fixture(cleaner, fixture_pages("baolaichau", fixtures)[0]).problems
    assert any(p.startswith("published:") for p in problems) and any(p.startswith("author:") for p in problems)


def test_a_not_article_page_that_gives_a_document_fails(stand_in, cleaner):
    fixtures, page = stand_in
    listing = page.with_name("baolaichau-list.html")
    shutil.copy(page, listing)  # now an article stands where the listing was
    result = check_fixture(cleaner, fixture_pages("baolaichau", fixtures)[1])
    assert not result.ok and result.problems[0].startswith("expected rejected")


def test_missing_shared_page_is_a_problem_not_a_pass(stand_in, cleaner):
    fixtures, page = stand_in
    page.unlink()
    real = fixture_pages("baolaichau", fixtures)[0]
    assert not real.exists()
    result = check_fixture(cleaner, real)
    assert not result.ok and "not found" in result.problems[0]


def test_real_pages_are_never_regenerated(stand_in, cleaner):
    fixtures, _ = stand_in
    with pytest.raises(ValueError, match="never regenerated"):
        regenerate_fixture(cleaner, fixture_pages("baolaichau", fixtures)[0])


@pytest.mark.parametrize("entry, message", [
    ("  - page: x.html\n    url: u\n    origin: o\n", "missing or not a string: kind"),
    ("  - page: x.html\n    url: u\n    origin: o\n    kind: listing\n", "expected one of article, not-article"),
    ("  - page: x.txt\n    url: u\n    origin: o\n    kind: article\n", "saved .html page"),
    ("  - page: x.html\n    url: u\n    origin: o\n    kind: article\n    gold: y\n", "unknown key(s) gold"),
])
def test_a_broken_list_names_the_entry(tmp_path, entry, message):
    (tmp_path / "real-pages.yaml").write_text("pages:\n" + entry, encoding="utf-8")
    with pytest.raises(ValueError, match=r"real-pages.yaml:2: pages\[0\]") as raised:
        read_real_pages(tmp_path)
    assert message in str(raised.value)


def test_gold_form_forgives_only_whitespace_and_invisible_characters():
    assert gold_form("Ông\u00a0A (địa chỉ)\ufeff\n\nB") == gold_form("Ông A (địa chỉ)\n\nB")
    assert gold_form("Ông A") != gold_form("Ông B") and gold_form("a\nb") != gold_form("a b")


def test_the_demo_crawls_the_replica_sites_and_names_the_others(registry):
    """Sites configured from real pages have no replica data: `vnnews demo` leaves them out (and
    says so) instead of crawling hosts the loopback replica does not serve."""
    from crawler.commands.demo import demo_sites
    from replica import replica_sites

    crawled, left_out = demo_sites(sorted(registry.sites), replica_sites())
    assert crawled == sorted(replica_sites())
    assert left_out and all(registry.sites[name].verified == "real-page" for name in left_out)
