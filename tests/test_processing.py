"""After the download: which pages are cleaned, and what ends in the corpus or in rejects."""

import json

from cleaners.document import CleanResult, Document
from crawler.corpus import CorpusWriter
from crawler.items import PageItem
from crawler.processing import clean_page, store_result


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
