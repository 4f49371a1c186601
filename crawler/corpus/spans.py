"""WARC files cut into byte ranges that the cleaning workers read themselves.

`vnnews reprocess` and `import-warc` with `--jobs N` (crawler/corpus/parallel.py) or
`--scheduler` (crawler/corpus/distributed.py) send spans, not pages: a task is one byte
range of one file; the worker opens the file, reads the records that START in its range
(gzip, warcio's parsing, the digest check), picks and cleans the pages as the serial run
does, and returns the pages (without bodies) with their CleanResults, the range's counts
and warnings. The main process only stores, in archive order. Reading in the main process
cost ~2.7 ms a page beside ~10 ms of cleaning with a site config: three busy processes on
two cores (docs/benchmarks.md).

Why byte ranges (SPAN_BYTES): a task per file holds a whole file's results at once (a
Common Crawl file is 1 GB, tens of thousands of pages) and gives one core to a run of one
big file; a task per N records would make every worker read the file from its start to
find record N. A byte range costs nothing to cut (the file's size), and the worker finds
its first record itself:

- A range that does not start the file begins at the first record whose start lies in it:
  the first gzip member (`1f 8b 08`) from there on that inflates to `WARC/`, or in an
  uncompressed file the first `WARC/` at the start of a line. A real record start is
  never missed; a false one (those bytes inside a record's data) is caught by the chain
  check below and the range read again from the right offset.
- The worker reads on while records start before the range's end; the offset of the first
  record it did not read is its `next`. Range i + 1 is accepted only if it began exactly
  at range i's `next` (the chain check, SpanChain), so the ranges together read every
  record once, as one pass over the file would. A record longer than a range simply
  leaves the ranges it covers empty.
- A range that stops at a damaged record ends the file, as the serial reader stops there:
  the later ranges of the file are dropped unread into the corpus (their counts too).
- ARC files are read whole (one range): their records have no marker to find.

Range size: up to SPAN_BYTES (1 MB of compressed WARC, ~24 of the real ~140 KB pages),
smaller towards the end of the run (`cut`: guided scheduling), down to MIN_SPAN_BYTES.
Measured 2026-12-07 on the real-page archive of benchmarks/archive_speed.py: fixed 256 KB
ranges cost the main process more per page than 1 MB ones (0.34 against 0.23 ms: more
tasks to hand over), while fixed 1 MB ranges can leave one core idle for up to a range's
cleaning at the end (~1 s of generic cleaning; the 480-page generic run gave 1.63× / 1.75×
with them, 1.78× / 1.79× with shrinking ranges, on a shared machine): shrinking ranges at
the end keep the large ranges and shorten the idle tail. Memory: at most `window`
ranges' results wait in the main process (parallel.py, distributed.py), whatever the size
of the files: a 1 GB Common Crawl file is ~1,000 tasks, never one.

No Scrapy import.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

logger = logging.getLogger(__name__)

SPAN_BYTES = 1024 * 1024
MIN_SPAN_BYTES = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_LINE = b"WARC/"  # any version: WARC/0.17 files exist too
_SEARCH_BLOCK = 256 * 1024
FALSE_START = -1  # SpanResult.first of a range that failed after its searched start


@dataclass(frozen=True)
class Span:
    """Records of `path` whose first byte lies in [start, end) (end None: to the end of the file).
    `exact`: `start` is known to be a record's first byte (no search)."""

    path: str
    start: int
    end: int | None
    exact: bool
    last: bool  # the file's last range: its end marker follows

    def __str__(self) -> str:
        return f"{self.path}@{self.start}-{'' if self.end is None else self.end}"


def splittable(path: str | os.PathLike) -> bool:
    return not str(path).endswith((".arc", ".arc.gz"))


def cut(files, workers: int, span_bytes: int | None = None) -> Iterator[Span]:
    """The ranges of every file in order, for `workers` workers: `span_bytes` (default SPAN_BYTES)
    while much is left, then smaller towards the end of the run (guided scheduling: what is left
    / (4 × workers), at least MIN_SPAN_BYTES), so that no worker waits long for the one that
    reads the last range. The cut changes the tasks, never the result (the chain check)."""
    span_bytes = span_bytes or SPAN_BYTES
    smallest = min(MIN_SPAN_BYTES, span_bytes)
    files = [str(path) for path in files]
    sizes = [os.path.getsize(path) for path in files]
    left = sum(sizes)
    for path, size in zip(files, sizes):
        if not splittable(path):
            yield Span(path, 0, None, True, True)
            left -= size
            continue
        at = 0
        while True:
            length = max(smallest, min(span_bytes, left // (4 * workers)))
            end = None if at + length >= size else at + length
            yield Span(path, at, end, at == 0, end is None)
            left -= (size if end is None else end) - at
            if end is None:
                break
            at = end


def _gzip_member_starts_warc(fh, at: int) -> bool:
    fh.seek(at)
    try:
        head = zlib.decompressobj(wbits=31).decompress(fh.read(64 * 1024), 16)
    except zlib.error:
        return False
    return head.startswith(b"WARC/")


def find_record_start(fh, start: int, end: int | None) -> int | None:
    """The first offset in [start, end) that begins a record (see the module's notes), else None."""
    fh.seek(0)
    gzipped = fh.read(2) == _GZIP_MAGIC[:2]
    # an uncompressed record follows a line end: look for the line end too, from the byte before `start`
    marker, skip = (_GZIP_MAGIC, 0) if gzipped else (b"\n" + _WARC_LINE, 1)
    at = start - skip
    while end is None or at + skip < end:
        fh.seek(at)
        block = fh.read(_SEARCH_BLOCK + len(marker) - 1)  # a marker across two blocks is found in the first
        found = block.find(marker)
        while 0 <= found < _SEARCH_BLOCK:
            offset = at + found + skip
            if end is not None and offset >= end:
                return None
            if not gzipped or _gzip_member_starts_warc(fh, offset):
                return offset
            found = block.find(marker, found + 1)
        if len(block) < _SEARCH_BLOCK + len(marker) - 1:  # the end of the file
            return None
        at += _SEARCH_BLOCK
    return None


@dataclass
class Reading:
    """One pass of a reader over a file or a range of it: where it began and stopped, and its
    warnings (logged at once by a serial reader; kept for the main process by a range task)."""

    path: str
    span: Span | None = None
    first: int | None = None  # offset of the first record read (the range's end if none starts in it)
    next: int | None = None  # offset of the first record not read (the file's size at its end)
    stopped: bool = False  # a damaged record ended the file
    warnings: list = field(default_factory=list)  # (logger name, format, args)
    _iterator: ArchiveIterator | None = field(default=None, repr=False)

    @property
    def offset(self) -> int:
        """Where the record being read begins (warcio's own offset: exact in a gzip'd file, where
        each record is a member, and in an uncompressed one)."""
        return self._iterator.offset if self._iterator is not None else (self.first or 0)

    def records(self, fh, **iterator_args) -> Iterator:
        """warcio records of the file (or of the span), read through one ArchiveIterator."""
        span = self.span
        size = os.fstat(fh.fileno()).st_size
        if span is None or span.exact:
            self.first = 0 if span is None else span.start
        else:
            found = find_record_start(fh, span.start, span.end)
            self.first = found if found is not None else (size if span.end is None else span.end)
        if self.first >= size or (span is not None and span.end is not None and self.first >= span.end):
            self.next = self.first
            return
        fh.seek(self.first)
        records = self._iterator = ArchiveIterator(fh, **iterator_args)
        for record in records:
            # warcio's offset of the record just parsed (set when the one before was read to its end)
            if span is not None and span.end is not None and records.offset >= span.end:
                self.next = records.offset
                return
            yield record
        self.next = size

    def warn(self, log: logging.Logger, message: str, *args) -> None:
        if self.span is None:
            log.warning(message, *args)
        else:
            self.warnings.append((log.name, message, args))

    def stop(self, log: logging.Logger, message: str, *args) -> None:
        self.stopped = True
        self.warn(log, message, *args)


@dataclass
class SpanResult:
    """What a range task returns: its (page, CleanResult) pairs in order, counts, and its Reading."""

    results: list
    counts: dict
    first: int | None
    next: int | None
    stopped: bool
    warnings: list


def clean_span(cleaner, span: Span, selection) -> SpanResult:
    """On a worker (a pool process or a Dask worker): read `span`, clean its pages one by one
    (one body in memory at a time). `selection` None: our own archive (reprocess); else an
    importer.Selection."""
    counts: Counter = Counter()
    reading = Reading(span.path, span)
    if selection is None:
        from crawler.corpus.archive import read_archive_file
        from crawler.corpus.reprocess import archive_candidates

        pages = archive_candidates(read_archive_file(span.path, reading), cleaner.registry, counts)
    else:
        from crawler.corpus.importer import read_warc_pages

        selection = cleaner.kept(selection)
        pages = read_warc_pages(Path(span.path), selection, cleaner.registry, cleaner.canonical, counts, reading)
    try:
        results = [cleaner(page) for page in pages]
    except Exception:
        if span.exact:
            raise  # as the serial run would
        # begun at a false record start, warcio may fail in any way: the chain check sends the
        # range again from where the range before it ended, and a real error shows there
        return SpanResult([], {}, FALSE_START, None, False, [])
    return SpanResult(results, dict(counts), reading.first, reading.next, reading.stopped, reading.warnings)


class Redo(Exception):
    """A range began elsewhere than where the range before it ended: read it again from there."""

    def __init__(self, span: Span):
        super().__init__(str(span))
        self.span = span


class SpanChain:
    """The main process's side: takes each range's result in archive order, checks that it
    begins where the one before ended, and gives back what to store, with the file's end
    marker after its last range. Counts and warnings of accepted ranges only."""

    def __init__(self, counts: Counter, end_marker=None):
        self.counts = counts
        self.end_marker = end_marker
        self.expected: int | None = 0  # where the next range must begin; None: the file stopped

    def take(self, span: Span, result: SpanResult) -> list:
        """The items to store, or raises Redo with the range to read again."""
        items: list = []
        if self.expected is not None and (span.end is None or self.expected < span.end):
            if result.first != self.expected:
                raise Redo(replace(span, start=self.expected, exact=True))
            self.counts.update(result.counts)
            for name, message, args in result.warnings:
                logging.getLogger(name).warning(message, *args)
            items = result.results
            self.expected = None if result.stopped else result.next
        # else: no record starts in this range (a long record covers it) or the file stopped before it
        if span.last:
            self.expected = 0
            if self.end_marker is not None:
                items = [*items, (self.end_marker(Path(span.path)), None)]
        return items


def stored_in_order(source: Iterator[Span], submit, window: int, chain: SpanChain, wait=None) -> Iterator:
    """What to store, range after range in archive order, with at most `window` ranges out.

    The one loop of the process pool (parallel.py) and of Dask (distributed.py): `submit(span)`
    sends a range and gives a future; `wait(pending)` gives the oldest range's result, or None
    after it sent the ranges out again (a broken pool; default: the future's result). A range
    that began at a false record start is sent again from where the one before it ended (Redo)."""
    wait = wait or (lambda pending: pending[0][1].result())
    pending: deque = deque()  # [span, future] in archive order

    def send_more() -> None:
        while len(pending) < window:
            span = next(source, None)
            if span is None:
                return
            pending.append([span, submit(span)])

    send_more()
    while pending:  # a range is sent when one was stored: `window` out at most, the stored one included
        result = wait(pending)
        if result is None:
            continue
        entry = pending[0]
        try:
            items = chain.take(entry[0], result)
        except Redo as redo:
            entry[:] = [redo.span, submit(redo.span)]
            continue
        pending.popleft()  # the future and its results go with it: memory stays bounded
        del result, entry
        yield from items
        send_more()
