"""A real Scrapy crawl of a small hand-made NukeViet site on loopback.

Independent of the bundled replica: the site here exercises each discovery path
(start page, listing + pagination bound, RSS, sitemap index, robots.txt, redirect) and the
crawl plumbing (replica handler keeps real URLs, canonical dupefilter, archive, corpus,
second run, reprocess). The site config is a temporary one using the repo's profiles.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "sites" / "backan-nukeviet"
HOST = "test-nukeviet.invalid"
ARTICLE = "/news/thoi-su/phat-huy-ket-qua-5873.html"
ALSO_ARTICLE = "/news/tin-noi-bat/phat-huy-ket-qua-5873.html"  # same article, second category path
ENGLISH = "/news/thoi-su/english-page-5874.html"
MISSING = "/news/thoi-su/mat-tich-5875.html"
LISTING_ONLY = "/news/thoi-su/chi-danh-sach-5876.html"
PRIVATE = "/news/private/bi-mat-5877.html"
MOVED = "/news/thoi-su/cu-5878.html"

SITE_YAML = f"""\
name: testsite
title: Test NukeViet site
domains: [{HOST}]
profile: nukeviet4
start_urls: [/]
discovery:
  max_listing_pages: 2
politeness: {{delay: 5.0, concurrency: 1}}
"""


def page(body: str, title: str = "Trang") -> bytes:
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="generator" content="NukeViet v4.3"></head><body>{body}</body></html>').encode("utf-8")


def english_article() -> bytes:
    paragraphs = "".join(
        f"<p>The provincial committee met on Monday to review the preparations for the congress, "
        f"and the delegates discussed the budget, the roads and the schools in detail, item {i}.</p>"
        for i in range(8))
    return page('<div class="news_column panel panel-default"><div class="panel-body">'
                '<h1 class="title">Preparations for the provincial congress</h1>'
                '<div class="hometext">The committee reviewed the preparations.</div>'
                f'<div id="news-bodyhtml" class="bodytext">{paragraphs}</div></div></div>', "Preparations")


def listing_page(links: list[str], pagination: str = "") -> bytes:
    items = "".join(f'<li><a href="{href}">Tin {i}</a></li>' for i, href in enumerate(links))
    more = f'<ul class="pagination"><li><a href="{pagination}">Sau</a></li></ul>' if pagination else ""
    return page(f'<div class="news_column"><ul>{items}</ul>{more}</div>', "Thời sự")


def routes() -> dict[str, tuple[int, dict, bytes]]:
    html = {"Content-Type": "text/html; charset=utf-8"}
    xml = {"Content-Type": "application/xml; charset=utf-8"}
    rss = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f'<rss version="2.0"><channel><title>&xxe;</title>'
           f'<item><title>Mất tích</title><link>https://{HOST}{MISSING}</link></item>'
           f'<item><title>&xxe;</title><link>&xxe;</link></item></channel></rss>').encode()
    index = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<sitemap><loc>https://{HOST}/sitemap-vi.news.xml</loc></sitemap></sitemapindex>').encode()
    urlset = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              f'<url><loc>https://{HOST}{LISTING_ONLY}</loc></url>'
              f'<url><loc>https://{HOST}/news/thoi-su/</loc></url></urlset>').encode()
    return {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /news/private/\n"),
        "/": (200, html, listing_page([ARTICLE + "?utm_source=home&fbclid=x", "/news/thoi-su/", PRIVATE, MOVED])),
        "/news/thoi-su/": (200, html, listing_page([ENGLISH], pagination="/news/thoi-su/page-2/")),
        "/news/thoi-su/page-2/": (200, html, listing_page([ALSO_ARTICLE], pagination="/news/thoi-su/page-3/")),
        "/news/thoi-su/page-3/": (200, html, listing_page([])),
        ARTICLE: (200, html, (FIXTURE / "sample-001.html").read_bytes()),
        ALSO_ARTICLE: (200, html, (FIXTURE / "sample-001.html").read_bytes()),
        ENGLISH: (200, html, english_article()),
        LISTING_ONLY: (200, html, listing_page(["/news/thoi-su/a-1.html", "/news/thoi-su/b-2.html"] * 5)),
        PRIVATE: (200, html, english_article()),
        MOVED: (301, {"Location": f"https://{HOST}{ARTICLE}"}, b""),
        "/news/rss/": (200, {"Content-Type": "application/rss+xml"}, rss),
        "/sitemap.xml": (200, xml, index),
        "/sitemap-vi.news.xml": (200, xml, urlset),
    }


class Site(BaseHTTPRequestHandler):
    routes: dict = {}
    log: list = []

    def do_GET(self):
        self.log.append((self.path, self.headers.get("Host"), self.headers.get("User-Agent")))
        status, headers, body = self.routes.get(self.path, (404, {"Content-Type": "text/html"}, page("Không tìm thấy")))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    Site.routes, Site.log = routes(), []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    root = tmp_path_factory.mktemp("config")
    shutil.copytree(REPO / "config" / "profiles", root / "profiles")
    (root / "sites").mkdir()
    (root / "sites" / "testsite.yaml").write_text(SITE_YAML, encoding="utf-8")
    return root


def vnnews(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def crawled(server, config, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    replica = f"127.0.0.1:{server.server_address[1]}"
    first = vnnews("crawl", "--all", "--replica", replica, "--out", str(out), "--config", str(config))
    requests_first = list(Site.log)
    manifest_first = (out / "manifest.jsonl").read_bytes()
    rejects_first = (out / "rejects.jsonl").read_bytes()
    second = vnnews("crawl", "testsite", "--replica", replica, "--out", str(out), "--config", str(config))
    return dict(out=out, config=config, first=first, second=second, requests=requests_first,
                manifest_first=manifest_first, rejects_first=rejects_first)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_crawl_exits_cleanly_with_a_summary(crawled):
    assert crawled["first"].returncode == 0, crawled["first"].stderr[-3000:]
    assert "testsite" in crawled["first"].stdout and "1 new document(s)" in crawled["first"].stdout


def test_the_article_is_written_once_byte_identical(crawled):
    [entry] = read_jsonl(crawled["out"] / "manifest.jsonl")  # two URLs, one document
    assert entry["canonical_url"] in (f"https://{HOST}{ARTICLE}", f"https://{HOST}{ALSO_ARTICLE}")
    assert (crawled["out"] / entry["file"]).read_bytes() == (FIXTURE / "sample-001.txt").read_bytes()
    assert entry["file"].startswith("corpus/000_") and entry["site"] == "testsite"
    assert entry["author"] == "Duy Khánh (thực hiện)" and entry["published"] == "2020-08-28T03:55:00+07:00"


def test_every_discovery_path_was_followed_and_bounded(crawled):
    paths = [p for p, _, _ in crawled["requests"]]
    for wanted in ["/robots.txt", "/", "/news/thoi-su/", "/news/thoi-su/page-2/", "/news/rss/", "/sitemap.xml",
                   "/sitemap-vi.news.xml", ENGLISH, ALSO_ARTICLE, MISSING, LISTING_ONLY, MOVED]:
        assert wanted in paths, wanted
    assert "/news/thoi-su/page-3/" not in paths  # max_listing_pages: 2
    assert PRIVATE not in paths  # robots.txt
    # tracking parameters never reach the server as a second fetch of the article
    assert [p for p in paths if p.startswith(ARTICLE)] and len([p for p in paths if p.startswith(ARTICLE)]) == 1


def test_requests_carry_the_real_host_and_our_user_agent(crawled):
    assert {host for _, host, _ in crawled["requests"]} == {HOST}
    assert all(agent.startswith("vnnews/") for _, _, agent in crawled["requests"])


def test_rejections_are_recorded_with_reasons(crawled):
    reasons = {(r["url"], r["reason"]) for r in read_jsonl(crawled["out"] / "rejects.jsonl")}
    assert (f"https://{HOST}{ENGLISH}", "not-vietnamese") in reasons
    assert (f"https://{HOST}{LISTING_ONLY}", "not-article") in reasons
    assert (f"https://{HOST}{MISSING}", "http-error") in reasons


def test_second_run_adds_nothing(crawled):
    assert crawled["second"].returncode == 0, crawled["second"].stderr[-3000:]
    assert (crawled["out"] / "manifest.jsonl").read_bytes() == crawled["manifest_first"]
    assert (crawled["out"] / "rejects.jsonl").read_bytes() == crawled["rejects_first"]
    assert len(list((crawled["out"] / "corpus").iterdir())) == 1
    assert "0 new document(s)" in crawled["second"].stdout


def test_reprocess_rebuilds_the_same_corpus(crawled, tmp_path):
    target = tmp_path / "again"
    result = vnnews("reprocess", "--from-raw", str(crawled["out"] / "raw"), "--out", str(target),
                    "--config", str(crawled["config"]))
    assert result.returncode == 0, result.stderr[-3000:]
    assert (target / "manifest.jsonl").read_bytes() == (crawled["out"] / "manifest.jsonl").read_bytes()
    assert (target / "rejects.jsonl").read_bytes() == (crawled["out"] / "rejects.jsonl").read_bytes()
    for path in (crawled["out"] / "corpus").iterdir():
        assert (target / "corpus" / path.name).read_bytes() == path.read_bytes()
    again = vnnews("reprocess", "--from-raw", str(crawled["out"] / "raw"), "--out", str(target),
                   "--config", str(crawled["config"]))
    assert again.returncode == 2 and "already holds a corpus" in again.stderr
