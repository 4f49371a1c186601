"""After the download: which pages are cleaned, and what ends in the corpus or in rejects."""

import json

from cleaners.document import CleanResult, Document
from crawler.corpus import CorpusWriter
from crawler.items import PageItem
from crawler.processing import clean_page, document_canonical, store_result


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
                   "detail": "en 0.99", "time": "2025-01-01T00:00:09Z"}


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
    assert len(cleaner.calls) == 2
