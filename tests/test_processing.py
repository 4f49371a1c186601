"""After the download: which pages are cleaned, and what ends in the corpus or in rejects."""

import json

import pytest

from cleaners.document import CleanResult, Document
from crawler.corpus.writer import CorpusWriter
from crawler.corpus.page import PageItem
from crawler.corpus.outcome import clean_page, declared_canonical, document_canonical, store_result


def page(**kw) -> PageItem:
    values = dict(url="https://baolaichau.vn/xa-hoi/bai-1", canonical_url="https://baolaichau.vn/xa-hoi/bai-1",
                  site="baolaichau", status=200, body=b"<html></html>", content_type="text/html",
                  kind="article", is_article_candidate=True, fetched_at="2025-01-01T00:00:00Z")
    values.update(kw)
    return PageItem(**values)


class FakeCleaner:
    def __init__(self, result=None, error=None):
        self.result, self.error, self.calls = result, error, []

    def clean(self, body, url=None, site=None, content_type=None):
        self.calls.append((url, site, content_type))
        if self.error:
            raise self.error
        return self.result


def test_only_article_candidates_are_cleaned():
    cleaner = FakeCleaner(CleanResult(status="ok", document=Document("T", ["p"])))
    assert clean_page(cleaner, page(kind="listing", is_article_candidate=False)) is None
    assert clean_page(cleaner, page()).ok
    assert cleaner.calls == [("https://baolaichau.vn/xa-hoi/bai-1", "baolaichau", "text/html")]


def test_an_error_status_is_a_rejection_without_cleaning():
    cleaner = FakeCleaner()
    result = clean_page(cleaner, page(status=404))
    assert (result.reason, result.detail) == ("http-error", "HTTP 404") and cleaner.calls == []


def test_a_cleaner_crash_becomes_a_rejection_naming_the_bug():
    result = clean_page(FakeCleaner(error=KeyError("title")), page())
    assert result.reason == "cleaner-error" and result.detail == "KeyError: 'title'"


def test_store_writes_documents_and_rejections(tmp_path):
    with CorpusWriter(tmp_path) as writer:
        ok = CleanResult(status="ok", document=Document("Tiêu đề", ["Đoạn."], lang="vi"))
        assert store_result(writer, page(), ok) == "written"
        assert store_result(writer, page(), ok) == "duplicate-url"
        rejected = CleanResult(status="rejected", reason="not-vietnamese", detail="en 0.99")
        other = page(url="https://baolaichau.vn/en/x", fetched_at="2025-01-01T00:00:09Z")
        assert store_result(writer, other, rejected) == "rejected"
        assert store_result(writer, other, rejected) == "rejected-before"
        assert store_result(writer, page(kind="listing"), None) is None
    [row] = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert row == {"url": "https://baolaichau.vn/en/x", "site": "baolaichau", "reason": "not-vietnamese",
                   "detail": "en 0.99", "time": "2025-01-01T00:00:09Z", "retry": "final"}


def test_a_declared_canonical_article_url_names_the_document():
    body = b'<html><head><link rel="Canonical" href="/kinh-te/bai-chinh-12"></head><body></body></html>'
    second = page(url="https://baolaichau.vn/kinh-te/bai-phu-12?utm_source=zalo", body=body)
    is_article = lambda url: "/kinh-te/" in url  # noqa: E731
    assert document_canonical(second, str, is_article) == "https://baolaichau.vn/kinh-te/bai-chinh-12"


def test_a_declared_home_page_or_a_non_article_is_not_trusted():
    body = b'<html><head><link rel="canonical" href="https://baolaichau.vn/"></head></html>'
    is_article = lambda url: "/xa-hoi/" in url  # noqa: E731
    assert document_canonical(page(body=body), str, is_article) == page().url
    assert document_canonical(page(body=b"<html><p>no head</p></html>"), str, is_article) == page().url
    assert document_canonical(page(body=b""), str, is_article) == page().url
    listing = page(body=body.replace(b"https://baolaichau.vn/", b"/xa-hoi/bai-2"), kind="listing",
                   is_article_candidate=False)
    assert document_canonical(listing, str, is_article) == page().url


def test_html_cut_off_before_its_end_is_rejected_without_cleaning():
    cleaner = FakeCleaner(CleanResult(status="ok", document=Document("T", ["p"])))
    whole = "<!DOCTYPE html><HTML lang=vi><body><p>Đoạn văn.</p></body></html>\n".encode()
    assert clean_page(cleaner, page(body=whole)).ok
    result = clean_page(cleaner, page(body=whole[:40]))
    assert result.reason == "truncated" and "bytes, ending" in result.detail
    assert clean_page(cleaner, page(body="<p>Không có thẻ html, không sao.</p>".encode())).ok
    assert clean_page(cleaner, page(body=whole.replace(b"</html>", b""))).ok  # ends with its body: whole
    assert clean_page(cleaner, page(body=whole.split(b"</body>")[0])).reason == "truncated"
    assert len(cleaner.calls) == 3


def test_no_saved_real_page_is_taken_for_a_truncated_one():
    """Every real page in ../shared/benchmarks/vn-real* was served whole (their SOURCE.md); one of
    them (Dân trí) ends with </body> and no </html>."""
    from conftest import shared_or_skip
    from crawler.corpus.outcome import is_truncated_html

    pages = [html for folder in ("vn-real", "vn-real-2")
             for html in sorted(shared_or_skip("benchmarks", folder).glob("*.html"))]
    assert len(pages) >= 24
    assert [html.name for html in pages if is_truncated_html(html.read_bytes())] == []


# declared_canonical reads only the head when it can; these pages must give what parsing the whole
# page gives (the reference below is the full parse).
def full_parse_canonical(body: bytes, base_url: str):
    import lxml.html
    from urllib.parse import urljoin, urlsplit

    try:
        tree = lxml.html.document_fromstring(body)
    except Exception:
        return None
    for href in tree.xpath("//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONIL', "
                           "'canonil')), ' '), ' canonical ')]/@href"):
        url = urljoin(base_url, href.strip())
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return None


HEAD_CASES = {
    "in the head": b"<html><head><link rel=canonical href='/a'></head><body><p>x</p></body></html>",
    "only in the body": b"<html><head><title>t</title></head><body><link rel=canonical href='/b'></body></html>",
    "word in a comment first": b"<html><head><!-- canonical --></head><body>"
                               b"<link rel='Canonical' href='/c'></body></html>",
    "head end inside a comment": b"<html><head><!-- <link rel=canonical href=/x> </head> --><link rel=canonical "
                                 b"href=/d></head></html>",
    "head end inside a script": b"<html><head><script>s='<link rel=\"canonical\" href=\"/x\"></head>'</script>"
                                b"<link rel=canonical href=/e></head></html>",
    "entity-encoded rel before the word": b"<html><head><link rel='can&#111;nical' href='/f'>"
                                          b"<meta name=canonical></head></html>",
    "not http": b"<html><head><link rel=canonical href='javascript:void(0)'></head><body>"
                b"<link rel=canonical href='/g'></body></html>",
    "charset after the head": "<html><head><link rel=canonical href='/đ'></head><meta charset=utf-8><body>"
                              "</body></html>".encode("utf-8"),
    "legacy charset": "<html><head><meta charset=windows-1252><link rel=canonical href='/é'></head></html>"
                      .encode("cp1252"),
    "no word at all": b"<html><head><title>t</title></head><body>x</body></html>",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(HEAD_CASES))
def test_declared_canonical_gives_what_the_whole_page_gives(name):
    body = HEAD_CASES[name]
    base = "https://baolaichau.vn/xa-hoi/bai-1"
    expected = full_parse_canonical(body, base)
    assert declared_canonical(body, base) == expected
    assert declared_canonical(body + b"<p>" * 5000, base) == full_parse_canonical(body + b"<p>" * 5000, base)


def test_declared_canonical_on_the_site_fixtures_matches_the_whole_page():
    from pathlib import Path

    pages = sorted((Path(__file__).parent / "fixtures").rglob("*.html"))
    assert pages
    found = 0
    for path in pages:
        body = path.read_bytes()
        expected = full_parse_canonical(body, "https://example.vn/a/b")
        found += expected is not None
        assert declared_canonical(body, "https://example.vn/a/b") == expected, path
    assert found  # the fixtures do declare canonical links
