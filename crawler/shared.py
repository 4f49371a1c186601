"""One writer per output folder and process, shared by the crawlers of one run.

`vnnews crawl --all` runs one crawler per site in a single process. They must share the
corpus writer (one sequence of numbers, one manifest) and the WARC archive (one record
order, which `vnnews reprocess` replays), so each pipeline acquires the shared instance
when its spider opens and releases it when the spider closes; the last release closes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class SharedWriters(Generic[T]):
    def __init__(self):
        self._open: dict[Path, list] = {}  # folder -> [writer, number of holders]

    def acquire(self, folder: str | Path, make: Callable[[Path], T]) -> T:
        """The folder's writer; `make(folder)` builds it for the first holder."""
        key = Path(folder).resolve()
        if key not in self._open:
            self._open[key] = [make(key), 0]
        self._open[key][1] += 1
        return self._open[key][0]

    def release(self, folder: str | Path) -> None:
        key = Path(folder).resolve()
        entry = self._open.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del self._open[key]
            entry[0].close()
