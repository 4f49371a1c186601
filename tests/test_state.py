"""The crawl-state store (crawler/corpus/state.py) on its own: outcomes, reconcile and rebuild from the
corpus, run rows, the per-site lock and the --since dates. No crawl, no Scrapy."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from crawler.corpus.state import (DONE, ERROR, OLD, REJECTED, WRITTEN, CrawlState, PageRecord, SiteBusy, SiteLock,
                           busy_sites, lock_path, parse_since, published_day, rebuild, rejection_outcome)

REPO = Path(__file__).resolve().parent.parent


def same(url: str) -> str:
    """A canonicalizer for tests: URLs are already canonical."""
    return url


def page(url: str, outcome: str, reason: str | None = None, detail: str | None = None, **kw) -> PageRecord:
    return PageRecord(keys=[url], site=kw.pop("site", "s"), url=url, fetched_at="2024-05-01T00:00:00Z",
                      status=kw.pop("status", 200), outcome=outcome, reason=reason, detail=detail, **kw)


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def manifest_entry(url: str, site: str = "s") -> dict:
    return {"file": "corpus/000_x.txt", "id": "0" * 16, "seq": 0, "url": url, "canonical_url": url,
            "site": site, "text_sha256": "x"}


@pytest.fixture
def state(tmp_path):
    with closing(CrawlState(tmp_path)) as store:
        yield store


@pytest.mark.parametrize("reason,detail,expected", [
    ("not-article", "no article body", REJECTED),
    ("not-vietnamese", "", REJECTED),
    ("too-short", "", REJECTED),
    ("http-error", "HTTP 404", REJECTED),
    ("http-error", "HTTP 410", REJECTED),
    ("http-error", "HTTP 429", ERROR),
    ("http-error", "HTTP 503", ERROR),
    ("truncated", "1000 bytes", ERROR),
    ("cleaner-error", "ValueError: x", ERROR),
    ("some-new-fault", "", ERROR),
])
def test_a_rejection_is_final_only_when_it_judges_the_page(reason, detail, expected):
    assert rejection_outcome(reason, detail) == expected


def test_written_and_rejected_urls_are_done_errors_are_retried(state):
    run = state.start_run("s")
    state.record(run, page("http://s.vn/a", WRITTEN))
    state.record(run, page("http://s.vn/b", REJECTED, "not-article", "no article body"))
    state.record(run, page("http://s.vn/c", ERROR, "http-error", "HTTP 503"))
    state.record(run, page("http://s.vn/d", OLD))
    assert [state.is_done(f"http://s.vn/{k}") for k in "abcde"] == [True, True, False, False, False]
    assert DONE == ("written", "duplicate", "rejected")


def test_a_url_whose_document_is_in_the_corpus_stays_written(state):
    """A --refresh that now gets a 503 or a rejection must not make the store forget the document."""
    run = state.start_run("s")
    state.record(run, page("http://s.vn/a", WRITTEN, doc_id="abc"))
    state.record(run, page("http://s.vn/a", ERROR, "http-error", "HTTP 503"))
    assert state.outcome("http://s.vn/a") == WRITTEN


def test_every_spelling_of_a_page_is_recorded(state):
    run = state.start_run("s")
    record = page("http://s.vn/a", WRITTEN)
    record.keys = ["http://s.vn/a", "http://s.vn/a-alias", "http://s.vn/a-alias"]
    state.record(run, record)
    assert state.is_done("http://s.vn/a-alias")


def test_runs_count_pages_outcomes_and_reasons(state):
    run = state.start_run("s", {"refresh": False})
    state.count_page(run)
    state.record(run, page("http://s.vn/a", WRITTEN))
    state.record(run, page("http://s.vn/b", REJECTED, "not-article", "no article body", counts=("no-body",)))
    state.finish_run(run, "finished", {"skipped": 7, "failed-requests": 0})
    [row] = state.runs("s")
    assert row["outcome"] == "finished" and row["ended_at"] and row["options"] == {"refresh": False}
    assert row["counts"] == {"pages": 3, "articles": 2, "written": 1, "rejected": 1,
                             "rejected/not-article": 1, "no-body": 1, "skipped": 7}


def test_a_run_that_never_closed_is_marked_killed_by_the_next(state):
    first = state.start_run("s")
    state.start_run("other")
    state.start_run("s")
    outcomes = {r["id"]: r["outcome"] for r in state.runs("s")}
    assert outcomes[first] == "killed"
    assert [r["outcome"] for r in state.runs("other")] == ["running"]


def test_reconcile_adds_what_the_corpus_holds_and_the_store_missed(tmp_path, state):
    """A crash between the manifest line and the store write: the next open catches up."""
    write_jsonl(tmp_path / "manifest.jsonl", [manifest_entry("http://s.vn/a")])
    write_jsonl(tmp_path / "rejects.jsonl", [
        {"url": "http://s.vn/b", "site": "s", "reason": "not-vietnamese", "detail": ""},
        {"url": "http://s.vn/c", "site": "s", "reason": "http-error", "detail": "HTTP 502"}])
    state.record(state.start_run("s"), page("http://s.vn/a", ERROR, "http-error", "HTTP 503"))
    assert state.reconcile(same) == 2
    assert {k: state.outcome(f"http://s.vn/{k}") for k in "abc"} == {"a": WRITTEN, "b": REJECTED, "c": ERROR}
    assert state.reconcile(same) == 0


def test_reconcile_reads_only_complete_lines_and_leaves_the_file_alone(tmp_path, state):
    data = (json.dumps(manifest_entry("http://s.vn/a")) + "\n" + '{"file": "corpus/0').encode()
    (tmp_path / "manifest.jsonl").write_bytes(data)
    state.reconcile(same)
    assert state.is_done("http://s.vn/a")
    assert (tmp_path / "manifest.jsonl").read_bytes() == data  # cutting a torn line is the writer's job


def test_rebuild_gives_the_live_store_and_keeps_the_run_history(tmp_path):
    write_jsonl(tmp_path / "manifest.jsonl", [manifest_entry("http://s.vn/a")])
    write_jsonl(tmp_path / "rejects.jsonl", [{"url": "http://s.vn/b", "site": "s", "reason": "too-short"}])
    with closing(CrawlState(tmp_path)) as live:
        run = live.start_run("s")
        live.record(run, page("http://s.vn/a", WRITTEN))
        live.record(run, page("http://s.vn/b", REJECTED, "too-short"))
        live.finish_run(run, "finished")
        before = live.url_outcomes()
    path, rows = rebuild(tmp_path, same)
    assert rows == 2 and (path.parent / "crawl.sqlite.old").exists()
    with closing(CrawlState(tmp_path)) as rebuilt:
        assert rebuilt.url_outcomes() == before
        assert [r["outcome"] for r in rebuilt.runs("s")] == ["finished"]


def test_rebuild_when_the_store_is_lost(tmp_path):
    write_jsonl(tmp_path / "manifest.jsonl", [manifest_entry("http://s.vn/a")])
    path, rows = rebuild(tmp_path, same)
    assert rows == 1 and path.exists()


def test_an_unreadable_store_names_the_way_out(tmp_path):
    from crawler.corpus.state import StateError

    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "crawl.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="vnnews state --rebuild"):
        CrawlState(tmp_path)


# --- the per-site lock ---------------------------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from crawler.corpus.state import SiteLock
SiteLock(Path(sys.argv[1]), sys.argv[2]).acquire()
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture
def held_elsewhere(tmp_path):
    """The lock of site 's', held by another process."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path), "s"], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield holder
    holder.kill()
    holder.wait()


def test_a_second_run_of_a_site_is_refused_naming_the_holder(tmp_path, held_elsewhere):
    with pytest.raises(SiteBusy, match=rf"site s is being crawled by pid {held_elsewhere.pid} on .* since "):
        SiteLock(tmp_path, "s").acquire()
    SiteLock(tmp_path, "t").acquire().release()  # another site is free
    assert list(busy_sites(tmp_path)) == ["s"]


def test_the_lock_dies_with_its_process(tmp_path, held_elsewhere):
    held_elsewhere.kill()
    held_elsewhere.wait()
    with SiteLock(tmp_path, "s"):
        assert busy_sites(tmp_path) == {}


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    outer = SiteLock(tmp_path, "s").acquire()
    inner = SiteLock(tmp_path, "s").acquire()
    inner.release()
    code = f"from pathlib import Path; from crawler.corpus.state import SiteLock; SiteLock(Path({str(tmp_path)!r}), 's').acquire()"
    still = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert "SiteBusy" in still.stderr  # one release of two: still held
    outer.release()
    free = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert free.returncode == 0, free.stderr


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs", "a/b", "..", ""])
def test_a_hostile_site_name_never_names_a_lock_outside_the_folder(tmp_path, name):
    path = lock_path(tmp_path, name)
    assert path.parent == tmp_path and path.name.startswith("site-")


# --- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,day", [
    ("2024-05-07T08:00:00+07:00", dt.date(2024, 5, 7)),
    ("2024-05-07T23:30:00Z", dt.date(2024, 5, 7)),
    ("2024-05-07", dt.date(2024, 5, 7)),
    ("Tue, 07 May 2024 08:00:00 +0700", dt.date(2024, 5, 7)),
    ("hôm qua", None),
    (None, None),
])
def test_published_day_reads_feed_sitemap_and_page_dates(text, day):
    assert published_day(text) == day


def test_since_expects_a_day():
    assert parse_since("2024-05-07") == dt.date(2024, 5, 7)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_since("07/05/2024")
