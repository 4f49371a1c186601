"""The crawl's Scrapy components one by one: settings from YAML, generated spiders,
the replica handler's rewrite, the canonical dupefilter, the WARC archive."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.settings import Settings

from crawler.corpus.archive import WarcArchive, archive_files, read_pages
from crawler.crawl.pipelines import ArchivePipeline
from crawler.crawl.dupefilter import CanonicalDupeFilter, CanonicalRequestFingerprinter
from crawler.corpus.page import PageItem
from replica.handler import parse_replica, to_replica
from crawler.crawl.writers import SharedWriters

REPO = Path(__file__).resolve().parent.parent

SITE = """\
name: {name}
title: Site {name}
domains: [{name}.example.invalid]
start_urls: [/]
articles: {{allow: ['^/tin/[a-z0-9-]+-\\d+\\.html$']}}
politeness: {{delay: 7.5, concurrency: 2, autothrottle: false}}
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "sites").mkdir()
    for name in ("alpha", "beta-news", "gamma"):
        (tmp_path / "sites" / f"{name}.yaml").write_text(SITE.format(name=name), encoding="utf-8")
    monkeypatch.setenv("VNNEWS_CONFIG", str(tmp_path))
    return tmp_path


def scrapy_cli(*args, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "VNNEWS_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)


# --- spiders and settings ------------------------------------------------------------------

def test_scrapy_list_prints_one_spider_per_yaml(config):
    result = scrapy_cli("list", config=config)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["alpha", "beta-news", "gamma"]


def test_a_broken_site_yaml_stops_scrapy_with_file_and_field(config):
    (config / "sites" / "gamma.yaml").write_text("name: gamma\ntitle: G\ndomains: [g.invalid]\ncolour: red\n")
    result = scrapy_cli("list", config=config)
    assert result.returncode != 0
    assert "gamma.yaml:4" in result.stderr and "colour" in result.stderr


def project_settings(**cmdline) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.crawl.settings", priority="project")
    settings.setdict(cmdline, priority="cmdline")
    return settings


def spider_class(name: str):
    from crawler.crawl.spider import SiteSpider

    return type("S", (SiteSpider,), {"name": name, "site_name": name})


def test_site_politeness_comes_from_the_yaml(config):
    settings = project_settings()
    spider_class("alpha").update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 7.5
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False


def test_politeness_can_be_turned_off_for_the_replica(config):
    settings = project_settings(VNNEWS_SITE_POLITENESS=False, DOWNLOAD_DELAY=0)
    spider_class("alpha").update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0


def test_user_agent_names_the_project_and_the_contact(config):
    settings = project_settings()
    spider_class("alpha").update_settings(settings)
    assert settings.get("USER_AGENT").startswith("vnnews/")
    settings = project_settings(VNNEWS_CONTACT="mailto:ops@example.org")
    spider_class("alpha").update_settings(settings)
    assert settings.get("USER_AGENT").endswith("(+mailto:ops@example.org)")
    settings = project_settings(VNNEWS_CONTACT="x", USER_AGENT="custom")
    spider_class("alpha").update_settings(settings)
    assert settings.get("USER_AGENT") == "custom"


def test_spider_judges_links_in_their_canonical_form_too(config):
    import re

    from crawler.urls import Rewrite, canonicalize

    spider = spider_class("alpha")()
    assert spider.is_article_url("https://alpha.example.invalid/tin/bai-viet-12.html")
    raw = "https://alpha.example.invalid/index.php?nv=tin&op=bai-viet-12.html"
    assert not spider.is_article_url(raw)
    # as with a config whose canonical_rewrites map the CMS's raw form onto the article URL
    rule = Rewrite(re.compile(r"^/index\.php\?nv=tin&op=([^&]+)$"), r"/tin/\1")
    spider.rules.canonical = lambda url: canonicalize(url, "alpha.example.invalid", "https", (), [rule])
    assert spider.is_article_url(raw)


# --- replica handler ---------------------------------------------------------------------

def test_replica_setting_is_validated():
    assert parse_replica("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_replica("[::1]:80") == ("::1", 80)
    for bad in ("8080", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "example.org:80", "10.0.0.1:80"):
        with pytest.raises(ValueError, match="VNNEWS_REPLICA"):
            parse_replica(bad)


def test_replica_request_keeps_path_query_and_real_host():
    request = Request("https://baolaichau.vn/x%C3%A3-h%E1%BB%99i/bai?id=5", meta={"proxy": "http://p:3128", "k": 1},
                      headers={"User-Agent": "vnnews/0.1"})
    local = to_replica(request, "127.0.0.1", 8123)
    assert local.url == "http://127.0.0.1:8123/x%C3%A3-h%E1%BB%99i/bai?id=5"
    assert local.headers[b"Host"] == b"baolaichau.vn"
    assert local.headers[b"User-Agent"] == b"vnnews/0.1"
    assert "proxy" not in local.meta and local.meta["k"] == 1
    assert request.url.startswith("https://baolaichau.vn/")  # the original is untouched


# --- duplicate filter ----------------------------------------------------------------------

def test_dupefilter_sees_spellings_of_one_page_as_one(config):
    dupefilter = CanonicalDupeFilter(fingerprinter=CanonicalRequestFingerprinter())
    assert not dupefilter.request_seen(Request("https://alpha.example.invalid/tin/bài-1?utm_source=fb"))
    assert dupefilter.request_seen(Request("http://www.alpha.example.invalid/tin/b%C3%A0i-1#top"))
    assert not dupefilter.request_seen(Request("https://alpha.example.invalid/tin/bai-2"))


def test_dupefilter_lets_a_respelling_redirect_through(config):
    dupefilter = CanonicalDupeFilter(fingerprinter=CanonicalRequestFingerprinter())
    first = Request("http://alpha.example.invalid/a")
    assert not dupefilter.request_seen(first)
    hop = Request("https://alpha.example.invalid/a", meta={"redirect_urls": [first.url]})
    assert not dupefilter.request_seen(hop)
    loop_back = Request("https://alpha.example.invalid/a", meta={"redirect_urls": ["https://alpha.example.invalid/b"]})
    assert dupefilter.request_seen(loop_back)


# --- archive -------------------------------------------------------------------------------

def page(i: int, **kw) -> PageItem:
    values = dict(url=f"https://alpha.example.invalid/tin/bai-{i}", canonical_url="", site="alpha", status=200,
                  body=f"<html><p>Bài số {i}</p></html>".encode() * 40, content_type="text/html; charset=utf-8",
                  kind="article", is_article_candidate=True, fetched_at=f"2025-03-0{i % 9 + 1}T10:00:00Z",
                  response_headers=[(b"Content-Type", b"text/html; charset=utf-8"), (b"Content-Encoding", b"gzip")],
                  request_headers=[(b"User-Agent", b"vnnews/0.1")])
    values.update(kw)
    return PageItem(**values)


def test_archive_round_trip_in_write_order_across_rotated_files(tmp_path):
    archive = WarcArchive(tmp_path, max_bytes=1)  # every page fills a file: one file a page
    pages = [page(1), page(2, status=404, kind="page", is_article_candidate=False),
             page(3, request_url="http://alpha.example.invalid/old-3"), page(4, body=b"")]
    for p in pages:
        archive.write(p)
    archive.close()
    files = archive_files(tmp_path)
    assert len(files) == 4 and not any(f.name.endswith(".open") for f in files)
    back = list(read_pages(tmp_path))
    assert [(b.url, b.status, b.kind, b.site, b.fetched_at, b.request_url, b.body, b.is_article_candidate)
            for b in back] == [(p.url, p.status, p.kind, p.site, p.fetched_at, p.request_url, p.body,
                                p.is_article_candidate) for p in pages]
    assert back[0].content_type == "text/html; charset=utf-8"


@pytest.mark.parametrize("cut", [1, 30, 50, 120, 400, 700])
def test_archive_of_a_killed_run_never_yields_a_partial_page(tmp_path, cut):
    archive = WarcArchive(tmp_path)
    archive.write(page(1))
    archive.write(page(2))
    [open_file] = archive_files(tmp_path)
    assert open_file.name.endswith(".warc.gz.open")  # not closed: the run was killed
    data = open_file.read_bytes()
    open_file.write_bytes(data[:-cut])  # the file ends mid-record, as after kill -9
    back = list(read_pages(tmp_path))
    assert back[0].body == page(1).body
    assert [(p.url, p.body) for p in back] in ([(page(1).url, page(1).body)],
                                               [(page(1).url, page(1).body), (page(2).url, page(2).body)])
    if cut >= 50:
        assert len(back) == 1


def test_archive_pipeline_is_off_when_disabled():
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    with pytest.raises(NotConfigured):
        ArchivePipeline.from_crawler(get_crawler(settings_dict={"VNNEWS_ARCHIVE": False}))


def test_shared_writers_close_with_the_last_holder(tmp_path):
    closed = []

    class Writer:
        def close(self):
            closed.append(True)

    shared = SharedWriters()
    first = shared.acquire(tmp_path, lambda folder: Writer())
    assert shared.acquire(tmp_path / "." , lambda folder: Writer()) is first
    shared.release(tmp_path)
    assert closed == []
    shared.release(tmp_path)
    assert closed == [True]


def test_clean_pipeline_puts_each_step_count_in_the_crawl_stats():
    """Which cleaning rules fired how often reaches Scrapy's stats as clean/<step>/removed."""
    from scrapy.utils.test import get_crawler

    from crawler.crawl.pipelines import CleanPipeline

    page = Path(__file__).parent / "fixtures" / "sites" / "baolaichau" / "sample-004.html"
    crawler = get_crawler(settings_dict={"VNNEWS_CLEAN_PROCESSES": 1})
    pipeline = CleanPipeline.from_crawler(crawler)
    item = PageItem(url="https://baolaichau.vn/xa-hoi/bai-viet-100.html", canonical_url="", site="baolaichau",
                    status=200, body=page.read_bytes(), content_type="text/html; charset=utf-8", kind="article",
                    is_article_candidate=True, fetched_at="2026-12-07T00:00:00")
    pipeline.process_item(item)
    stats = crawler.stats.get_stats()
    assert item.clean_result is not None and item.clean_result.ok, item.clean_result
    step_counts = {name: n for name, n in stats.items() if name.startswith("clean/") and name.endswith("/removed")}
    assert step_counts, stats
    assert step_counts == {k: v for k, v in item.clean_result.stats().items() if k.endswith("/removed")}


def test_clean_pipeline_names_the_document_by_its_declared_canonical_article_url():
    """The spider leaves the fetched URL's canonical form; cleaning reads the page's own
    <link rel=canonical> (on the reactor thread here, in a worker with the pool:
    tests/test_crawl_pool.py compares that crawl with a serial replay of its archive)."""
    from scrapy.utils.test import get_crawler

    from crawler.corpus.outcome import declared_canonical
    from crawler.crawl.pipelines import CleanPipeline
    from crawler.registry import load_canonicalizer

    page = (Path(__file__).parent / "fixtures" / "sites" / "baolaichau" / "sample-004.html").read_bytes()
    second = "https://baolaichau.vn/xa-hoi/ban-in-100.html?utm_source=zalo"
    main = load_canonicalizer()(declared_canonical(page, second))
    assert "tich-cuc-chuan-bi-dai-hoi" in main
    crawler = get_crawler(settings_dict={"VNNEWS_CLEAN_PROCESSES": 1})
    pipeline = CleanPipeline.from_crawler(crawler)
    item = PageItem(url=second, canonical_url=load_canonicalizer()(second), site="baolaichau", status=200,
                    body=page, content_type="text/html; charset=utf-8", kind="article",
                    is_article_candidate=True, fetched_at="2026-12-07T00:00:00")
    pipeline.process_item(item)
    assert item.clean_result.ok and item.canonical_url == main


def test_a_failing_canonical_link_read_is_a_cleaner_error_not_a_dropped_page(monkeypatch):
    """An exception while reading the declared canonical link must not drop the page (it would
    be neither archived further nor reported): it becomes a cleaner-error rejection, retried
    on the next runs, as in the pool's workers and as a bug in the cleaner itself."""
    from scrapy.utils.test import get_crawler

    from crawler.corpus import outcome
    from crawler.crawl.pipelines import CleanPipeline
    from crawler.registry import load_canonicalizer

    def broken(body, url):
        raise ValueError("a page the canonical reader trips on")

    monkeypatch.setattr(outcome, "declared_canonical", broken)
    page = (Path(__file__).parent / "fixtures" / "sites" / "baolaichau" / "sample-004.html").read_bytes()
    url = "https://baolaichau.vn/xa-hoi/ban-in-100.html?utm_source=zalo"
    pipeline = CleanPipeline.from_crawler(get_crawler(settings_dict={"VNNEWS_CLEAN_PROCESSES": 1}))
    item = PageItem(url=url, canonical_url="", site="baolaichau", status=200, body=page,
                    content_type="text/html; charset=utf-8", kind="article", is_article_candidate=True,
                    fetched_at="2026-12-07T00:00:00")
    assert pipeline.process_item(item) is item
    assert not item.clean_result.ok and item.clean_result.reason == "cleaner-error"
    assert "a page the canonical reader trips on" in item.clean_result.detail
    assert item.canonical_url == load_canonicalizer()(url)
