"""Item pipelines: clean the article candidates, then write the corpus.

Order (crawler/settings.py ITEM_PIPELINES): ArchivePipeline (crawler/archive.py) keeps
the raw page, CleanPipeline runs the cleaning core, CorpusPipeline writes through
CorpusWriter. All crawlers of one process share the output folder's writer.

CorpusPipeline uses the writer's group commit (crawler/corpus.py): the outcome is known at
once, the fsyncs happen on the writer's thread, and the item goes on to StatePipeline only
once its document or rejection (and the archive before it) is durable, so the reactor
never waits on the disk and the state store never runs ahead of the corpus.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet import defer

from cleaners.cleaner import Cleaner
from scrapy.utils.defer import maybe_deferred_to_future

from .archive import RAW_DIR, open_archive
from .corpus import CorpusWriter
from .items import PageItem
from .processing import clean_page, store_result
from .registry import load_registry
from .shared import SharedWriters

_corpus_writers: SharedWriters[CorpusWriter] = SharedWriters()


def output_dir(settings) -> Path:
    return Path(settings.get("VNNEWS_OUTPUT") or "output")


def group_commit_writer(folder: Path) -> CorpusWriter:
    return CorpusWriter(folder, group_commit=True)


class ArchiveSync:
    """A corpus writer's before-commit hook: fsync the archive this process writes under
    `<out>/raw`, if one is open (looked up at each commit, so the pipelines' opening and
    closing order does not matter; a closed archive was fsynced when its file was finished)."""

    def __init__(self, raw_dir: Path):
        self.raw_dir = Path(raw_dir).resolve()

    def __call__(self) -> None:
        archive = open_archive(self.raw_dir)
        if archive is not None:
            archive.sync()

    def __eq__(self, other) -> bool:
        return isinstance(other, ArchiveSync) and other.raw_dir == self.raw_dir

    def __hash__(self) -> int:
        return hash(self.raw_dir)


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
        from twisted.internet import reactor

        self.reactor = reactor
        self.writer = _corpus_writers.acquire(self.out_dir, group_commit_writer)
        hook = ArchiveSync(self.out_dir / RAW_DIR)
        if hook not in self.writer.before_commit:
            self.writer.before_commit.append(hook)

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
                # the verdict stays on the item for StatePipeline, which records it and then drops
                # it: only once what the verdict rests on is durable (a duplicate's original, a
                # rejection written before may still be in the batch being committed)
                return self._when_durable(item)
        return item

    async def _when_durable(self, item):
        done: defer.Deferred = defer.Deferred()

        def committed(error: BaseException | None) -> None:  # on the writer's thread
            self.reactor.callFromThread(done.errback if error else done.callback, error or item)

        self.writer.when_durable(committed)
        return await maybe_deferred_to_future(done)
