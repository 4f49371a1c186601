"""Incremental crawls against the loopback replica, through `vnnews crawl` as a user runs it:
a rerun fetches listings again but articles only once; --refresh, --since, --max-articles;
a lost state store is rebuilt from the corpus; a second run of a site is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from crawler.registry import load_registry
from replica import ReplicaServer, article_urls
from crawler.corpus.state import DONE, CrawlState
from crawler.urls import Canonicalizer

REPO = Path(__file__).resolve().parent.parent
SITE = "baolaichau"


def vnnews(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield f"127.0.0.1:{server.port}"


def crawl(replica: str, out: Path, *extra: str, site: str = SITE) -> subprocess.CompletedProcess:
    result = vnnews("crawl", site, "--replica", replica, "--out", str(out), "-s", "LOG_LEVEL=WARNING", *extra)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result


def runs(out: Path, site: str = SITE) -> list[dict]:
    with closing(CrawlState(out)) as state:
        return state.runs(site)


def manifest_urls(out: Path) -> set[str]:
    path = out / "manifest.jsonl"
    return {json.loads(line)["canonical_url"] for line in path.read_text(encoding="utf-8").splitlines()}


def good_articles(site: str = SITE) -> set[str]:
    canonical = Canonicalizer(load_registry())
    return {canonical(u) for u in article_urls(site)}


@pytest.fixture(scope="module")
def first(replica, tmp_path_factory):
    out = tmp_path_factory.mktemp("incremental") / "out"
    crawl(replica, out)
    return out


def fresh_copy(first: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(first, out)
    return out


def test_the_first_run_records_every_article_and_its_outcome(first):
    [run] = runs(first)
    assert run["outcome"] == "finished"
    assert run["counts"]["written"] == len(good_articles())
    with closing(CrawlState(first)) as state:
        assert all(state.outcome(url) == "written" for url in good_articles())


def test_a_rerun_fetches_only_the_articles_that_failed(first, replica, tmp_path):
    out = fresh_copy(first, tmp_path)
    first_run = runs(out)[0]["counts"]
    crawl(replica, out)
    rerun = runs(out)[-1]["counts"]
    retried = first_run.get("error", 0)  # the replica's cut-off page: a transient fault, tried again
    assert rerun["articles"] == retried
    assert rerun.get("written", 0) == 0
    assert rerun["skipped"] >= first_run["written"] + first_run.get("rejected", 0)
    assert rerun["pages"] > rerun["articles"]  # listings, feeds and sitemaps were fetched again


def test_refresh_fetches_every_article_again_and_writes_nothing_new(first, replica, tmp_path):
    out = fresh_copy(first, tmp_path)
    before = (out / "manifest.jsonl").read_bytes()
    crawl(replica, out, "--refresh")
    assert runs(out)[-1]["counts"]["articles"] == runs(out)[0]["counts"]["articles"]
    assert (out / "manifest.jsonl").read_bytes() == before


def test_max_articles_bounds_a_run_and_the_next_run_fetches_the_rest(replica, tmp_path):
    out = tmp_path / "out"
    crawl(replica, out, "--max-articles", "3")
    assert runs(out)[-1]["counts"]["articles"] <= 3
    assert 1 <= len(manifest_urls(out)) <= 3
    crawl(replica, out)
    assert manifest_urls(out) == good_articles()


def test_since_skips_older_articles_before_and_after_fetching(replica, tmp_path):
    out = tmp_path / "out"
    crawl(replica, out, "--since", "2020-08-08")
    written = manifest_urls(out)
    for entry in (json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()):
        assert entry["published"] is None or entry["published"] >= "2020-08-08", entry
    assert written and written < good_articles()
    counts = runs(out)[-1]["counts"]
    # the older ones were never written, and are not done: a run without --since fetches them
    with closing(CrawlState(out)) as state:
        older = good_articles() - written
        assert not any(state.outcome(url) in DONE for url in older)
    # dated by the feed or the sitemap: not even fetched; the rest were dropped after cleaning
    assert counts["older-than-since"] >= 1
    assert counts["articles"] + counts["older-than-since"] >= len(good_articles())
    crawl(replica, out)
    assert manifest_urls(out) == good_articles()


def test_a_lost_state_store_is_rebuilt_from_the_corpus(first, replica, tmp_path):
    out = fresh_copy(first, tmp_path)
    shutil.rmtree(out / "state")
    crawl(replica, out)
    [rerun] = runs(out)  # the run history went with the store
    assert rerun["counts"]["articles"] == runs(first)[0]["counts"].get("error", 0)


def test_state_rebuild_command_matches_the_live_store(first, tmp_path):
    out = fresh_copy(first, tmp_path)
    with closing(CrawlState(out)) as state:
        live = state.url_outcomes()
    result = vnnews("state", "--rebuild", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with closing(CrawlState(out)) as state:
        rebuilt = state.url_outcomes()
    assert {k: rebuilt.get(k) for k in ("written", "rejected")} == {k: live.get(k) for k in ("written", "rejected")}


HOLD_SITE_LOCK = """
import sys, time
from pathlib import Path
from crawler.corpus.state import SiteLock
SiteLock(Path(sys.argv[1]) / "state" / "locks", sys.argv[2]).acquire()
print("held", flush=True)
time.sleep(60)
"""

HOLD_FOLDER = """
import sys, time
from crawler.corpus.writer import CorpusWriter
from crawler.corpus.state import SiteLock, default_lock_dir
SiteLock(default_lock_dir(sys.argv[1]), sys.argv[2]).acquire()
writer = CorpusWriter(sys.argv[1])
print("held", flush=True)
time.sleep(60)
"""


def hold(script: str, out: Path, site: str) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", script, str(out), site], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.parametrize("script", [HOLD_SITE_LOCK, HOLD_FOLDER], ids=["site-lock", "site-and-folder"])
def test_a_second_run_of_a_site_stops_at_once_naming_the_first(replica, tmp_path, script):
    out = tmp_path / "out"
    holder = hold(script, out, SITE)
    try:
        result = vnnews("crawl", SITE, "--replica", replica, "--out", str(out))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 75, result.stderr[-2000:]
    assert f"site {SITE} is being crawled by pid {holder.pid}" in result.stderr
    assert not (out / "manifest.jsonl").exists() or not (out / "manifest.jsonl").read_bytes()


def test_another_site_into_a_folder_being_written_is_refused_clearly(replica, tmp_path):
    out = tmp_path / "out"
    holder = hold(HOLD_FOLDER, out, SITE)
    try:
        result = vnnews("crawl", "baovinhphuc", "--replica", replica, "--out", str(out))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 75, result.stderr[-2000:]
    assert "another vnnews process is writing this output folder" in result.stderr
    assert f"{SITE} by pid {holder.pid}" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["--since", "8/8/2020"], "--since: expected a date YYYY-MM-DD"),
    (["--max-articles", "-1"], "--max-articles: expected a whole number"),
    (["-s", "VNNEWS_SINCE=yesterday"], "setting VNNEWS_SINCE: expected a date YYYY-MM-DD"),
    (["-s", "VNNEWS_MAX_ARTICLES=-2"], "setting VNNEWS_MAX_ARTICLES"),
    (["-s", "VNNEWS_PROGRESS=sometimes"], "setting VNNEWS_PROGRESS"),
    (["-s", "VNNEWS_CLEAN_NICENESS=-5"], "setting VNNEWS_CLEAN_NICENESS: expected a whole number from 0"),
    (["-s", "VNNEWS_CLEAN_NICENESS=low"], "got 'low'"),
])
def test_bad_incremental_options_exit_2_naming_them(tmp_path, args, message):
    result = vnnews("crawl", SITE, "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert message in result.stderr
