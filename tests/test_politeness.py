"""Politeness, checked on real crawls of loopback sites (tests/faultserver.py): the YAML's delay
and concurrency reach the downloader, the User-Agent names the project and the contact, and a
robots.txt that answers 5xx (or not at all) keeps the crawler off the host (docs/faults.md).

Times are only ever bounded from below: a loaded machine makes gaps longer, never shorter.
"""

from __future__ import annotations

import pytest

from crawler import __version__
from crawler.crawl.runner import project_settings, replica_settings
from faultserver import (FaultServer, article, close_without_answer, crawl, make_config, page, read_jsonl, slow)

CONTACT = "mailto:ops@example.org"
DELAY = 0.6  # polite-a's YAML delay; Scrapy randomizes it to 0.5x..1.5x


def site_yaml(name: str, politeness: str = "", start: str = "[/]") -> str:
    return (f"name: {name}\ntitle: {name}\ndomains: [{name}.invalid]\nprofile: nukeviet4\n"
            f"start_urls: {start}\n{politeness}")


SITES = {
    "polite-a": site_yaml("polite-a", f"politeness: {{delay: {DELAY}, concurrency: 1, autothrottle: false}}\n"),
    "polite-b": site_yaml("polite-b", "politeness: {delay: 0, concurrency: 2, autothrottle: false}\n"),
    "robots-down": site_yaml("robots-down", start="[/, /news/thoi-su/bi-chan-1.html]"),
    "robots-silent": site_yaml("robots-silent", start="[/, /news/thoi-su/bi-chan-2.html]"),
    "robots-gone": site_yaml("robots-gone", start="[/, /news/thoi-su/van-doc-duoc-3.html]"),
    "robots-strict": site_yaml("robots-strict", start="[/, /news/thoi-su/cam-4.html, /news/thoi-su/cam-5.html]"),
}
ARTICLES = [f"/news/thoi-su/bai-{n}.html" for n in range(10, 16)]


def listing(paths: list[str]) -> bytes:
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    return f'<html><body><div class="news_column"><ul>{links}</ul></div></body></html>'.encode()


def routes() -> dict:
    def site(think: float, offset: int) -> dict:
        pages = {p: slow(page(article(offset + i).encode()), think) for i, p in enumerate(ARTICLES)}
        return {"/": page(listing(ARTICLES)), "/robots.txt": page(b"User-agent: *\nAllow: /\n", "text/plain"), **pages}

    return {
        "polite-a.invalid": site(0.05, 100),
        "polite-b.invalid": site(0.8, 200),  # slow pages: with concurrency 2 two of them overlap
        "robots-down.invalid": {"/robots.txt": page(b"<h1>Service Unavailable</h1>", status=503),
                                "/": page(listing(ARTICLES))},
        "robots-silent.invalid": {"/robots.txt": close_without_answer, "/": page(listing(ARTICLES))},
        # a slow robots.txt: every start request (and the profile's feed and sitemap) waits for it
        "robots-strict.invalid": {"/robots.txt": slow(page(b"User-agent: *\nDisallow: /news/\nDisallow: /sitemap",
                                                           "text/plain"), 0.5),
                                  "/": page(listing([]))},
        "robots-gone.invalid": {"/": page(listing([])),
                                "/news/thoi-su/van-doc-duoc-3.html": page(article(3).encode())},
    }


QUICK_FAILURES = {"DOWNLOAD_TIMEOUT": 5, "RETRY_TIMES": 1, "VNNEWS_RETRY_BACKOFF_BASE": 0.1}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("config"), SITES)
    out = tmp_path_factory.mktemp("polite") / "out"
    with FaultServer(routes()) as server:
        # no replica_settings(): the sites' own politeness applies, as on a live crawl
        stats = crawl(config, sorted(SITES), out, {"VNNEWS_REPLICA": server.replica, "VNNEWS_CONTACT": CONTACT,
                                                   **QUICK_FAILURES})
    return dict(stats=stats, server=server, out=out, rejects={r["url"]: r for r in read_jsonl(out / "rejects.jsonl")},
                written={m["url"] for m in read_jsonl(out / "manifest.jsonl")})


def hits(run, host: str) -> list:
    return sorted((h for h in run["server"].hits if h.host == host), key=lambda h: h.at)


def test_every_crawl_finished(run):
    assert {site: s["finish_reason"] for site, s in run["stats"].items()} == dict.fromkeys(SITES, "finished")


def test_the_yaml_delay_spaces_the_requests_to_a_site(run):
    times = [h.at for h in hits(run, "polite-a.invalid")]
    assert len(times) >= 1 + 1 + len(ARTICLES)  # robots.txt, the home page, the articles
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.5 * DELAY - 0.02, gaps  # RANDOMIZE_DOWNLOAD_DELAY goes down to half
    assert run["server"].max_in_flight["polite-a.invalid"] == 1


def test_the_yaml_concurrency_is_the_limit_per_site(run):
    # the project default is 1 per site: 2 at once can only come from polite-b's YAML
    assert run["server"].max_in_flight["polite-b.invalid"] == 2
    assert {f"https://polite-b.invalid{p}" for p in ARTICLES} <= run["written"]


def test_the_user_agent_names_the_project_and_the_contact(run):
    agents = {h.user_agent for h in run["server"].hits}
    assert agents == {f"vnnews/{__version__} (+{CONTACT})"}


def test_a_robots_txt_answering_5xx_keeps_the_crawler_off_the_host(run):
    assert [h.path for h in hits(run, "robots-down.invalid")] == ["/robots.txt", "/robots.txt"]  # one retry
    stats = run["stats"]["robots-down"]
    assert stats["robotstxt/unavailable"] == 1 and stats["robotstxt/unavailable/forbidden"] >= 2
    rejected = run["rejects"]["https://robots-down.invalid/news/thoi-su/bi-chan-1.html"]
    assert rejected["reason"] == "fetch-error" and "robots.txt answered HTTP 503" in rejected["detail"]


def test_a_robots_txt_that_cannot_be_fetched_counts_as_unavailable_too(run):
    assert {h.path for h in hits(run, "robots-silent.invalid")} == {"/robots.txt"}
    rejected = run["rejects"]["https://robots-silent.invalid/news/thoi-su/bi-chan-2.html"]
    assert rejected["reason"] == "fetch-error" and "robots.txt could not be fetched" in rejected["detail"]


def test_requests_waiting_for_robots_txt_are_all_checked(run):
    # Scrapy 2.19 lets every waiter but the first through unchecked (crawler/crawl/middlewares.py)
    assert sorted(h.path for h in hits(run, "robots-strict.invalid")) == ["/", "/robots.txt"]
    assert run["stats"]["robots-strict"]["robotstxt/forbidden"] == 4  # two articles, the feed, the sitemap


def test_a_missing_robots_txt_allows_everything(run):
    assert "https://robots-gone.invalid/news/thoi-su/van-doc-duoc-3.html" in run["written"]
    assert run["stats"]["robots-gone"]["robotstxt/response_status_count/404"] == 1
    assert "robotstxt/unavailable" not in run["stats"]["robots-gone"]


def test_scrapys_allow_all_can_be_chosen_back(tmp_path):
    config = make_config(tmp_path / "config", {"robots-down": SITES["robots-down"]})
    with FaultServer(routes()) as server:
        stats = crawl(config, ["robots-down"], tmp_path / "out",
                      {"VNNEWS_REPLICA": server.replica, "VNNEWS_ROBOTSTXT_UNAVAILABLE": "allow",
                       "VNNEWS_SITE_POLITENESS": False, "DOWNLOAD_DELAY": 0,
                       "AUTOTHROTTLE_ENABLED": False, **QUICK_FAILURES})
    assert "/" in server.paths("robots-down.invalid")
    assert "robotstxt/unavailable" not in stats["robots-down"]


def test_an_unknown_robots_policy_is_refused(tmp_path):
    from scrapy.utils.test import get_crawler

    from crawler.crawl.middlewares import UnavailableRobotsTxtMiddleware

    with pytest.raises(ValueError, match="VNNEWS_ROBOTSTXT_UNAVAILABLE"):
        UnavailableRobotsTxtMiddleware(get_crawler(settings_dict={"VNNEWS_ROBOTSTXT_UNAVAILABLE": "maybe"}))


def test_live_crawls_obey_robots_and_use_autothrottle_only_the_replica_turns_it_off():
    from crawler.registry import load_registry
    from crawler.crawl.spider import politeness_settings

    settings = project_settings({})
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.get("VNNEWS_ROBOTSTXT_UNAVAILABLE") == "disallow"
    assert settings.getbool("AUTOTHROTTLE_ENABLED") and settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    for site in load_registry().sites.values():  # the configured sites keep AutoThrottle on
        assert politeness_settings(site)["AUTOTHROTTLE_ENABLED"], site.name
    assert replica_settings("127.0.0.1:1")["AUTOTHROTTLE_ENABLED"] is False
