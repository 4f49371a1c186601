"""WARC files cut into byte ranges that the cleaning workers read themselves (crawler/corpus/spans.py).

Whatever the cut (ranges smaller than a record, ranges starting inside a gzip member or
inside a body that holds a WARC header line), the ranges together give the pages, counts
and warnings of one serial pass; a damaged record ends the file as it does serially; the
main process of `--jobs 2` never parses a record; and a big file's results do not pile up."""

from __future__ import annotations

import gzip
import logging
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.corpus import parallel, spans
from crawler.corpus.archive import read_archive_file
from crawler.corpus.importer import FileDone, Selection, import_warcs, read_warc_pages
from crawler.corpus.parallel import PageCleaner
from crawler.corpus.reprocess import archive_candidates, reprocess
from crawler.corpus.spans import MIN_SPAN_BYTES, Redo, SpanChain, clean_span, cut
from crawler.registry import load_canonicalizer, load_registry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_archives import fixture_pages, folder_bytes, write_archive  # noqa: E402
from test_import_warc import common_crawl_like, response  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cleaner():
    return PageCleaner(str(ROOT / "config"))


@pytest.fixture(scope="module")
def articles():
    return [p for p in fixture_pages()[:16] if p.kind == "article" and p.status == 200][:12]


def spans_of(path: Path, span_bytes: int) -> list:
    return list(cut([path], 1, span_bytes))


def in_ranges(path: Path, cleaner, selection, span_bytes: int, caplog=None):
    """The pages, counts and redone ranges of `path` read range by range, as the pool does."""
    counts, redone = Counter(), []
    chain = SpanChain(counts, FileDone)
    items = []
    for span in spans_of(path, span_bytes):
        while True:
            try:
                items += chain.take(span, clean_span(cleaner, span, selection))
                break
            except Redo as redo:
                redone.append(span)
                span = redo.span
    return [(item.url if not isinstance(item, FileDone) else "end", result) for item, result in items], counts, redone


def serially(path: Path, cleaner, selection):
    counts = Counter()
    if selection is None:
        pages = archive_candidates(read_archive_file(path), cleaner.registry, counts)
    else:
        pages = read_warc_pages(path, selection, cleaner.registry, load_canonicalizer(ROOT / "config"), counts)
    items = [cleaner(page) for page in pages] + [(FileDone(path), None)]
    return [(item.url if not isinstance(item, FileDone) else "end", result) for item, result in items], counts


def same(ranges, serial):
    (items, counts, _), (serial_items, serial_counts) = ranges, serial
    assert counts == serial_counts
    assert [url for url, _ in items] == [url for url, _ in serial_items]
    assert [r and (r.ok, r.reason, r.document and r.document.text) for _, r in items] == \
           [r and (r.ok, r.reason, r.document and r.document.text) for _, r in serial_items]


@pytest.mark.parametrize("span_bytes", [997, 10_000, 30_000])
def test_our_archive_in_ranges_is_one_serial_pass(cleaner, tmp_path, span_bytes):
    raw = write_archive(tmp_path / "raw", fixture_pages(), max_bytes=10**9)
    [path] = raw.iterdir()
    assert len(spans_of(path, span_bytes)) > 2
    same(in_ranges(path, cleaner, None, span_bytes), serially(path, cleaner, None))


@pytest.mark.parametrize("span_bytes", [500, 7_000, 40_000])
def test_a_common_crawl_file_in_ranges_is_one_serial_pass(cleaner, articles, tmp_path, span_bytes):
    path = common_crawl_like(tmp_path / "cc.warc.gz", articles)
    selection = Selection(frozenset(cleaner.registry.sites), ("example.net",))
    result = in_ranges(path, cleaner, selection, span_bytes)
    same(result, serially(path, cleaner, selection))
    assert result[1]["records"] > 30 and result[1]["pages"] > 12


def test_an_uncompressed_file_whose_body_holds_a_warc_header_line_is_read_once(cleaner, articles, tmp_path):
    """`\\nWARC/1.` inside a page: a range starting before it takes it for a record start; the
    chain check finds the range began elsewhere than where the one before ended, and it is read again."""
    path = tmp_path / "plain.warc"
    decoy = articles[0].body.replace(b"</body>", b"<pre>\nWARC/1.0\r\nWARC-Type: response\r\n</pre></body>")
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        writer.write_record(response(writer, articles[1].url, articles[1].body))
        writer.write_record(response(writer, articles[0].url, decoy))
        for page in articles[2:6]:
            writer.write_record(response(writer, page.url, page.body))
    selection = Selection(frozenset(cleaner.registry.sites))
    decoy_at = path.read_bytes().index(b"\nWARC/1.0\r\nWARC-Type: response\r\n</pre>")
    span_bytes = decoy_at - 10  # the second range starts just before the decoy
    result = in_ranges(path, cleaner, selection, span_bytes)
    assert result[2], "the range that began at the decoy was read again"
    same(result, serially(path, cleaner, selection))


def damaged_file(tmp_path: Path, articles) -> Path:
    """Six records, one gzip member each; the third's body altered (same length): its digest fails."""
    path = common_crawl_like(tmp_path / "cc.warc.gz", articles[:6], oddities=False)
    data = path.read_bytes()
    members, at = [], 0
    while at < len(data):
        stream = zlib.decompressobj(31)
        plain = stream.decompress(data[at:])
        used = len(data) - at - len(stream.unused_data)
        members.append(plain)
        at += used
    third = next(i for i, m in enumerate(members) if articles[2].url.encode() in m and b"WARC-Type: response" in m)
    members[third] = members[third].replace(b"</html>", b"</HTML>")
    path.write_bytes(b"".join(gzip.compress(m) for m in members))
    return path


@pytest.mark.parametrize("span_bytes", [3_000, 10_000])
def test_a_damaged_record_ends_the_file_in_ranges_as_serially(cleaner, articles, tmp_path, span_bytes, caplog):
    path = damaged_file(tmp_path, articles)
    selection = Selection(frozenset(cleaner.registry.sites))
    with caplog.at_level(logging.WARNING):
        serial = serially(path, cleaner, selection)
    serial_log = [r.getMessage() for r in caplog.records]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        result = in_ranges(path, cleaner, selection, span_bytes)
    assert serial[1]["damaged"] == 1 and 0 < serial[1]["pages"] < 6  # the records after it are not read
    same(result, serial)
    assert [r.getMessage() for r in caplog.records] == serial_log and "digest" in serial_log[0]


def test_import_with_two_processes_never_parses_a_record_in_the_main_process(articles, tmp_path, monkeypatch):
    files = [common_crawl_like(tmp_path / f"cc-{n}.warc.gz", articles[n * 4:n * 4 + 4]) for n in range(3)]
    registry = load_registry()
    selection = Selection(frozenset(registry.sites))
    import_warcs(files, tmp_path / "serial", registry, selection, jobs=1)

    def no_parsing_here(*args, **kwargs):
        raise AssertionError("the main process parsed WARC records")

    monkeypatch.setattr(spans, "ArchiveIterator", no_parsing_here)  # the workers keep their own module
    monkeypatch.setattr(spans, "SPAN_BYTES", 5_000)
    counts = import_warcs(files, tmp_path / "two", registry, selection, jobs=2)
    assert counts["files/imported"] == 3
    assert folder_bytes(tmp_path / "two") == folder_bytes(tmp_path / "serial")


def test_reprocess_in_small_ranges_on_two_processes_is_byte_identical(tmp_path, monkeypatch):
    raw = write_archive(tmp_path / "raw", fixture_pages(), max_bytes=60_000)
    registry = load_registry()
    reprocess(raw, tmp_path / "serial", registry, jobs=1)
    monkeypatch.setattr(spans, "SPAN_BYTES", 7_000)
    monkeypatch.setattr(spans, "ArchiveIterator", None)  # the main process reads no record
    reprocess(raw, tmp_path / "two", registry, jobs=2)
    assert folder_bytes(tmp_path / "two") == folder_bytes(tmp_path / "serial")


def test_a_big_files_results_do_not_pile_up(articles, tmp_path, monkeypatch):
    """Ranges go out `window` at a time: while the first result is stored, at most that many
    ranges were sent, however many the file has."""
    path = common_crawl_like(tmp_path / "big.warc.gz", articles * 3, oddities=False)
    sent = []
    real_submit = parallel._submit

    def counting_submit(pool, span, selection):
        sent.append(span)
        return real_submit(pool, span, selection)

    monkeypatch.setattr(parallel, "_submit", counting_submit)
    selection = Selection(frozenset(load_registry().sites))
    assert len(spans_of(path, 10_000)) > 10
    results = parallel.cleaned_in_order([path], ROOT / "config", 2, selection, Counter(), span_bytes=10_000, window=3)
    next(results)
    assert len(sent) == 3
    rest = list(results)
    assert len(sent) == len(list(cut([path], 2, 10_000))) and len(rest) == len(articles) * 3 - 1


def test_ranges_cover_every_file_and_shrink_towards_the_end_of_the_run(tmp_path):
    """Guided cutting: full ranges while much is left, smaller ones at the end (no core waits long
    for the last), never below MIN_SPAN_BYTES but at the end of a file; ARC files whole."""
    files = [tmp_path / "a.warc.gz", tmp_path / "b.warc.gz", tmp_path / "c.arc.gz"]
    for path, size in zip(files, (5_000_000, 3_000_000, 2_000_000)):
        path.write_bytes(b"x" * size)
    files = [files[2], *files[:2]]  # the ARC file first: the last ranges of the run are WARC ranges
    spans = list(cut(files, 2, 1_000_000))
    for path in files[1:]:
        mine = [s for s in spans if s.path == str(path)]
        assert mine[0].start == 0 and mine[0].exact and mine[-1].end is None and mine[-1].last
        assert all(a.end == b.start for a, b in zip(mine, mine[1:])) and not any(s.last for s in mine[:-1])
        assert all(s.exact == (s.start == 0) for s in mine)
    lengths = [s.end - s.start for s in spans if s.end is not None]
    assert lengths[0] == 1_000_000 and min(lengths) >= MIN_SPAN_BYTES and lengths[-1] < 300_000
    assert lengths == sorted(lengths, reverse=True)
    assert [(s.start, s.end, s.last) for s in spans if s.path == str(files[0])] == [(0, None, True)]
