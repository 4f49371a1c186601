"""Pending requests on disk, for one run only (SCHEDULER, VNNEWS_DISK_QUEUE).

Scrapy keeps the requests waiting to be fetched in memory unless a JOBDIR is set: a sitemap
naming 100,000 articles then holds 100,000 Request objects (and their fingerprints) at once,
about 3 KB each. A JOBDIR moves them to disk queues, but it also makes Scrapy persist its
duplicate filter and resume a stopped crawl from its own files, which are not crash-safe and
would compete with the crawl-state store (crawler/corpus/state.py), the one thing that resumes a
vnnews crawl.

ScratchScheduler is Scrapy's scheduler with its disk queues (SCHEDULER_DISK_QUEUE) in a
scratch folder of the run, <output>/state/queue/<site>/run-XXXX/: created empty when the
spider opens, deleted when it closes, never read back. A run killed before it could delete
its folder leaves it behind; the next run (of any site, into the same output folder) deletes
it. Each run holds an flock on its own folder, so a folder in use is never deleted and two
runs, of two sites or of the same one, never share a folder.

With -s JOBDIR=DIR this class is Scrapy's scheduler unchanged (Scrapy's own resume), and with
VNNEWS_DISK_QUEUE = False the pending requests stay in memory as Scrapy does by default.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from scrapy.core.scheduler import Scheduler

logger = logging.getLogger(__name__)

RUN_PREFIX = "run-"


def queue_root(out_dir: Path) -> Path:
    """Where the runs of an output folder keep their pending requests."""
    return Path(out_dir) / "state" / "queue"


def _folder_name(site: str) -> str:
    return re.sub(r"[^\w.-]", "_", site) or "spider"


class ScratchFolder:
    """One run's private folder under <root>/<site>/, locked (flock) while the run lives."""

    def __init__(self, root: Path, site: str):
        self.root = Path(root)
        self.site_dir = self.root / _folder_name(site)
        self.path: Path | None = None
        self._fd: int | None = None

    def open(self) -> "ScratchFolder":
        removed = sweep(self.root)
        if removed:
            logger.info("removed %d pending-request folder(s) a stopped run left in %s", removed, self.root)
        while self.path is None:
            self.site_dir.mkdir(parents=True, exist_ok=True)
            try:
                path = Path(tempfile.mkdtemp(prefix=RUN_PREFIX, dir=self.site_dir))
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            except FileNotFoundError:
                continue  # another run's sweep or close removed the folder just now: again
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a sweep that took it first deletes it
            if os.fstat(fd).st_nlink == 0:
                os.close(fd)  # swept between mkdtemp and flock: take a new one
                continue
            self.path, self._fd = path, fd
        return self

    def remove(self) -> None:
        if self.path is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)  # the kernel drops the lock; a killed run's lock goes the same way
        self.path, self._fd = None, None
        for empty in (self.site_dir, self.root):
            try:
                empty.rmdir()  # only when no other run uses it; a racing run recreates it
            except OSError:
                break


def sweep(root: Path) -> int:
    """Delete the run folders under root/<site>/ that no live process holds; how many."""
    removed = 0
    if not root.is_dir():
        return 0
    for path in sorted(root.glob(f"*/{RUN_PREFIX}*")):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # gone already, or not a folder
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # a running crawl's
        try:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        finally:
            os.close(fd)
        try:
            path.parent.rmdir()  # a site's folder with no run left; a racing run recreates it
        except OSError:
            pass
    return removed


class ScratchScheduler(Scheduler):
    """SCHEDULER: Scrapy's scheduler with its disk queues in a per-run scratch folder."""

    scratch: ScratchFolder | None = None
    scratch_root: Path | None = None

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        if scheduler.dqdir is None and settings.getbool("VNNEWS_DISK_QUEUE"):
            scheduler.scratch_root = queue_root(Path(settings.get("VNNEWS_OUTPUT") or "output"))
        return scheduler

    def open(self, spider):
        if self.scratch_root is not None:
            site = getattr(spider, "site_name", "") or spider.name
            self.scratch = ScratchFolder(self.scratch_root, site).open()
            self.dqdir = str(self.scratch.path)
            logger.info("pending requests of %s on disk in %s (removed at the end of the run)", site, self.dqdir)
        return super().open(spider)

    def close(self, reason: str):
        if self.scratch is None:
            return super().close(reason)
        try:
            if getattr(self, "dqs", None) is not None:
                self.dqs.close()  # no active.json: nothing is ever resumed from this folder
                self.dqs = None
            return super().close(reason)
        finally:
            self.scratch.remove()
            self.scratch = None
