"""The writers of one crawl run, shared by its crawlers: an object the crawlers hold.

`vnnews crawl --all` runs one crawler per site in a single process. They must share the
corpus writer (one sequence of numbers, one manifest), the WARC archive (one record order,
which `vnnews reprocess` replays) and the crawl-state store of each output folder. The
runner (crawler/crawl/runner.py) gives every crawler of a run the same RunWriters; a crawler
started on its own (`scrapy crawl`) gets one of its own. Each pipeline acquires its
folder's writer when its spider opens and releases it when the spider closes; the last
release closes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Generic, TypeVar

T = TypeVar("T")

ATTRIBUTE = "vnnews_writers"  # where a crawler holds its run's RunWriters


class SharedWriters(Generic[T]):
    """One writer per folder, counted by holders."""

    def __init__(self):
        self._open: dict[Path, list] = {}  # folder -> [writer, number of holders]

    def acquire(self, folder: str | Path, make: Callable[[Path], T]) -> T:
        """The folder's writer; `make(folder)` builds it for the first holder."""
        key = Path(folder).resolve()
        if key not in self._open:
            self._open[key] = [make(key), 0]
        self._open[key][1] += 1
        return self._open[key][0]

    def get(self, folder: str | Path) -> T | None:
        """The folder's writer while someone holds it."""
        entry = self._open.get(Path(folder).resolve())
        return entry[0] if entry else None

    def release(self, folder: str | Path) -> None:
        key = Path(folder).resolve()
        entry = self._open.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del self._open[key]
            entry[0].close()


class RunWriters:
    """The corpus writers, WARC archives and state stores of one run, by folder."""

    def __init__(self):
        self.corpus: SharedWriters = SharedWriters()
        self.archives: SharedWriters = SharedWriters()
        self.states: SharedWriters = SharedWriters()
        self.cleaning: SharedWriters = SharedWriters()  # CleanPipeline's process pool (crawler/crawl/cleaning.py)

    @classmethod
    def of(cls, crawler) -> "RunWriters":
        """The run's writers this crawler was given, or its own when it runs alone."""
        writers = getattr(crawler, ATTRIBUTE, None)
        if writers is None:
            writers = cls()
            setattr(crawler, ATTRIBUTE, writers)
        return writers

    def share_with(self, crawler) -> None:
        setattr(crawler, ATTRIBUTE, self)
