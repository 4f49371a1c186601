"""`vnnews import-warc` on WARC files written here: Common Crawl-like files holding other
hosts, revisits, requests, truncated and non-HTML records, and our own archive."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.corpus.importer import Selection, import_warcs
from crawler.corpus.reprocess import reprocess
from crawler.registry import load_registry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_archives import fixture_pages, folder_bytes, write_archive  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VNNEWS = str(ROOT / ".venv" / "bin" / "vnnews")


def response(writer, url: str, body: bytes, content_type: str = "text/html; charset=UTF-8", status: str = "200 OK",
             date: str = "2025-01-02T03:04:05Z", extra: dict | None = None):
    http = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    fields = {"WARC-Date": date, **(extra or {})}
    return writer.create_warc_record(url, "response", http_headers=http, payload=io.BytesIO(body),
                                     length=len(body), warc_headers_dict=fields)


def common_crawl_like(path: Path, pages, *, oddities: bool = True) -> Path:
    """A CC-NEWS-style file: a warcinfo record, request/response pairs, other hosts' pages."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for number, page in enumerate(pages):
            date = f"2025-01-02T03:{number:02d}:00Z"
            request = writer.create_warc_record(page.url, "request", http_headers=StatusAndHeaders(
                "GET / HTTP/1.1", [("Host", "x")], is_http_request=True), payload=io.BytesIO(b""), length=0)
            writer.write_record(request)
            writer.write_record(response(writer, page.url, page.body, date=date))
            if oddities:
                writer.write_record(response(writer, f"https://vnexpress.example.net/tin-{number}.html", page.body,
                                             date=date))
        if oddities:
            first = pages[0]
            revisit = writer.create_revisit_record(first.url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", first.url,
                                                   "2025-01-03T00:00:00Z")
            writer.write_record(revisit)
            # the same article again, cut at the archive's size limit; an article URL answering an image
            writer.write_record(response(writer, pages[1].url, pages[1].body[:5000], date="2025-01-03T00:01:00Z",
                                         extra={"WARC-Truncated": "length"}))
            writer.write_record(response(writer, pages[2].url, b"\x89PNG\r\n\x1a\n" * 30, content_type="image/png",
                                         date="2025-01-03T00:02:00Z"))
    return path


@pytest.fixture(scope="module")
def articles():
    return [p for p in fixture_pages()[:16] if p.kind == "article" and p.status == 200][:12]


@pytest.fixture(scope="module")
def cc_files(articles, tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cc")
    return [common_crawl_like(folder / "CC-NEWS-20250102-00000.warc.gz", articles[:6]),
            common_crawl_like(folder / "CC-NEWS-20250102-00001.warc.gz", articles[6:])]


def run_import(*args, cwd=ROOT):
    return subprocess.run([VNNEWS, "import-warc", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def imported(cc_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("imported") / "out"
    done = run_import(*cc_files, "--out", out, "--jobs", "1")
    return out, done


def manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def rejects(out: Path) -> list[dict]:
    path = out / "rejects.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_import_keeps_the_configured_sites_articles_and_nothing_else(imported, articles):
    out, done = imported
    assert done.returncode == 0, done.stderr[-3000:]
    entries = manifest(out)
    assert [e["url"] for e in entries] == [p.url for p in articles]
    assert all(e["crawled_at"].startswith("2025-01-02T03:") for e in entries)  # the WARC-Date
    assert not any("vnexpress" in e["url"] for e in entries)
    reasons = {(r["url"], r["reason"]): r for r in rejects(out)}
    assert "WARC-Truncated" in reasons[(articles[1].url, "truncated")]["detail"]
    assert [key for key in reasons if key[0] == articles[2].url]  # the image: rejected by the cleaner
    assert len(reasons) == 4
    assert "2 file(s) imported" in done.stdout
    assert "other-host 12" in done.stdout and "revisit 2" in done.stdout and "request 12" in done.stdout
    assert json.loads((out / "imports.jsonl").read_text().splitlines()[0])["file"] == "CC-NEWS-20250102-00000.warc.gz"


def test_a_second_import_skips_the_imported_files(imported, cc_files):
    out, _ = imported
    before = folder_bytes(out)
    again = run_import(*cc_files, "--out", out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 file(s) imported, 2 already imported" in again.stdout
    assert folder_bytes(out) == before


def test_import_on_two_processes_is_byte_identical(imported, cc_files, tmp_path):
    out = tmp_path / "two"
    done = run_import(cc_files[0].parent / "*.warc.gz", "--out", out, "--jobs", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    assert folder_bytes(out) == folder_bytes(imported[0])


def test_site_and_generic_selection(cc_files, articles, tmp_path):
    registry = load_registry()
    site = articles[0].site
    counts = import_warcs(cc_files, tmp_path / "one", registry, Selection(frozenset({site})))
    assert [e["site"] for e in manifest(tmp_path / "one")] == [site]
    counts = import_warcs(cc_files[:1], tmp_path / "generic", registry, Selection(frozenset(), ("example.net",)))
    entries = manifest(tmp_path / "generic")
    assert entries and all(e["site"] == "generic" and "vnexpress.example.net" in e["url"] for e in entries)
    assert counts["skipped/other-host"] > 0


def test_importing_our_own_archive_gives_the_reprocessed_corpus(articles, tmp_path):
    raw = write_archive(tmp_path / "raw", articles)
    reprocess(raw, tmp_path / "reprocessed", load_registry(), jobs=1)
    done = run_import(raw, "--out", tmp_path / "imported", "--jobs", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    mine = folder_bytes(tmp_path / "imported")
    assert mine.pop("imports.jsonl")
    assert mine == folder_bytes(tmp_path / "reprocessed")


KILL_AFTER = """
import os, signal, sys
from crawler.corpus import importer
real = importer.store_result
stored = []
def store_then_die(writer, page, result):
    outcome = real(writer, page, result)
    stored.append(outcome)
    if len(stored) == int(sys.argv[1]):
        import threading, time
        done = threading.Event()
        writer.when_durable(lambda error: done.set())
        done.wait()  # some documents durable, the file not finished
        os.kill(os.getpid(), signal.SIGKILL)
    return outcome
importer.store_result = store_then_die
if __name__ == "__main__":  # the cleaning workers import this module too
    from crawler.cli import main
    sys.exit(main(sys.argv[2:]))
"""


def test_an_import_killed_mid_file_resumes_to_the_same_corpus(imported, cc_files, tmp_path):
    out = tmp_path / "killed"
    script = tmp_path / "kill_after.py"
    script.write_text(KILL_AFTER)
    killed = subprocess.run([str(ROOT / ".venv/bin/python"), str(script), "10", "import-warc",
                             *map(str, cc_files), "--out", str(out), "--jobs", "2"], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert 0 < len(manifest(out)) < len(manifest(imported[0]))
    assert len((out / "imports.jsonl").read_text().splitlines()) == 1  # the first file was done
    again = run_import(*cc_files, "--out", out, "--jobs", "2")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "1 file(s) imported, 1 already imported" in again.stdout
    assert folder_bytes(out) == folder_bytes(imported[0])


def test_bad_arguments_are_refused_clearly(tmp_path):
    done = run_import(tmp_path / "nothing-*.warc.gz", "--out", tmp_path / "o")
    assert done.returncode == 2 and "no .warc" in done.stderr
    done = run_import(tmp_path, "--site", "no-such-site", "--out", tmp_path / "o")
    assert done.returncode == 2 and "no-such-site" in done.stderr
