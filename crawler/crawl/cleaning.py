"""The crawl's cleaning on every core: a pool of worker processes behind CleanPipeline.

Scrapy runs the item pipelines on its reactor thread, so cleaning there uses one core and a
slow page holds up every download. With VNNEWS_CLEAN_PROCESSES > 1 (default: the number of
cores) CleanPipeline hands each article candidate to a process pool (pages in, CleanResults
out) and gives the items back to Scrapy **in the order they arrived**, which is the order
the archive wrote them: the corpus writer then hands out the same sequence numbers, and
`vnnews reprocess` replays the archive into the same corpus. One OrderedCleaning per output
folder, shared by the crawlers of a run (RunWriters), so the order is the run's order.

- Back-pressure: an item holds its response in Scrapy's scraper slot until it is stored,
  so Scrapy stops handing out responses once SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes wait; the
  pool's queue cannot grow beyond that.
- A worker that dies (killed, out of memory): the pool is replaced and every page not
  cleaned yet is sent again, so nothing is lost; after MAX_POOL_BREAKS breaks in a row the
  pages get a "cleaner-error" rejection naming the failure (a page that kills the cleaner
  must not stop the crawl).
- Workers leave when the crawl process is killed (crawler/corpus/parallel.py).
"""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from twisted.internet import defer

from crawler.corpus.outcome import crawl_rejection
from crawler.corpus.page import PageItem
from crawler.corpus import parallel

logger = logging.getLogger(__name__)


def _clean_one(page: PageItem):
    """In a worker: the page's document canonical URL (it may parse the page's head: work kept
    off Scrapy's thread) and the cleaner's verdict."""
    result = parallel._worker.verdict(page)
    return page.canonical_url, result


class _Entry:
    __slots__ = ("item", "done", "result", "ready")

    def __init__(self, item: PageItem):
        self.item = item
        self.done: defer.Deferred = defer.Deferred()
        self.result = None
        self.ready = False


class OrderedCleaning:
    """Cleans pages in a process pool; each item's Deferred fires in arrival order."""

    def __init__(self, local: parallel.PageCleaner, config_root: str, processes: int, niceness: int = 0):
        from twisted.internet import reactor

        self.reactor = reactor
        self.local = local  # for the pages that need no worker (non-candidates, fetch faults)
        self.config_root = config_root
        self.processes = processes
        self.niceness = niceness  # the workers run this much nicer than the crawl (VNNEWS_CLEAN_NICENESS)
        self.queue: deque[_Entry] = deque()
        self.breaks = 0
        self.generation = 0
        # Starting a worker blocks until the fork server has imported the cleaners (seconds):
        # pool.submit is called on this one thread, never on the reactor's, in arrival order.
        self.submitter = ThreadPoolExecutor(1, thread_name_prefix="vnnews-clean-submit")
        self.pool = parallel._pool(processes, config_root, niceness)
        self._start_workers()

    def _start_workers(self) -> None:
        """All of the pool's workers, started on the submitter thread before any page is sent
        to them (see parallel.start_workers: a submit that starts a worker can take the fork
        server down with a worker that just died)."""
        self.submitter.submit(self._start_workers_now, self.pool)

    @staticmethod
    def _start_workers_now(pool) -> None:  # on the submitter thread
        try:
            parallel.start_workers(pool)
        except Exception:  # noqa: BLE001 - the pool's submits then start them, or fail as a break
            logger.exception("starting the cleaning workers failed")

    def clean(self, item: PageItem) -> defer.Deferred:
        entry = _Entry(item)
        self.queue.append(entry)
        if item.is_article_candidate and item.fetch_fault is None and 200 <= item.status < 300:
            self._submit(entry)
        else:  # decided without the cleaner (or not cleaned at all): no need to ship the page
            entry.result, entry.ready = self.local.verdict(item), True
            self._release()
        return entry.done

    def _submit(self, entry: _Entry) -> None:
        self.submitter.submit(self._submit_now, self.pool, entry, self.generation)

    def _submit_now(self, pool, entry: _Entry, generation: int) -> None:  # on the submitter thread
        try:
            future = pool.submit(_clean_one, entry.item)
        except BaseException as exc:  # noqa: BLE001 - a broken or shut-down pool: handled on the reactor
            self.reactor.callFromThread(self._finished, entry, generation, None,
                                        exc if isinstance(exc, BrokenProcessPool) else BrokenProcessPool(str(exc)))
            return
        future.add_done_callback(lambda f: self.reactor.callFromThread(
            self._finished, entry, generation, *self._outcome(f)))

    @staticmethod
    def _outcome(future):
        try:
            return future.result(), None  # (canonical URL, CleanResult)
        except BaseException as exc:  # noqa: BLE001 - handed to the reactor thread
            return None, exc

    def _finished(self, entry: _Entry, generation: int, result, error) -> None:
        if entry.ready:
            return
        if isinstance(error, BrokenProcessPool):
            if generation == self.generation:  # the first report of this pool's death
                self._replace_pool(error)
            else:
                return  # already sent to the new pool
            return
        if error is not None:  # e.g. a page that cannot be pickled: this page only
            logger.error("cleaning %s in a worker failed: %r", entry.item.url, error)
            result = crawl_rejection(entry.item, "cleaner-error", f"{type(error).__name__}: {error}")
        else:
            entry.item.canonical_url, result = result
        self.breaks = 0
        entry.result, entry.ready = result, True
        self._release()

    def _replace_pool(self, error) -> None:
        self.breaks += 1
        self.generation += 1
        parallel.discard(self.pool)
        waiting = [e for e in self.queue if not e.ready]
        if self.breaks >= parallel.MAX_POOL_BREAKS:
            logger.error("cleaning workers died %d times in a row; rejecting the %d page(s) they held",
                         self.breaks, len(waiting))
            for entry in waiting:
                entry.result = crawl_rejection(entry.item, "cleaner-error", f"the cleaning worker died ({error})")
                entry.ready = True
            self.breaks = 0
        else:
            logger.warning("a cleaning worker died (%s); sending its %d page(s) to a new pool", error, len(waiting))
        self.pool = parallel._pool(self.processes, self.config_root, self.niceness)
        self._start_workers()
        for entry in waiting:
            if not entry.ready:
                self._submit(entry)
        self._release()

    def _release(self) -> None:
        while self.queue and self.queue[0].ready:
            entry = self.queue.popleft()
            entry.done.callback(entry.result)

    def close(self) -> None:
        self.submitter.shutdown(wait=True)
        self.pool.shutdown(wait=True, cancel_futures=True)
