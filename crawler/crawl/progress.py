"""Live progress of a long crawl: one line per site on stderr every few seconds.

    [progress] baolaichau: 120 pages, 48 written, 9 rejected, 3 skipped, 2 errors (61s)

A Scrapy extension (one per crawler, so one line per site). VNNEWS_PROGRESS = "auto" shows
it only when stderr is a terminal, so cron and systemd logs stay quiet; "on" forces it.
"""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

MODES = ("auto", "on", "off")


def progress_enabled(mode: str, stream) -> bool:
    mode = (mode or "auto").strip().lower()
    if mode not in MODES:
        raise ValueError(f"setting VNNEWS_PROGRESS: expected one of {', '.join(MODES)}, got {mode!r}")
    return mode == "on" or (mode == "auto" and stream.isatty())


def progress_line(site: str, stats: dict, elapsed: float) -> str:
    """The figures of the summary table and `vnnews report`: a rejection whose reason is retried
    next run (a fetch error, a truncated page; crawler/corpus/retry.py) counts as an error, as
    the state store counts it, plus the requests given up after their retries. (An HTTP error
    is counted as rejected here; the store splits it by status.)"""
    from crawler.corpus.retry import NEXT_RUN, retry_policy

    reasons = {k[len("clean/rejected/"):]: int(v) for k, v in stats.items() if k.startswith("clean/rejected/")}
    retried = sum(n for reason, n in reasons.items() if reason != "http-error" and retry_policy(reason) == NEXT_RUN)
    rejected = sum(reasons.values()) - retried
    errors = int(stats.get("retry/max_reached", 0)) + retried
    return (f"[progress] {site}: {stats.get('response_received_count', 0)} pages, "
            f"{stats.get('corpus/written', 0)} written, {rejected} rejected, "
            f"{stats.get('incremental/skipped', 0)} skipped, {errors} errors ({elapsed:.0f}s)")


class LiveProgress:
    """Prints the site's progress line every VNNEWS_PROGRESS_INTERVAL seconds, and once at the end."""

    def __init__(self, crawler, interval: float, stream):
        self.crawler = crawler
        self.interval = interval
        self.stream = stream
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not progress_enabled(settings.get("VNNEWS_PROGRESS"), sys.stderr):
            raise NotConfigured  # off, or auto under cron/systemd: nothing to warn about
        interval = settings.getfloat("VNNEWS_PROGRESS_INTERVAL")
        if interval <= 0:
            raise ValueError(f"setting VNNEWS_PROGRESS_INTERVAL: expected seconds > 0, got {interval}")
        return cls(crawler, interval, sys.stderr)

    @property
    def site(self) -> str:
        spider = self.crawler.spider
        return getattr(spider, "site_name", "") or spider.name

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.show()

    def show(self) -> None:
        stats = self.crawler.stats.get_stats()
        print(progress_line(self.site, stats, time.monotonic() - self.started), file=self.stream, flush=True)
