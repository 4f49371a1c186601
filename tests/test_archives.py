"""WARC archives to corpus: reprocess on several processes, the digest check of our archive.

The archives are written here from the saved site pages (tests/fixtures/sites), with the
records a real archive holds besides articles: listings, a duplicate text under another
URL, the same URL twice, an HTTP error and a truncated page.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
from pathlib import Path

import pytest

from crawler.corpus.archive import WarcArchive, read_archive_file, read_pages
from crawler.corpus.page import PageItem
from crawler.corpus.reprocess import reprocess
from crawler.registry import load_registry
from crawler.sitefixtures import FIXTURES_DIR, read_meta

ROOT = Path(__file__).resolve().parent.parent


def fixture_pages() -> list[PageItem]:
    """The saved pages as the spider would have archived them, plus the usual oddities."""
    pages = []
    for number, html in enumerate(sorted(FIXTURES_DIR.glob("*/*.html"))):
        url = read_meta(html)["url"]
        pages.append(PageItem(url=url, canonical_url="", site=html.parent.name, status=200, body=html.read_bytes(),
                              content_type="text/html; charset=utf-8", kind="article", is_article_candidate=True,
                              fetched_at=f"2026-12-07T05:{number:02d}:00Z",
                              response_headers=[(b"Content-Type", b"text/html; charset=utf-8")]))
    first = pages[0]
    pages.insert(3, PageItem(url=first.url.rsplit("/", 2)[0] + "/", canonical_url="", site=first.site, status=200,
                             body=b"<html><body><a href='x'>listing</a></body></html>", content_type="text/html",
                             kind="listing", is_article_candidate=False, fetched_at="2026-12-07T06:00:00Z"))
    pages.append(PageItem(url=first.url + "?utm_source=x&copy=1", canonical_url="", site=first.site, status=200,
                          body=first.body, content_type=first.content_type, kind="article",
                          is_article_candidate=True, fetched_at="2026-12-07T06:01:00Z"))
    pages.append(PageItem(url=first.url, canonical_url="", site=first.site, status=200, body=first.body,
                          content_type=first.content_type, kind="article", is_article_candidate=True,
                          fetched_at="2026-12-07T06:02:00Z"))
    pages.append(PageItem(url=first.url.replace(".html", "-404.html") + "x404", canonical_url="", site=first.site,
                          status=404, body=b"not found", content_type="text/html", kind="article",
                          is_article_candidate=True, fetched_at="2026-12-07T06:03:00Z"))
    pages.append(PageItem(url=first.url + "-cut", canonical_url="", site=first.site, status=200,
                          body=first.body[: len(first.body) // 2], content_type=first.content_type, kind="article",
                          is_article_candidate=True, fetched_at="2026-12-07T06:04:00Z"))
    return pages


def write_archive(raw_dir: Path, pages: list[PageItem], max_bytes: int = 200_000) -> Path:
    archive = WarcArchive(raw_dir, max_bytes=max_bytes)
    for page in pages:
        archive.write(page)
    archive.close()
    return raw_dir


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".vnnews.lock"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return write_archive(tmp_path_factory.mktemp("raw"), fixture_pages())


@pytest.fixture(scope="module")
def serial(archive, tmp_path_factory) -> tuple[Path, dict]:
    target = tmp_path_factory.mktemp("serial") / "out"
    counts = reprocess(archive, target, load_registry(), jobs=1)
    return target, counts


def test_serial_reprocess_writes_documents_duplicates_and_rejections(serial):
    target, counts = serial
    assert counts["written"] >= 10
    assert counts["duplicate-url"] >= 1 and counts["duplicate-text"] + counts["duplicate-url"] >= 2
    rejects = [json.loads(line) for line in (target / "rejects.jsonl").read_text().splitlines()]
    assert {"http-error", "truncated"} <= {r["reason"] for r in rejects}


def test_reprocess_on_two_processes_is_byte_identical_to_serial(archive, serial, tmp_path):
    target = tmp_path / "parallel"
    counts = reprocess(archive, target, load_registry(), jobs=2)
    assert counts == serial[1]
    assert folder_bytes(target) == folder_bytes(serial[0])


def test_reprocess_command_takes_jobs(archive, serial, tmp_path):
    import subprocess

    target = tmp_path / "cli"
    done = subprocess.run([str(ROOT / ".venv/bin/vnnews"), "reprocess", "--from-raw", str(archive), "--out",
                           str(target), "--jobs", "2"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert folder_bytes(target) == folder_bytes(serial[0])
    bad = subprocess.run([str(ROOT / ".venv/bin/vnnews"), "reprocess", "--from-raw", str(archive), "--out",
                          str(tmp_path / "x"), "--jobs", "0"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--jobs 0" in bad.stderr


def test_a_killed_cleaning_worker_loses_nothing(archive, serial, tmp_path, monkeypatch):
    """Kill one worker mid-run: its batches go to a new pool, the output is still the serial one."""
    from crawler.corpus import parallel

    killed, pools, insides = [], [], []
    real_start, real_discard = parallel.start_workers, parallel.discard

    def start_then_kill(pool):
        real_start(pool)
        pools.append(pool)
        if not killed:
            pid = next(iter(pool._processes))
            os.kill(pid, signal.SIGKILL)  # before any batch is back
            killed.append(pid)

    def discard_seen(pool):
        insides.append((pool._executor_manager_thread, dict(pool._processes)))
        real_discard(pool)

    monkeypatch.setattr(parallel, "start_workers", start_then_kill)
    monkeypatch.setattr(parallel, "discard", discard_seen)
    target = tmp_path / "killed"
    counts = reprocess(archive, target, load_registry(), jobs=2)
    assert killed and len(pools) == 2 and len(insides) == 1  # the broken pool was replaced
    assert counts == serial[1]
    assert folder_bytes(target) == folder_bytes(serial[0])

    # the discarded pool leaves nothing behind (a worker left waiting hung the interpreter's exit)
    _wait_until_gone(*insides[0])


def test_a_started_pool_starts_no_worker_on_submit(monkeypatch):
    """start_workers starts every worker up front, so that a submit, which may race with the
    manager thread closing a broken pool's pipes, never starts one (that race killed the fork
    server: every later pool of the process was refused)."""
    from crawler.corpus import parallel

    pool = parallel._pool(2, str(ROOT / "config"))
    try:
        parallel.start_workers(pool)
        assert len(pool._processes) == 2 and all(w.is_alive() for w in pool._processes.values())

        def no_start():
            raise AssertionError("a submit started a worker")

        monkeypatch.setattr(pool, "_spawn_process", no_start)
        assert sorted(pool.map(abs, [-1, -2, -3, -4, -5, -6])) == [1, 2, 3, 4, 5, 6]
    finally:
        pool.shutdown(wait=True)


def test_a_started_pool_that_got_no_work_lets_its_process_exit():
    """The workers start before any work, so the pool's manager thread must too: it is what
    stops them at the interpreter's exit (a crawl stopped before its first article hung)."""
    import subprocess
    import sys

    code = ("import os, sys, time\n"
            "from crawler.corpus import parallel\n"
            "pool = parallel._pool(2, sys.argv[1])\n"
            "parallel.start_workers(pool)\n"
            "print(len(pool._processes))\n"
            "for pid in list(pool._processes):  # initialized: the worker's parent-watch thread runs\n"
            "    while len(os.listdir(f'/proc/{pid}/task')) < 2:\n"
            "        time.sleep(0.05)\n")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT / "config")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["2"], done.stderr[-2000:]


def _wait_until_gone(manager, processes: dict, seconds: float = 10.0) -> None:
    import time

    workers = list(processes.values())
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (any(w.is_alive() for w in workers) or (manager and manager.is_alive())):
        time.sleep(0.05)
    assert not [w.pid for w in workers if w.is_alive()], "a worker of the discarded pool is still running"
    assert not (manager and manager.is_alive()), "the discarded pool's manager thread is still waiting"


def test_a_discarded_pool_leaves_no_worker_behind():
    """discard() ends the workers of a broken pool even when one is still busy or waiting for
    work: the pool's manager thread joins them, and the interpreter's exit joins that thread."""
    import time

    from crawler.corpus import parallel

    pool = parallel._pool(2, str(ROOT / "config"))
    busy = pool.submit(time.sleep, 3600)
    deadline = time.monotonic() + 30
    while not busy.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert busy.running()
    manager, processes = pool._executor_manager_thread, pool._processes
    parallel.discard(pool)
    _wait_until_gone(manager, processes)


# --- the digest check (warcio's, issue 12) ---------------------------------------------------

def test_an_altered_body_is_refused_by_its_digest(tmp_path, caplog):
    """A byte changed inside a stored body (same length) fails warcio's digest check."""
    raw = write_archive(tmp_path / "raw", fixture_pages()[:2], max_bytes=10**9)
    [path] = raw.iterdir()
    plain = gzip.decompress(path.read_bytes())  # one gzip member a record; one plain WARC back
    marker = b"</html>"
    at = plain.rindex(marker)
    altered = plain[:at] + b"</HTML>" + plain[at + len(marker):]
    warc = tmp_path / "altered.warc"
    warc.write_bytes(altered)
    pages = list(read_archive_file(warc))
    assert len(pages) == 1  # the first page; the second's digest fails and reading stops there
    assert "digest" in caplog.text
    warc.write_bytes(plain)
    assert len(list(read_archive_file(warc))) == 2


@pytest.mark.parametrize("cut", [5, 200, 5000])
def test_a_torn_last_record_is_never_read_as_a_page(tmp_path, cut):
    raw = write_archive(tmp_path / "raw", fixture_pages()[:2], max_bytes=10**9)
    [path] = raw.iterdir()
    plain = gzip.decompress(path.read_bytes())
    warc = tmp_path / "torn.warc"  # uncompressed: no gzip CRC to notice the cut, only the digest
    warc.write_bytes(plain[:-cut])
    pages = list(read_archive_file(warc))
    assert [p.url for p in pages] == [fixture_pages()[0].url]
    assert pages[0].body == fixture_pages()[0].body


# --- how the archive is compressed --------------------------------------------------------------

def gzip_members(data: bytes) -> list[bytes]:
    """The inflated members of a multi-member gzip file, one by one."""
    import zlib

    members = []
    while data:
        inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
        members.append(inflater.decompress(data) + inflater.flush())
        assert inflater.eof, "a member that does not end"
        data = inflater.unused_data
    return members


def test_every_record_is_one_gzip_member(tmp_path):
    """Readers that seek to a record (WARC indexes, our byte ranges: crawler/corpus/spans.py)
    need one member per record: warcio's writer must still flush once per record."""
    pages = fixture_pages()[:3]
    raw = write_archive(tmp_path / "raw", pages, max_bytes=10**9)
    [path] = raw.iterdir()
    members = gzip_members(path.read_bytes())
    assert len(members) == 1 + 2 * len(pages)  # warcinfo, then a request and a response a page
    assert all(member.startswith(b"WARC/1.") and member.endswith(b"\r\n\r\n") for member in members)
    assert [m.split(b"WARC-Type: ", 1)[1].split(b"\r\n", 1)[0] for m in members] == \
        [b"warcinfo"] + [b"request", b"response"] * len(pages)
    assert [p.body for p in read_archive_file(path)] == [p.body for p in pages]


def test_records_are_compressed_with_isal_at_the_chosen_level(tmp_path, monkeypatch):
    """ISA-L at level 3, not warcio's zlib at 9 (the reason is at GZIP_LEVEL), one gzip member
    a record, and any gzip reader inflates the file."""
    import gzip
    from types import SimpleNamespace

    from isal import isal_zlib

    from crawler.corpus import archive

    made = []

    def compressobj(level, method, wbits):
        made.append((level, wbits))
        return isal_zlib.compressobj(level, method, wbits)

    monkeypatch.setattr(archive, "isal_zlib", SimpleNamespace(
        compressobj=compressobj, DEFLATED=isal_zlib.DEFLATED, MAX_WBITS=isal_zlib.MAX_WBITS))
    raw = write_archive(tmp_path / "raw", fixture_pages()[:2], max_bytes=10**9)
    [path] = raw.iterdir()
    data = path.read_bytes()
    members = gzip_members(data)
    assert archive.GZIP_LEVEL == 3
    # one compressor a member, plus the one waiting for the next record
    assert made == [(3, isal_zlib.MAX_WBITS + 16)] * (len(members) + 1)
    assert gzip.decompress(data) == b"".join(members)
