"""Hostile servers, crawled through the real Scrapy engine (docs/faults.md).

One crawl of a loopback site (tests/faultserver.py) whose home page links an article per fault.
Each fault must end as a counted stat and, for an article URL, a line in rejects.jsonl with its
reason; the good articles around them are written and the crawl finishes normally.
Timeouts and limits are shrunk (DOWNLOAD_TIMEOUT 2 s, DOWNLOAD_MAXSIZE 64 KB, one retry) so the
whole file runs in seconds; nothing asserts an upper bound on time.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Headers, Request, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.crawl.faults import RedirectLoop, RobotsTxtUnavailable, fault_of
from crawler.crawl.middlewares import RetryAfterMiddleware, backoff_seconds, retry_after_seconds
from crawler.corpus.outcome import CRAWL_REJECT_REASONS
from cleaners.document import REJECT_REASONS
from faultserver import (FaultServer, article, close_mid_body, close_without_answer, crawl, first_then, gzip_bomb,
                               hang, http_date, make_config, oversized, page, read_jsonl, redirect, truncated)

HOST = "faults.invalid"
BASE = f"https://{HOST}"
MAXSIZE = 64 * 1024
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"

SITE_YAML = f"""\
name: faults
title: Fault site
domains: [{HOST}]
profile: nukeviet4
start_urls: [/]
"""


def utf8(n: int) -> bytes:
    return article(n).encode("utf-8")


def cp1258(text: str) -> bytes:
    """windows-1258 as Vietnamese pages use it: base letters (â, ơ, đ, ...) as single bytes and
    the five tone marks as combining characters after them."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += (base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258")
    return bytes(out)


SOFT_404 = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Không tìm thấy trang</title>'
            '<meta name="generator" content="NukeViet v4.3"></head><body><div class="news_column panel">'
            '<div class="panel-body"><h1 class="title">Không tìm thấy trang</h1><div id="news-bodyhtml" '
            'class="bodytext"><p>Trang bạn yêu cầu không tồn tại hoặc đã bị xóa. Vui lòng quay lại trang chủ '
            'để đọc các tin bài khác của Cổng thông tin điện tử tỉnh.</p></div></div></div></body></html>')
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 8000  # ~290 KB
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100_000)


def url(name: str, n: int) -> str:
    return f"/news/thoi-su/{name}-{n}.html"


# name: (path, behaviour, expected end: "written" or a reject reason, a stat that counts it)
FAULTS = {
    "good": (url("tin-tot", 1), page(utf8(1)), "written", "corpus/written"),
    "timeout": (url("treo", 2), hang, "fetch-error", "faults/fetch-error"),
    "5xx": (url("loi-may-chu", 3), page(b"<html><body>Internal error</body></html>", status=500),
            "http-error", "retry/max_reached"),
    "429 then ok": (url("qua-tai", 4), first_then(page(b"busy", status=429, Retry_After="1"), page(utf8(4))),
                    "written", "retry_after/honoured/429"),
    "503 with a date": (url("bao-tri", 5),
                        first_then(lambda h: page(b"later", status=503, Retry_After=http_date(2))(h), page(utf8(5))),
                        "written", "retry_after/honoured/503"),
    "429 too long": (url("cho-lau", 6), page(b"busy", status=429, Retry_After="3600"), "http-error",
                     "retry_after/too_long"),
    "truncated": (url("bi-cat", 7), truncated(utf8(7)[:1500], claimed=len(utf8(7))), "truncated",
                  "faults/truncated"),
    "closed": (url("dong-ket-noi", 8), close_without_answer, "fetch-error", "faults/fetch-error"),
    "closed mid-body": (url("dong-giua-chung", 9), close_mid_body(utf8(9)), "truncated", "clean/rejected/truncated"),
    "oversized": (url("qua-lon", 10), oversized(4 * MAXSIZE), "too-large", "faults/too-large"),
    "oversized, chunked": (url("qua-lon-chunked", 11), oversized(4 * MAXSIZE, chunked=True), "too-large",
                           "faults/too-large"),
    "gzip bomb": (url("bom-nen", 12), gzip_bomb(100 * MAXSIZE), "too-large", "faults/too-large"),
    "redirect loop": (url("vong-lap", 13), redirect(url("vong-lap-b", 14)), "redirect-loop", "redirect/loop"),
    "redirect chain": (url("chuyen-huong", 15), redirect(url("chuyen-huong", 16)), "redirect-loop",
                       "faults/redirect-loop"),
    "pdf": (url("tai-lieu-pdf", 17), page(PDF, "application/pdf"), "undecodable", "nonhtml/stopped/application/pdf"),
    "pdf as html": (url("pdf-gia-html", 18), page(PDF[:3000]), "undecodable", "clean/rejected/undecodable"),
    "image as html": (url("anh-gia-html", 19), page(JPEG[:3000]), "undecodable", "clean/rejected/undecodable"),
    "image": (url("anh", 20), page(JPEG, "image/jpeg"), "undecodable", "nonhtml/stopped/image/jpeg"),
    "no charset": (url("khong-charset", 21), page(article(21, meta_charset=False).encode(), "text/html"),
                   "written", "corpus/written"),
    "no content type": (url("khong-content-type", 22), page(utf8(22), None), "written", "corpus/written"),
    "wrong charset": (url("sai-charset", 23), page(article(23, meta_charset=False).encode(),
                                                   "text/html; charset=iso-8859-1"), "written", "corpus/written"),
    "windows-1258": (url("cp1258", 24), page(cp1258(article(24, meta_charset=False)), "text/html"), "written",
                     "corpus/written"),
    "empty body": (url("rong", 25), page(b""), "not-article", "clean/rejected/not-article"),
    "soft 404": (url("khong-tim-thay", 26), page(SOFT_404.encode()), "not-article", "clean/rejected/not-article"),
}


def routes() -> dict:
    site = {path: behaviour for path, behaviour, _, _ in FAULTS.values()}
    links = "".join(f'<li><a href="{path}">{name}</a></li>' for name, (path, _, _, _) in FAULTS.items())
    site["/"] = page(f'<html><body><div class="news_column"><ul>{links}'
                     f'<li><a href="/news/private/bi-mat-99.html">private</a></li></ul></div></body></html>'.encode())
    site["/robots.txt"] = page(b"User-agent: *\nDisallow: /news/private/\n", "text/plain")
    site[url("vong-lap-b", 14)] = redirect(url("vong-lap", 13))  # back to the start: A -> B -> A
    for n in range(16, 40):  # an endless chain of distinct URLs
        site[url("chuyen-huong", n)] = redirect(url("chuyen-huong", n + 1))
    return {HOST: site}


TEST_SETTINGS = {
    "VNNEWS_SITE_POLITENESS": False, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 1,
    "DOWNLOAD_MAXSIZE": MAXSIZE, "DOWNLOAD_WARNSIZE": MAXSIZE // 2, "REDIRECT_MAX_TIMES": 3,
    "VNNEWS_RETRY_BACKOFF_BASE": 0.1, "VNNEWS_RETRY_AFTER_MAX": 5,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("config"), {"faults": SITE_YAML})
    out = tmp_path_factory.mktemp("crawl") / "out"
    with FaultServer(routes()) as server:
        stats = crawl(config, ["faults"], out, {"VNNEWS_REPLICA": server.replica, **TEST_SETTINGS})
    return dict(stats=stats["faults"], server=server, out=out,
                rejects={r["url"]: r for r in read_jsonl(out / "rejects.jsonl")},
                written={m["url"]: m for m in read_jsonl(out / "manifest.jsonl")})


def test_the_crawl_goes_on_to_a_normal_finish(run):
    assert run["stats"]["finish_reason"] == "finished"
    assert BASE + FAULTS["good"][0] in run["written"]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_ends_as_a_stat_and_a_reject_or_a_document(run, fault):
    path, _, end, stat = FAULTS[fault]
    assert run["stats"].get(stat, 0) >= 1, f"{stat} not counted: {sorted(run['stats'])}"
    if end == "written":
        assert BASE + path in run["written"], run["rejects"].get(BASE + path)
        assert BASE + path not in run["rejects"]
    else:
        urls = {BASE + path, *(BASE + p for p in loop_targets(path))}
        reasons = {run["rejects"][u]["reason"] for u in urls if u in run["rejects"]}
        assert reasons == {end}, (reasons, [run["rejects"].get(u) for u in urls])
        assert run["stats"].get(f"clean/rejected/{end}", 0) >= 1


def loop_targets(path: str) -> list[str]:
    """Where a redirect fault may end: its reject names the hop that failed."""
    if "vong-lap" in path:
        return [url("vong-lap-b", 14)]
    if "chuyen-huong" in path:
        return [url("chuyen-huong", n) for n in range(16, 40)]
    return []


def reject(run, fault: str) -> dict:
    return run["rejects"][BASE + FAULTS[fault][0]]


def test_every_reject_reason_is_documented(run):
    assert {r["reason"] for r in run["rejects"].values()} <= set(CRAWL_REJECT_REASONS) | set(REJECT_REASONS)
    assert all(r["site"] == "faults" and r["detail"] for r in run["rejects"].values())


def test_download_failures_name_the_exception(run):
    assert "TimeoutError" in reject(run, "timeout")["detail"]
    assert reject(run, "closed")["detail"].split(":")[0].endswith(("Error", "Lost", "Done", "Received"))
    assert "Content-Length" in reject(run, "truncated")["detail"]
    assert "DOWNLOAD_MAXSIZE" in reject(run, "gzip bomb")["detail"]
    assert "application/pdf" in reject(run, "pdf")["detail"]
    assert reject(run, "5xx")["detail"] == "HTTP 500" and reject(run, "429 too long")["detail"] == "HTTP 429"


def hits(run, fault: str) -> list:
    return [h for h in run["server"].hits if h.path == FAULTS[fault][0]]


def test_retry_after_is_waited_for_before_the_retry(run):
    for fault, asked in (("429 then ok", 1.0), ("503 with a date", 1.0)):
        first, second = hits(run, fault)
        # a lower bound only: a loaded machine makes the gap longer, never shorter
        # (the HTTP date has one-second resolution, so "in 2 s" may mean a little over 1 s)
        assert second.at - first.at >= asked - 0.05, fault


def test_a_longer_retry_after_than_the_cap_is_not_retried_in_this_run(run):
    assert len(hits(run, "429 too long")) == 1


def test_transient_failures_are_retried_before_they_are_rejected(run):
    assert len(hits(run, "5xx")) == 2 and len(hits(run, "timeout")) == 2  # RETRY_TIMES = 1
    assert run["stats"].get("retry_after/backoff", 0) >= 1


def test_a_pdf_is_not_downloaded_past_its_headers(run):
    # 290 KB against a 64 KB limit: had the body been read, the reason would be too-large
    assert run["stats"].get("faults/too-large") == 3  # the two oversized pages and the bomb only


def test_a_redirect_loop_is_visible_not_silently_dropped(run):
    assert run["stats"].get("redirect/loop") == 1
    assert "->" in run["rejects"][BASE + url("vong-lap-b", 14)]["detail"]


def test_robots_forbidden_pages_are_counted_not_rejected(run):
    assert all("/news/private/" not in h.path for h in run["server"].hits)
    assert not [u for u in run["rejects"] if "/news/private/" in u]
    assert run["stats"].get("robotstxt/forbidden", 0) >= 1


def test_decoded_text_is_vietnamese_nfc_whatever_the_charset(run):
    for fault in ("no charset", "no content type", "wrong charset", "windows-1258"):
        entry = run["written"][BASE + FAULTS[fault][0]]
        text = (run["out"] / entry["file"]).read_text(encoding="utf-8")
        assert text.startswith("Hội nghị chuyển đổi số lần thứ"), (fault, text[:80])
        assert text == unicodedata.normalize("NFC", text) and "\ufffd" not in text


def test_failed_pages_are_not_archived(run):
    from crawler.corpus.archive import read_pages

    archived = {p.url for p in read_pages(run["out"] / "raw")}
    assert BASE + FAULTS["good"][0] in archived
    assert BASE + FAULTS["timeout"][0] not in archived


# --- the pieces, without a server -------------------------------------------------------------------

def test_retry_after_reads_seconds_and_http_dates():
    now = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Fri, 01 May 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Fri, 01 May 2026 11:00:00 GMT", now) == 0  # in the past: at once
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None
    assert retry_after_seconds(b"-5") is None


def test_backoff_doubles_and_stops_at_the_cap():
    assert [backoff_seconds(n, 5, 30) for n in range(5)] == [5, 10, 20, 30, 30]


def retry_middleware(**settings) -> RetryAfterMiddleware:
    crawler = get_crawler(settings_dict={"VNNEWS_RETRY_AFTER_MAX": 60, "VNNEWS_RETRY_BACKOFF_BASE": 2,
                                         **settings})
    crawler.stats.open_spider()
    return RetryAfterMiddleware.from_crawler(crawler)


def response(status: int, **headers) -> Response:
    return Response("https://x.invalid/a", status=status, headers=Headers(headers))


def test_retry_delay_takes_the_longer_of_retry_after_and_backoff_within_the_cap():
    mw = retry_middleware()
    request = Request("https://x.invalid/a")
    assert mw.delay_for(request, response(429, **{"Retry-After": "10"})) == (10, "honoured/429")
    assert mw.delay_for(request, response(503, **{"Retry-After": "0"})) == (2, "honoured/503")  # backoff still
    assert mw.delay_for(request, response(500, **{"Retry-After": "10"})) == (2, "backoff")  # no meaning on 500
    assert mw.delay_for(request, response(503, **{"Retry-After": "soon"})) == (2, "unreadable")
    assert mw.delay_for(request.replace(meta={"retry_times": 2}), response(502)) == (8, "backoff")
    assert mw.delay_for(request, response(429, **{"Retry-After": "61"})) == (None, "too_long")


def test_negative_limits_are_refused():
    with pytest.raises(ValueError, match="VNNEWS_RETRY_AFTER_MAX"):
        retry_middleware(VNNEWS_RETRY_AFTER_MAX=-1)


@pytest.mark.parametrize("exc, reason", [
    (DownloadTimeoutError("took longer than 30 seconds"), "fetch-error"),
    (CannotResolveHostError("no such host"), "fetch-error"),
    (RobotsTxtUnavailable("robots.txt answered HTTP 503"), "fetch-error"),
    (RedirectLoop("redirect loop: a -> b -> a"), "redirect-loop"),
    (IgnoreRequest("max redirections reached"), "redirect-loop"),
    (IgnoreRequest("Forbidden by robots.txt"), None),
])
def test_what_a_failure_means(exc, reason):
    fault = fault_of(exc)
    assert (fault.reason if fault else None) == reason
    if fault:
        assert fault.reason in CRAWL_REJECT_REASONS or fault.reason in REJECT_REASONS


def test_a_tls_failure_is_a_fetch_error_naming_the_exception():
    from OpenSSL import SSL

    fault = fault_of(SSL.Error([("SSL routines", "", "certificate verify failed")]))
    assert fault.reason == "fetch-error" and fault.detail.startswith("Error")
    assert Settings().getbool("DOWNLOAD_VERIFY_CERTIFICATES") is False  # docs/faults.md, "TLS"


def test_every_crawl_reason_is_documented():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    faults = (ROOT / "docs" / "faults.md").read_text(encoding="utf-8")
    for reason in CRAWL_REJECT_REASONS:
        assert f"| `{reason}` |" in readme and f"| `{reason}` |" in faults, reason
