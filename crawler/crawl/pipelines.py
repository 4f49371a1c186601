"""Item pipelines: clean the article candidates, then write the corpus.

Order (crawler/crawl/settings.py ITEM_PIPELINES): ArchivePipeline keeps
the raw page, CleanPipeline runs the cleaning core, CorpusPipeline writes through
CorpusWriter. All crawlers of one run share the output folder's writers (RunWriters).

CorpusPipeline uses the writer's group commit (crawler/corpus/writer.py): the outcome is known at
once, the fsyncs happen on the writer's thread, and the item goes on to StatePipeline only
once its document or rejection (and the archive before it) is durable, so the reactor
never waits on the disk and the state store never runs ahead of the corpus.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.exceptions import NotConfigured
from twisted.internet import defer

from scrapy.utils.defer import maybe_deferred_to_future

from crawler.corpus.archive import RAW_DIR, WarcArchive
from crawler.corpus.writer import CorpusWriter
from crawler.corpus.page import PageItem
from crawler.corpus.outcome import store_result
from crawler.corpus.parallel import PageCleaner
from crawler.registry import load_registry
from crawler.crawl.writers import RunWriters


def output_dir(settings) -> Path:
    return Path(settings.get("VNNEWS_OUTPUT") or "output")


def group_commit_writer(folder: Path) -> CorpusWriter:
    return CorpusWriter(folder, group_commit=True)


class ArchiveSync:
    """A corpus writer's before-commit hook: fsync the archive the run writes under
    `<out>/raw`, if one is open (looked up at each commit, so the pipelines' opening and
    closing order does not matter; a closed archive was fsynced when its file was finished)."""

    def __init__(self, writers: RunWriters, raw_dir: Path):
        self.writers = writers
        self.raw_dir = Path(raw_dir).resolve()

    def __call__(self) -> None:
        archive = self.writers.archives.get(self.raw_dir)
        if archive is not None and not archive.closed:
            archive.sync()

    def __eq__(self, other) -> bool:
        return isinstance(other, ArchiveSync) and other.raw_dir == self.raw_dir

    def __hash__(self) -> int:
        return hash(self.raw_dir)


class ArchivePipeline:
    """Item pipeline: archives every PageItem before it is cleaned. VNNEWS_ARCHIVE=False turns it off."""

    def __init__(self, crawler, raw_dir: Path):
        self.crawler = crawler
        self.raw_dir = raw_dir
        self.writers = RunWriters.of(crawler)
        self.archive: WarcArchive | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("VNNEWS_ARCHIVE"):
            raise NotConfigured("VNNEWS_ARCHIVE is off")
        raw_dir = Path(crawler.settings.get("VNNEWS_OUTPUT") or "output") / RAW_DIR
        return cls(crawler, raw_dir)

    def open_spider(self) -> None:
        # fsynced by the corpus writer's group commit, before the manifest lines (see above)
        self.archive = self.writers.archives.acquire(self.raw_dir, self._make_archive)

    def _make_archive(self, folder: Path) -> WarcArchive:
        return WarcArchive(folder, self.crawler.settings.getint("VNNEWS_ARCHIVE_MAX_BYTES"), fsync_each=False)

    def close_spider(self) -> None:
        if self.archive is not None:
            self.writers.archives.release(self.raw_dir)
            self.archive = None

    def process_item(self, item):
        if isinstance(item, PageItem) and self.archive is not None and item.fetch_fault is None:
            self.archive.write(item)
            self.crawler.stats.inc_value("archive/pages")
        return item


def clean_niceness_setting(settings) -> int:
    """VNNEWS_CLEAN_NICENESS, 0 to 19: only root may raise a process's priority, so a negative
    value would kill every worker as it starts."""
    try:
        value = settings.getint("VNNEWS_CLEAN_NICENESS")
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 19:
        raise ValueError("setting VNNEWS_CLEAN_NICENESS: expected a whole number from 0 (the crawl's own "
                         f"priority) to 19 (the lowest), got {settings.get('VNNEWS_CLEAN_NICENESS')!r}")
    return value


class CleanPipeline:
    """Runs the Cleaner on article candidates; stats clean/ok, clean/rejected/<reason> and each
    step's count, clean/<step>/removed. It also gives each page its document canonical URL (the
    spider leaves the fetched URL's canonical form): the page's declared <link rel=canonical>
    when that names an article of the site, which may mean parsing the page's head, work that
    belongs with the cleaning, off Scrapy's thread when a pool cleans.

    VNNEWS_CLEAN_PROCESSES > 1 (0: the number of cores, the default) cleans in a pool of
    worker processes, one per output folder and run, items handed on in arrival order
    (crawler/crawl/cleaning.py); 1 cleans on the reactor thread."""

    def __init__(self, crawler, cleaner: PageCleaner, processes: int = 1, out_dir: Path | None = None,
                 niceness: int = 0):
        self.stats = crawler.stats
        self.cleaner = cleaner  # also sets each page's document canonical URL
        self.processes = processes
        self.niceness = niceness
        self.out_dir = out_dir
        self.writers = RunWriters.of(crawler) if processes > 1 else None
        self.pool = None

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.corpus.parallel import default_jobs

        processes = crawler.settings.getint("VNNEWS_CLEAN_PROCESSES") or default_jobs()
        return cls(crawler, PageCleaner(load_registry().root), processes, output_dir(crawler.settings),
                   clean_niceness_setting(crawler.settings))

    def open_spider(self) -> None:
        self.stats.set_value("clean/processes", self.processes)
        if self.processes > 1:
            from crawler.crawl.cleaning import OrderedCleaning

            self.pool = self.writers.cleaning.acquire(
                self.out_dir,
                lambda _: OrderedCleaning(self.cleaner, str(load_registry().root), self.processes, self.niceness))

    def close_spider(self) -> None:
        if self.pool is not None:
            self.writers.cleaning.release(self.out_dir)
            self.pool = None

    def _count(self, item, result) -> None:
        if result is not None:
            item.clean_result = result
            self.stats.inc_value("clean/ok" if result.ok else f"clean/rejected/{result.reason}")
            for name, count in result.stats().items():  # which rules fired how often: clean/<step>/removed
                self.stats.inc_value(name, count)

    def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        if self.pool is not None:
            return self._in_order(item)
        self._count(item, self.cleaner.verdict(item))
        return item

    async def _in_order(self, item):
        result = await maybe_deferred_to_future(self.pool.clean(item))
        self._count(item, result)
        return item


class CorpusPipeline:
    """Writes cleaned documents and rejections into VNNEWS_OUTPUT; stats corpus/<outcome>."""

    def __init__(self, crawler, out_dir: Path):
        self.stats = crawler.stats
        self.out_dir = out_dir
        self.writers = RunWriters.of(crawler)
        self.writer: CorpusWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, output_dir(crawler.settings))

    def open_spider(self) -> None:
        # a CorpusError here (folder locked or inconsistent) stops the crawl before any fetch
        from twisted.internet import reactor

        self.reactor = reactor
        self.writer = self.writers.corpus.acquire(self.out_dir, group_commit_writer)
        hook = ArchiveSync(self.writers, self.out_dir / RAW_DIR)
        if hook not in self.writer.before_commit:
            self.writer.before_commit.append(hook)

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writers.corpus.release(self.out_dir)
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
