"""Item pipelines: clean the article candidates, then write the corpus.

Order (crawler/settings.py ITEM_PIPELINES): ArchivePipeline (crawler/archive.py) keeps
the raw page, CleanPipeline runs the cleaning core, CorpusPipeline writes through
CorpusWriter. All crawlers of one process share the output folder's writer.
"""

from __future__ import annotations

from pathlib import Path

from cleaners.pipeline import Cleaner

from .corpus import CorpusWriter
from .items import PageItem
from .processing import clean_page, store_result
from .registry import load_registry
from .shared import SharedWriters

_corpus_writers: SharedWriters[CorpusWriter] = SharedWriters()


def output_dir(settings) -> Path:
    return Path(settings.get("VNNEWS_OUTPUT") or "output")


class CleanPipeline:
    """Runs the Cleaner on article candidates; stats clean/ok and clean/rejected/<reason>."""

    def __init__(self, crawler, cleaner: Cleaner):
        self.stats = crawler.stats
        self.cleaner = cleaner

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Cleaner(load_registry()))

    def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        result = clean_page(self.cleaner, item)
        if result is not None:
            item.clean_result = result
            self.stats.inc_value("clean/ok" if result.ok else f"clean/rejected/{result.reason}")
        return item


class CorpusPipeline:
    """Writes cleaned documents and rejections into VNNEWS_OUTPUT; stats corpus/<outcome>."""

    def __init__(self, crawler, out_dir: Path):
        self.stats = crawler.stats
        self.out_dir = out_dir
        self.writer: CorpusWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, output_dir(crawler.settings))

    def open_spider(self) -> None:
        # a CorpusError here (folder locked or inconsistent) stops the crawl before any fetch
        self.writer = _corpus_writers.acquire(self.out_dir, CorpusWriter)

    def close_spider(self) -> None:
        if self.writer is not None:
            _corpus_writers.release(self.out_dir)
            self.writer = None

    def process_item(self, item):
        if isinstance(item, PageItem):
            outcome = store_result(self.writer, item, item.clean_result)
            if outcome:
                self.stats.inc_value(f"corpus/{outcome}")
                item.outcome = outcome
            # the verdict stays on the item for StatePipeline, which records it and then drops it
        return item
