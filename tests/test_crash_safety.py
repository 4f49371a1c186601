"""Crash safety of `vnnews crawl`, against the loopback replica, in real subprocesses.

- Ctrl-C (SIGINT) stops the crawl cleanly (Scrapy finishes the pages in flight, the run is
  recorded as "shutdown") and the rerun fetches only the articles still missing.
- `kill -9` at several seeded random moments, each a fresh crawl of every site into the
  same folder, then one uninterrupted run: the corpus holds the same documents (canonical
  URL and text) as an uninterrupted crawl into a fresh folder, `vnnews verify` passes, no
  document is duplicated, no temporary or unlisted file is left. Sequence numbers may
  differ (a killed run's number is given again); file names and texts follow the documents.

The kill points are random but seeded, so a failure replays; nothing here asserts a time.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from crawler.registry import load_registry
from replica import ReplicaServer
from replica.server import ReplicaHandler
from crawler.corpus.state import DONE, CrawlState
from crawler.urls import Canonicalizer

REPO = Path(__file__).resolve().parent.parent
SEED = 20240507
KILLS = 5


def crawl_command(replica: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--all", "--replica", replica, "--out", str(out),
            "-s", "LOG_LEVEL=WARNING"]


def crawl(replica: str, out: Path, after_kills: bool = False) -> subprocess.CompletedProcess:
    """A crawl of every site that must succeed. `after_kills`: the rerun after the kills may also
    exit 1, only because a site's article pages left for it were all pages the replica serves
    broken on purpose (a truncated page, a non-article at an article URL): the exit rule "asked
    for article pages and wrote none" (docs/operations.md) then fires, as it should for a run
    that wrote nothing. Where the kills land decides what is left, and so whether that happens;
    the caller checks the rejections equal the reference's."""
    result = subprocess.run(crawl_command(replica, out), cwd=REPO, capture_output=True, text=True, timeout=120)
    report = result.stdout + result.stderr[-3000:]
    if after_kills and result.returncode == 1 and "FAILED (exit status 1):" in report:
        failed = report.split("FAILED (exit status 1):", 1)[1].split("\n")[1:]
        failed = [line.strip() for line in failed if line.startswith("  ")]
        assert failed and all(" wrote nothing of " in line for line in failed), report
        return result
    assert result.returncode == 0, report
    return result


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def documents(out: Path) -> set[tuple[str, str]]:
    return {(e["canonical_url"], e["text_sha256"]) for e in read_jsonl(out / "manifest.jsonl")}


def rejections(out: Path) -> set[tuple[str, str]]:
    return {(r["url"], r["reason"]) for r in read_jsonl(out / "rejects.jsonl")}


def assert_consistent(out: Path) -> None:
    """verify passes; no duplicate document or rejection line; no temporary or unlisted file;
    the state store knows every document as written."""
    check = subprocess.run([sys.executable, "-m", "crawler.cli", "verify", "--out", str(out)], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = read_jsonl(out / "manifest.jsonl")
    assert len({e["canonical_url"] for e in manifest}) == len(manifest)
    assert len({e["text_sha256"] for e in manifest}) == len(manifest)
    rejects = read_jsonl(out / "rejects.jsonl")
    assert len(rejections(out)) == len(rejects)
    listed = {Path(e["file"]).name for e in manifest}
    assert {p.name for p in (out / "corpus").iterdir()} == listed
    with closing(CrawlState(out)) as state:
        assert all(state.outcome(e["canonical_url"]) == "written" for e in manifest)


def all_runs(out: Path) -> list[dict]:
    with closing(CrawlState(out)) as state:
        return [run for site in state.sites() for run in state.runs(site)]


def done_keys(out: Path) -> set[str]:
    with closing(CrawlState(out)) as state:
        return {key for key, outcome in state.db.execute("SELECT key, outcome FROM urls") if outcome in DONE}


def fetched_by(out: Path, run_ids: set[int]) -> set[str]:
    """Canonical URLs the runs fetched. (A page fetched under a second URL also updates the row of
    the main URL it declares, so the fetched URL is read from the rows, not their keys.)"""
    canonical = Canonicalizer(load_registry())
    with closing(CrawlState(out)) as state:
        return {canonical(url) for url, run in state.db.execute("SELECT url, run_id FROM urls") if run in run_ids}


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield f"127.0.0.1:{server.port}"


@pytest.fixture(scope="module")
def reference(replica, tmp_path_factory) -> Path:
    """An uninterrupted crawl of every site into a fresh folder."""
    out = tmp_path_factory.mktemp("reference") / "out"
    crawl(replica, out)
    return out


class SlowHandler(ReplicaHandler):
    """Answers after a pause, so a Ctrl-C lands while the crawl is under way."""

    def respond(self, with_body: bool) -> None:
        time.sleep(0.2)
        super().respond(with_body)


def wait_for_documents(out: Path, count: int, proc: subprocess.Popen) -> None:
    manifest = out / "manifest.jsonl"
    while proc.poll() is None:
        if manifest.exists() and manifest.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"the crawl ended (exit {proc.returncode}) before writing {count} documents")


def test_ctrl_c_stops_cleanly_and_the_rerun_fetches_only_what_is_missing(replica, reference, tmp_path):
    out = tmp_path / "out"
    with ReplicaServer() as slow:
        slow.RequestHandlerClass = SlowHandler
        proc = subprocess.Popen(crawl_command(f"127.0.0.1:{slow.port}", out), cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_documents(out, 3, proc)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]  # stopped cleanly by the signal, not every site to the end
    assert "[shutdown]" in stdout
    interrupted = {run["id"] for run in all_runs(out)}
    assert {run["outcome"] for run in all_runs(out)} <= {"shutdown", "finished"}
    assert "shutdown" in {run["outcome"] for run in all_runs(out)}
    assert_consistent(out)
    done = done_keys(out)
    assert documents(out) < documents(reference)  # the interruption did leave work for the rerun

    crawl(replica, out)
    rerun = {run["id"] for run in all_runs(out)} - interrupted
    assert fetched_by(out, rerun)  # the rerun had articles left to fetch
    assert fetched_by(out, rerun).isdisjoint(done)  # and fetched none that was done before
    assert documents(out) == documents(reference)
    assert rejections(out) == rejections(reference)
    assert_consistent(out)


def test_kill_9_at_random_moments_loses_and_duplicates_nothing(replica, reference, tmp_path):
    out = tmp_path / "out"
    rng = random.Random(SEED)
    killed_mid_run = 0
    for _ in range(KILLS):
        proc = subprocess.Popen(crawl_command(replica, out), cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 3.0))  # where the kill lands: start-up, discovery, writing, closing
        proc.kill()
        killed_mid_run += proc.wait() == -signal.SIGKILL
    assert killed_mid_run >= 1  # otherwise the test proved nothing

    crawl(replica, out, after_kills=True)
    assert documents(out) == documents(reference)
    assert rejections(out) == rejections(reference)
    assert_consistent(out)
    assert "running" not in {run["outcome"] for run in all_runs(out)}  # killed runs are marked so
