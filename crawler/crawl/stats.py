"""STATS_CLASS: Scrapy's MemoryStatsCollector without its hook on every attribute read.

Scrapy 2.19's StatsCollector sends every attribute read through a __getattribute__ that wraps
its public methods to warn about a deprecated `spider` argument; the read of its own `_stats`
inside inc_value goes through it too, and fails a lookup of `_cached__stats` first. That made
a stats call cost 1.6 µs instead of 0.1 µs (timeit), and Scrapy's components and ours make
them on the one thread a crawl cannot split: 2% of the crawl process's time in the crawl
benchmark (replica pages in the real pages' furniture; py-spy, GIL samples, 2400 responses,
2026-12-07). The methods are Scrapy's own and still accept the
`spider` argument; passing it no longer warns.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class PlainStatsCollector(MemoryStatsCollector):
    __getattribute__ = object.__getattribute__
