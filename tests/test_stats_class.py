"""The crawl's STATS_CLASS (crawler/crawl/stats.py) keeps Scrapy's stats exactly as Scrapy's
MemoryStatsCollector does, without its hook on every attribute read."""

from __future__ import annotations

import warnings

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.crawl import settings as project_settings
from crawler.crawl.stats import PlainStatsCollector


class _Spider:
    name = "baolaichau"


def exercise(stats) -> dict:
    stats.open_spider()
    stats.inc_value("clean/accepted")
    stats.inc_value("clean/accepted", 2)
    stats.inc_value("links/seen", 5, start=10)
    stats.max_value("peak", 3)
    stats.max_value("peak", 1)
    stats.min_value("low", 3)
    stats.min_value("low", 7)
    stats.set_value("finish_reason", "finished")
    got = dict(stats.get_stats())
    got["read"] = stats.get_value("clean/accepted"), stats.get_value("missing", "none")
    return got


def test_it_keeps_what_scrapys_collector_keeps():
    crawler = get_crawler()
    ours, scrapys = PlainStatsCollector(crawler), MemoryStatsCollector(crawler)
    assert exercise(ours) == exercise(scrapys) == {
        "clean/accepted": 3, "links/seen": 15, "peak": 3, "low": 3, "finish_reason": "finished",
        "read": (3, "none")}


def test_a_spider_argument_is_still_accepted():
    stats = PlainStatsCollector(get_crawler())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.inc_value("x", spider=_Spider())
    assert stats.get_value("x") == 1


def test_reading_an_attribute_does_not_go_through_scrapys_hook():
    assert PlainStatsCollector.__getattribute__ is object.__getattribute__
    stats = PlainStatsCollector(get_crawler())
    stats.inc_value("x")
    assert not [name for name in vars(stats) if name.startswith("_cached_")]  # Scrapy's hook caches wrappers


def test_the_crawl_uses_it():
    assert project_settings.STATS_CLASS == "crawler.crawl.stats.PlainStatsCollector"
    crawler = get_crawler(settings_dict={"STATS_CLASS": project_settings.STATS_CLASS})
    assert type(crawler.stats) is PlainStatsCollector
