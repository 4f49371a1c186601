"""Cleaning archived pages on every core, with the results applied in archive order.

`vnnews reprocess --jobs N` and `vnnews import-warc --jobs N` cut the WARC files into byte
ranges (crawler/corpus/spans.py) and hand them to a pool of N worker processes, which read
the records of their range themselves (decompression, parsing, the digest check), pick and
clean the pages; the main process only stores each range's results (CorpusWriter) in
archive order. Sequence numbers, duplicates and the manifest are decided by the one
writer, in order, so the output is byte-identical to a serial run (`--jobs 1`: no pool,
the pages read and cleaned in this process one by one, `cleaned_here`).

- Back-pressure: at most `window` ranges are out at a time; cutting waits for the oldest.
- A worker that dies (killed, out of memory) breaks the pool: a new pool is made and every
  range not stored yet is sent again, so nothing is lost or stored twice. A range that
  breaks the pool three times stops the run with the ranges out.
- Workers start with `forkserver`: no copy of the parent's threads or open files, and the
  cleaning modules are imported once in the server, not once per worker.

No Scrapy import (crawler/corpus/ is the Scrapy-free side).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator

from crawler.corpus.page import PageItem
from crawler.corpus.spans import SpanChain, clean_span, cut, stored_in_order

logger = logging.getLogger(__name__)

MAX_POOL_BREAKS = 3


def default_jobs() -> int:
    """The cores this process may use (a cgroup or taskset limit counts)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class PageCleaner:
    """What a worker does to one article candidate: its document canonical URL (which may
    parse the page's head), then the cleaner's verdict. Returns the page without its body
    (the writer does not need it) and the CleanResult."""

    def __init__(self, config_root: str | os.PathLike):
        from cleaners.cleaner import Cleaner
        from crawler.registry import load_canonicalizer, load_registry

        self.registry = load_registry(config_root)
        self.canonical = load_canonicalizer(config_root)
        self.cleaner = Cleaner(self.registry)
        self._rules: dict[str, object] = {}
        self._selections: dict = {}

    def own_article_test(self, site: str):
        if site not in self._rules:
            from crawler.corpus.reprocess import own_article_test

            self._rules[site] = own_article_test(self.registry, site, self.canonical)
        return self._rules[site]

    def kept(self, selection):
        """This cleaner's copy of an importer.Selection sent with a task: it keeps its compiled URL
        rules from one task to the next (a pickled Selection arrives without them)."""
        return self._selections.setdefault((selection.sites, selection.generic_hosts), selection)

    def verdict(self, page: PageItem):
        """Set the page's document canonical URL, then clean it: its CleanResult (None for a
        page that is not an article candidate). A bug in reading the declared canonical link
        becomes a cleaner-error rejection, as a bug in the cleaner does (clean_page): on every
        path (Scrapy's thread, a crawl worker, reprocess) the page is archived, reported and
        retried, never dropped by an exception."""
        from crawler.corpus.outcome import clean_page, crawl_rejection, document_canonical

        try:
            page.canonical_url = document_canonical(page, self.canonical, self.own_article_test(page.site))
        except Exception as exc:  # one bad page must not stop the crawl; the reject line names the bug
            logger.exception("reading the canonical link of %s failed", page.url)
            page.canonical_url = self.canonical(page.url)
            if page.is_article_candidate:
                return crawl_rejection(page, "cleaner-error", f"{type(exc).__name__}: {exc}")
            return None
        return clean_page(self.cleaner, page)

    def __call__(self, page: PageItem):
        result = self.verdict(page)
        return replace(page, body=b"", response_headers=[], request_headers=[]), result


_worker: PageCleaner | None = None


def _init_worker(config_root: str, parent: int, skip_broken_sites: bool = False, niceness: int = 0) -> None:
    global _worker
    from crawler import registry

    registry.skip_broken_sites(skip_broken_sites)
    if niceness:
        os.nice(niceness)  # relative to the fork server's, which is the starting process's
    _worker = PageCleaner(config_root)
    threading.Thread(target=_exit_with, args=(parent,), name="vnnews-parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """A worker outlives a parent killed with -9 (its own parent is the fork server, which
    lingers too): it would hold the parent's stdout and memory for ever. Leave when it goes
    (a zombie counts as gone: its own parent may not have collected it yet)."""
    while True:
        time.sleep(1.0)
        if not _alive(parent):
            os._exit(1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process got the number: ours is gone
            return False
        return True


def _clean_span(span, selection):
    return clean_span(_worker, span, selection)


class WorkerLost(RuntimeError):
    """A range of a WARC file kept killing the worker that read it."""


def _pool(jobs: int, config_root: str, niceness: int = 0) -> ProcessPoolExecutor:
    """`niceness`: added to the workers' nice value (the crawl's VNNEWS_CLEAN_NICENESS)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["cleaners.cleaner", "crawler.corpus.outcome", "crawler.siterules",
                                    "crawler.corpus.spans", "crawler.corpus.importer", "crawler.corpus.archive"])
    from crawler import registry

    # the workers load the configs as this process does: leaving a broken site file out under
    # `vnnews crawl --all` (registry.skip_broken_sites), else failing on it
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                               initargs=(config_root, os.getpid(), registry.skipping_broken_sites(), niceness))


def start_workers(pool: ProcessPoolExecutor) -> None:
    """Start all of a fresh pool's workers now, so that no later submit starts one.

    Python 3.11's pool starts a worker inside submit() while no worker is idle. When a worker
    has just died, the pool's manager thread closes the pool's pipes at the same time (without
    the submit lock), and a worker being started then sends the fork server a closed pipe: the
    fork server dies of it (EOFError in recvfds), and every later pool of this process is
    refused ("Connection refused") until it has exited. Seen in CI on
    tests/test_archives.py::test_a_killed_cleaning_worker_loses_nothing; a stress loop of a
    killed worker and fast submits reproduced it in 4 of 210 rounds here, in none of 210 with this.
    With all `max_workers` started up front a submit never starts one (the pool does not
    replace dead workers: it breaks). Blocks while the fork server starts (it imports the
    cleaners): call it off the reactor's thread. Uses the pool's own `_launch_processes`
    (private, 3.11 and 3.12); tests/test_archives.py checks that it still starts them all.
    The no-op submit starts the pool's manager thread, which is what stops the workers at
    shutdown() and at the interpreter's exit: without it a pool that never got work kept its
    process from exiting (a crawl stopped by Ctrl-C before its first article in
    tests/test_no_silent_failure.py; tests/test_archives.py::
    test_a_started_pool_that_got_no_work_lets_its_process_exit)."""
    pool._launch_processes()
    pool.submit(int)


def discard(pool: ProcessPoolExecutor) -> None:
    """Let go of a broken pool and make sure none of its workers outlives it.

    Python 3.11's pool marks itself broken without its submit lock, so a submit made while
    the manager thread is terminating the workers can start one more worker after that
    thread killed the others. That worker waits for work for ever and the manager thread
    waits for it, so the interpreter's exit (which joins that thread) hangs; seen about one
    run in ten of tests/test_archives.py::test_a_killed_cleaning_worker_loses_nothing before
    start_workers (a pool whose workers did not all start, because starting them failed,
    still takes this path). The pool's batches are already failed and sent to a new pool, so
    killing its workers loses nothing. Shutting the pool down can also race with the manager thread closing the pipes
    ("handle is closed"): nothing is lost there either."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # cleared by shutdown()
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except OSError:
        pass
    for worker in workers:
        if worker.is_alive():
            worker.kill()


def _submit(pool: ProcessPoolExecutor, span, selection) -> Future:
    """The range's future; a pool that broke since the last look fails it like a running one."""
    try:
        return pool.submit(_clean_span, span, selection)
    except (BrokenProcessPool, OSError) as exc:
        # a pool whose worker just died may fail the submit itself: replacing the dead worker
        # meets the pool's already closed pipes ("handle is closed") before it says it is broken
        failed: Future = Future()
        failed.set_exception(exc if isinstance(exc, BrokenProcessPool) else BrokenProcessPool(str(exc)))
        return failed


def cleaned_here(items: Iterable, config_root: str | os.PathLike) -> Iterator[tuple]:
    """(page, CleanResult) for every page of `items`, cleaned in this process, one at a time.
    Items that are not pages (a marker such as "this file ends here") come back as (item, None)."""
    cleaner = PageCleaner(str(Path(config_root).resolve()))
    for item in items:
        yield cleaner(item) if isinstance(item, PageItem) else (item, None)


def cleaned_in_order(files: Iterable, config_root: str | os.PathLike, jobs: int, selection, counts,
                     end_marker=None, span_bytes: int | None = None, window: int | None = None) -> Iterator[tuple]:
    """(page, CleanResult) for every page of the WARC `files`, in archive order, read and cleaned
    by `jobs` worker processes; `counts` receives the reading counts of every range stored.
    `selection` None: our own archive (reprocess), else an importer.Selection. After each file,
    (end_marker(path), None) when an end_marker is given."""
    config_root = str(Path(config_root).resolve())
    pool = _pool(jobs, config_root)
    start_workers(pool)
    breaks = 0  # pool breaks since a range's result last came back

    def submit(span):
        return _submit(pool, span, selection)

    def wait(pending):
        nonlocal pool, breaks
        try:
            result = pending[0][1].result()
        except BrokenProcessPool:
            # a worker died: every range not stored yet goes to a new pool, in order
            breaks += 1
            if breaks >= MAX_POOL_BREAKS:
                spans = ", ".join(str(item[0]) for item in pending)
                raise WorkerLost(f"cleaning workers died {breaks} times in a row while these ranges of WARC "
                                 f"files were out: {spans}") from None
            discard(pool)
            pool = _pool(jobs, config_root)
            try:
                start_workers(pool)
            except OSError as exc:  # the submits below then fail as one more break, counted above
                logger.warning("starting new cleaning workers failed: %s", exc)
            for item in pending:
                item[1] = submit(item[0])
            return None
        breaks = 0
        return result

    try:
        yield from stored_in_order(cut(files, jobs, span_bytes), submit, window or 3 * jobs,
                                   SpanChain(counts, end_marker), wait)
    finally:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        except OSError:  # a pool that broke at the very end (see discard)
            pass
