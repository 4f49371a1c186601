"""Every fetched page, kept raw in WARC files under <output>/raw/ (warcio, gzip'd).

The archive is what `vnnews reprocess` rebuilds the corpus from, with improved cleaners
and no network. It is written by an item pipeline placed before the cleaner, so records
are in the order the corpus is written and a replay gives the same sequence numbers.

Each page is a request record and a response record under the page's real URL. The
response record holds the body as the spider received it (after HTTP decompression and
dechunking, so its Content-Length is rewritten) plus three vnnews fields: the site, the
kind of page, and the first URL when a redirect led here. Files are written as
`*.warc.gz.open` and renamed when complete (Heritrix's convention).

Durability: the archive never lags the corpus. On its own (`fsync_each=True`, the
default) every page is flushed and fsynced before `write` returns. In a crawl the
ArchivePipeline writes with `fsync_each=False` (each page still flushed to the kernel
before the cleaner sees it, so a kill -9 loses nothing) and the corpus writer's group
commit calls `sync()` from its writer thread before it appends any manifest or rejects
line (crawler/corpus/writer.py): a page's record is durable before the corpus announces its
document or rejection. A finished file is fsynced before it is renamed and closed.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import threading
from http import HTTPStatus
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from isal import isal_zlib
from w3lib.url import safe_url_string
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import __version__
from crawler.corpus.page import PageItem

logger = logging.getLogger(__name__)

RAW_DIR = "raw"
OPEN_SUFFIX = ".open"
SITE_HEADER, KIND_HEADER, FIRST_URL_HEADER = "WARC-Vnnews-Site", "WARC-Vnnews-Kind", "WARC-Vnnews-Request-URL"
# the body is stored decoded, so headers describing the wire encoding would lie
_WIRE_HEADERS = {b"content-length", b"content-encoding", b"transfer-encoding"}


# warcio's own gzip=True compresses every record with zlib at level 9, and a crawl compresses
# on Scrapy's reactor thread, where every millisecond is a millisecond of downloads held up. On
# the 24 real pages of ../shared/benchmarks/vn-real* (183 KB on average, 2026-12-07) zlib takes
# 3.9 ms a page at level 6 for 0.225 of the raw size; ISA-L's deflate (the isal package, the
# same gzip format that every WARC reader inflates) takes 0.8 ms at its level 3 for 0.251 and
# 0.39 ms at level 2 for 0.258. A profile of a crawl of replica pages in the real pages'
# furniture had the compression at a quarter of the reactor thread's time. So the records are
# compressed here (_GzipMembers) with ISA-L, and warcio writes them plain. Level 3 rather than
# 2: a crawl of those replica pages ran as fast with either (within the runs' spread), and the
# archive is kept for good.
GZIP_LEVEL = 3


class _GzipMembers:
    """The file warcio writes to: each record becomes one gzip member of `out`, as WARC readers
    (and our byte-range readers, crawler/corpus/spans.py) expect. warcio calls flush() once, at
    the end of every record (tests/test_archives.py holds one record per member)."""

    def __init__(self, out, level: int = GZIP_LEVEL):
        self.out = out
        self.level = level
        self._compressor = self._new()

    def _new(self):
        return isal_zlib.compressobj(self.level, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)  # +16: gzip

    def write(self, data: bytes) -> int:
        self.out.write(self._compressor.compress(data))
        return len(data)

    def flush(self) -> None:
        self.out.write(self._compressor.flush())
        self._compressor = self._new()


def warc_date(fetched_at: str) -> str:
    return fetched_at if fetched_at.endswith("Z") else fetched_at + "Z"


def _text_headers(pairs) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in pairs]


class WarcArchive:
    """Appends pages to rotating WARC files in one folder."""

    def __init__(self, raw_dir: str | os.PathLike, max_bytes: int = 512 * 1024 * 1024, fsync_each: bool = True):
        self.raw_dir = Path(raw_dir)
        self.fsync_each = fsync_each
        self._lock = threading.Lock()  # sync() may come from the corpus writer's thread
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.run_stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.serial = 0
        self._fh = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        self.pages_written = 0
        self.closed = False

    def _open_next(self) -> None:
        name = f"vnnews-{self.run_stamp}-{os.getpid()}-{self.serial:05d}.warc.gz"
        self.serial += 1
        self._path = self.raw_dir / (name + OPEN_SUFFIX)
        self._fh = self._path.open("xb")
        self._writer = WARCWriter(_GzipMembers(self._fh), gzip=False)
        info = {"software": f"vnnews/{__version__} (Scrapy, warcio)", "format": "WARC File Format 1.0",
                "description": "pages fetched by a vnnews crawl; bodies stored as the spider received them"}
        self._writer.write_record(self._writer.create_warcinfo_record(name, info))

    def _finish_file(self) -> None:
        with self._lock:
            if self._fh is None:
                return
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._path.rename(self._path.with_name(self._path.name[: -len(OPEN_SUFFIX)]))
            self._fh = self._writer = self._path = None

    def sync(self) -> None:
        """Make every page written so far durable (a finished file already is)."""
        with self._lock:
            if self._fh is not None:
                os.fsync(self._fh.fileno())

    def write(self, page: PageItem) -> None:
        if self._fh is None:
            self._open_next()
        date = warc_date(page.fetched_at)
        url = safe_url_string(page.url)  # WARC and HTTP headers are ASCII; Scrapy URLs already are
        request = self._request_record(page, url, date)
        response = self._response_record(page, url, date, request.rec_headers.get_header("WARC-Record-ID"))
        self._writer.write_record(request)
        self._writer.write_record(response)
        self._fh.flush()
        if self.fsync_each:
            os.fsync(self._fh.fileno())
        self.pages_written += 1
        if self._fh.tell() >= self.max_bytes:
            self._finish_file()

    def _request_record(self, page: PageItem, url: str, date: str):
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = _text_headers(page.request_headers)
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        http = StatusAndHeaders(f"{page.method} {target} HTTP/1.1", headers, is_http_request=True)
        return self._writer.create_warc_record(url, "request", http_headers=http, payload=io.BytesIO(b""),
                                               length=0, warc_headers_dict={"WARC-Date": date})

    def _response_record(self, page: PageItem, url: str, date: str, request_id: str):
        headers = [(k, v) for k, v in _text_headers(page.response_headers) if k.lower().encode() not in _WIRE_HEADERS]
        headers.append(("Content-Length", str(len(page.body))))
        try:
            status = f"{page.status} {HTTPStatus(page.status).phrase}"
        except ValueError:  # a status code outside the registry still round-trips
            status = f"{page.status} Unknown"
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        fields = {"WARC-Date": date, "WARC-Concurrent-To": request_id, SITE_HEADER: page.site, KIND_HEADER: page.kind}
        if page.request_url:
            fields[FIRST_URL_HEADER] = safe_url_string(page.request_url)
        return self._writer.create_warc_record(url, "response", http_headers=http,
                                               payload=io.BytesIO(page.body), length=len(page.body),
                                               warc_headers_dict=fields)

    def close(self) -> None:
        self._finish_file()
        self.closed = True


def archive_files(raw_dir: str | os.PathLike) -> list[Path]:
    """The WARC files of a folder in write order (names start with the run's UTC time).
    A `.open` file is the last file of a run that was killed; its complete records count."""
    raw = Path(raw_dir)
    files = [p for p in raw.iterdir() if p.name.endswith((".warc.gz", ".warc.gz" + OPEN_SUFFIX))]
    return sorted(files, key=lambda p: p.name.removesuffix(OPEN_SUFFIX))


class DamagedRecord(ValueError):
    """A record cut short (a killed run) or altered: its body does not match the digest written with it."""


def verified_body(record) -> bytes:
    """The record's HTTP body, read through warcio's digest check (the iterator was made with
    `check_digests="raise"`, so a body whose digest differs raises). warcio compares only once
    the whole declared length was read, so a record torn by a kill (its gzip member ends
    early) passes no check at all: `digest_checker.passed` stays None. Our archive writes a
    payload and a block digest on every record, so "not passed" means torn (even a torn header)."""
    try:
        body = record.content_stream().read()
    except ArchiveLoadFailed as exc:
        raise DamagedRecord(f"{record.rec_headers.get_header('WARC-Target-URI')}: {exc}") from None
    if record.digest_checker.passed is not True:
        raise DamagedRecord(f"{record.rec_headers.get_header('WARC-Target-URI')}: the record ends before its "
                            "digest could be checked (cut short)")
    return body


def _page_from_record(record) -> PageItem:
    fields = record.rec_headers
    http = record.http_headers
    body = verified_body(record)
    url = fields.get_header("WARC-Target-URI")
    return PageItem(
        url=url, canonical_url="", site=fields.get_header(SITE_HEADER) or "",
        status=int(http.get_statuscode() or 0), body=body, content_type=http.get_header("Content-Type"),
        kind=fields.get_header(KIND_HEADER) or "page", is_article_candidate=fields.get_header(KIND_HEADER) == "article",
        fetched_at=fields.get_header("WARC-Date"), request_url=fields.get_header(FIRST_URL_HEADER),
        response_headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in http.headers],
    )


def read_archive_file(path: str | os.PathLike, reading=None) -> Iterator[PageItem]:
    """The pages of one archive file (or of the range `reading.span` of it, crawler/corpus/spans.py),
    in write order; stops (with a warning) at a damaged record."""
    from crawler.corpus.spans import Reading

    path = Path(path)
    reading = reading or Reading(str(path))
    with path.open("rb") as fh:
        records = reading.records(fh, check_digests="raise")
        try:
            for record in records:
                if record.rec_type == "response":
                    yield _page_from_record(record)
        except Exception as exc:  # warcio raises assorted errors on a torn gzip member
            reading.stop(logger, "%s: stopped at a damaged record (an interrupted run?): %s", path, exc)
        finally:
            records.close()


def read_pages(raw_dir: str | os.PathLike) -> Iterator[PageItem]:
    """Every archived page, in the order it was written (canonical_url left to the caller)."""
    for path in archive_files(raw_dir):
        yield from read_archive_file(path)
