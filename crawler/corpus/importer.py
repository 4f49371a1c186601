"""`vnnews import-warc`: any WARC or ARC file (ours, Common Crawl's CC-NEWS or CC-MAIN) to corpus.

Only `response` records whose host belongs to a selected site (or to a host given with
--generic) are read; other hosts' records are skipped without reading their bodies. A
configured site's pages are article candidates when the site's article URL patterns say so
(crawler/siterules.py, as the spider judges them); a generic host's HTML pages all are.
Candidates go through the crawl's own clean-then-store steps (crawler/corpus/outcome.py),
so the corpus, manifest and rejects are those a crawl would write.

Records are checked against their digests by warcio (`check_digests="raise"`): a record
whose body differs from its digest, or that ends before its declared length (a torn
download), is counted as damaged and skipped. A record Common Crawl cut at its size limit
(`WARC-Truncated`) is rejected as "truncated", as the crawl rejects a cut transfer.

Incremental and crash-safe: `imports.jsonl` in the output folder lists the files already
imported (name and size), each line written once all of that file's documents are durable;
a listed file is skipped. An interrupted import reruns its unfinished file from the start:
the writer knows every URL and text it holds, so nothing is written twice and the result is
the one an uninterrupted run gives.

No Scrapy import.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from warcio.exceptions import ArchiveLoadFailed

from crawler.corpus.outcome import store_result
from crawler.corpus.page import PageItem
from crawler.corpus.parallel import cleaned_here, cleaned_in_order
from crawler.corpus.writer import CorpusWriter, read_jsonl

logger = logging.getLogger(__name__)

IMPORTS = "imports.jsonl"
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz", ".warc.gz.open")
HTML_TYPES = ("text/html", "application/xhtml+xml")
GENERIC = "generic"


@dataclass(frozen=True)
class RecordFault:
    """Why a record cannot be cleaned, in the crawl's rejection terms (like a failed fetch)."""

    reason: str
    detail: str


@dataclass
class Selection:
    """Which records to keep: the hosts of the chosen sites, and generic hosts."""

    sites: frozenset[str]
    generic_hosts: tuple[str, ...] = ()
    _rules: dict = field(default_factory=dict, repr=False)

    def __getstate__(self):  # sent to Dask workers: the cache of compiled rules stays here
        return {"sites": self.sites, "generic_hosts": self.generic_hosts, "_rules": {}}

    def site_of(self, registry, url: str) -> str | None:
        site = registry.site_for_url(url)
        if site in self.sites:
            return site
        host = _host(url)
        if any(host == h or host.endswith("." + h) for h in self.generic_hosts):
            return GENERIC
        return None

    def is_article(self, registry, canonical, site: str, url: str, content_type: str | None) -> bool:
        if site == GENERIC:
            return (content_type or "").split(";")[0].strip().lower() in HTML_TYPES
        if site not in self._rules:
            from crawler.corpus.reprocess import own_article_test

            self._rules[site] = own_article_test(registry, site, canonical)
        return self._rules[site](url)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class UsageError(ValueError):
    """A path or glob that names no WARC file."""


def expand_paths(specs: Iterable[str]) -> list[Path]:
    """Files in command-line order; a glob or a folder expands to its WARC/ARC files, sorted."""
    files: list[Path] = []
    for spec in specs:
        if any(ch in spec for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(spec) if p.endswith(WARC_SUFFIXES))
            if not found:
                raise UsageError(f"{spec}: no .warc/.warc.gz/.arc/.arc.gz file matches")
            files.extend(found)
        elif Path(spec).is_dir():
            found = sorted(p for p in Path(spec).iterdir() if p.name.endswith(WARC_SUFFIXES))
            if not found:
                raise UsageError(f"{spec}: a folder without .warc/.warc.gz/.arc/.arc.gz files")
            files.extend(found)
        elif Path(spec).is_file():
            files.append(Path(spec))
        else:
            raise UsageError(f"{spec}: no such file, folder or glob match")
    unique, seen = [], set()
    for path in files:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique


def file_key(path: Path) -> dict:
    return {"file": path.name, "size": path.stat().st_size}


def read_warc_pages(path: Path, selection: Selection, registry, canonical, counts: Counter,
                    reading=None) -> Iterator[PageItem]:
    """The article candidates of one WARC/ARC file (or of the range `reading.span` of it,
    crawler/corpus/spans.py), in file order, bodies read and checked."""
    from crawler.corpus.spans import Reading

    reading = reading or Reading(str(path))
    with path.open("rb") as fh:
        records = reading.records(fh, arc2warc=True, check_digests="raise")
        try:
            for record in records:
                counts["records"] += 1
                if record.rec_type != "response":
                    counts[f"skipped/{record.rec_type}"] += 1
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                site = selection.site_of(registry, url)
                if site is None:
                    counts["skipped/other-host"] += 1
                    continue
                counts["responses"] += 1
                http = record.http_headers
                if http is None:
                    counts["skipped/not-http"] += 1
                    continue
                content_type = http.get_header("Content-Type")
                if not selection.is_article(registry, canonical, site, url, content_type):
                    counts["skipped/not-article"] += 1
                    continue
                page = _page(record, url, site, content_type, path, counts, reading)
                if page is not None:
                    counts["pages"] += 1
                    yield page
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:  # a torn gzip member, a cut file
            counts["damaged"] += 1
            # the byte offset, not a count of records: a range read by a worker (spans.py) knows the
            # offset, not how many records the ranges before it held
            reading.stop(logger, "%s: stopped at a damaged record at byte %d: %s", path,
                         reading.offset, exc)
        finally:
            records.close()


def _page(record, url: str, site: str, content_type: str | None, path: Path, counts: Counter,
          reading) -> PageItem | None:
    fields, http = record.rec_headers, record.http_headers
    status = int(http.get_statuscode() or 0)
    page = PageItem(url=url, canonical_url="", site=site, status=status, body=b"", content_type=content_type,
                    kind="article", is_article_candidate=True, fetched_at=fields.get_header("WARC-Date") or "")
    truncated = fields.get_header("WARC-Truncated")
    if truncated:
        page.fetch_fault = RecordFault("truncated", f"WARC-Truncated: {truncated} (the archive kept only part "
                                                    "of the page)")
        return page
    try:
        page.body = record.content_stream().read()
    except ArchiveLoadFailed as exc:  # read whole, so the next record starts where it should
        counts["damaged"] += 1
        reading.warn(logger, "%s: %s: %s; record skipped", path, url, exc)
        return None
    declared = fields.get_header("WARC-Payload-Digest") or fields.get_header("WARC-Block-Digest")
    if declared and record.digest_checker.passed is not True:
        raise ArchiveLoadFailed(f"{url}: the record ends before its digest could be checked (cut short)")
    return page


def _wait_durable(writer: CorpusWriter) -> None:
    done, errors = threading.Event(), []

    def committed(error):
        if error is not None:
            errors.append(error)
        done.set()

    writer.when_durable(committed)
    done.wait()
    if errors:
        raise errors[0]


def imported_files(out_dir: Path) -> set[tuple[str, int]]:
    return {(r["file"], int(r["size"])) for r in read_jsonl(out_dir / IMPORTS)}


@dataclass(frozen=True)
class FileDone:
    """Follows the last page of a file through the cleaning, in order."""

    path: Path


def import_warcs(files: list[Path], out_dir: Path, registry, selection: Selection, jobs: int = 1,
                 scheduler: str | None = None) -> Counter:
    """Import `files` in order into `out_dir`; counts of records, pages and outcomes."""
    counts: Counter = Counter()
    with CorpusWriter(out_dir, group_commit=True) as writer:
        done = imported_files(out_dir)
        todo = []
        for path in files:
            if (path.name, path.stat().st_size) in done:
                counts["files/skipped"] += 1
                logger.info("%s: already imported, skipped", path)
            else:
                todo.append(path)
        if scheduler:
            from crawler.corpus.distributed import cleaned_on_dask

            results = cleaned_on_dask(todo, registry.root, selection, scheduler, counts, end_marker=FileDone)
        elif jobs > 1:
            results = cleaned_in_order(todo, registry.root, jobs, selection, counts, end_marker=FileDone)
        else:
            results = cleaned_here(_pages_and_ends(todo, registry, selection, counts), registry.root)
        for item, result in results:
            if isinstance(item, FileDone):
                _wait_durable(writer)  # the file's documents first, then the line saying it is done
                _record_done(out_dir, item.path)
                counts["files/imported"] += 1
                continue
            outcome = store_result(writer, item, result)
            if outcome:
                counts[outcome] += 1
    return counts


def _pages_and_ends(files, registry, selection, counts):
    from crawler.registry import load_canonicalizer

    canonical = load_canonicalizer(registry.root)
    for path in files:
        yield from read_warc_pages(path, selection, registry, canonical, counts)
        yield FileDone(path)


def _record_done(out_dir: Path, path: Path) -> None:
    with (out_dir / IMPORTS).open("ab") as fh:
        fh.write((json.dumps(file_key(path), ensure_ascii=False) + "\n").encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
