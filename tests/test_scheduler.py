"""Pending requests on disk (crawler/crawl/scheduler.py, VNNEWS_DISK_QUEUE).

The scratch folder of a run: created under <output>/state/queue/<site>/, used for every
request (none falls back to memory for want of pickling), deleted at the end; a folder a
killed run left is deleted by the next run, one in use never; two sites or two runs never
share one. The corpus is the same as with Scrapy's memory queues, and -s JOBDIR still gives
Scrapy's own disk queues.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from replica import ReplicaServer
from crawler.crawl.scheduler import ScratchFolder, queue_root, sweep

REPO = Path(__file__).resolve().parent.parent
SITES = ["baolaichau", "baonghean"]

# Crawls the sites in one Scrapy process, as `vnnews crawl` does, and notes on each response
# where that site's scheduler keeps its disk queues and what the folder holds at that moment.
CHILD = """
import json, os, sys
from pathlib import Path
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from crawler.crawl import runner as crawling

overrides, sites = json.loads(sys.argv[1]), sys.argv[2].split(",")
process = CrawlerProcess(crawling.project_settings(overrides))
crawlers, seen, receivers = crawling.create_crawlers(process, sites), {}, []
for site, crawler in crawlers.items():
    def on_response(response, request, spider, crawler=crawler, site=site):
        dqdir = getattr(crawler.engine.scheduler, "dqdir", None)
        files = sum(len(f) for _, _, f in os.walk(dqdir)) if dqdir else 0
        entry = seen.setdefault(site, {"dqdirs": [], "existed": True, "max_files": 0})
        if dqdir not in entry["dqdirs"]:
            entry["dqdirs"].append(dqdir)
        entry["existed"] = entry["existed"] and bool(dqdir) and os.path.isdir(dqdir)
        entry["max_files"] = max(entry["max_files"], files)
    receivers.append(on_response)
    crawler.signals.connect(on_response, signals.response_received)
    process.crawl(crawler)
process.start()
stats = {site: {k: v for k, v in c.stats.get_stats().items() if isinstance(v, (int, float, str))}
         for site, c in crawlers.items()}
print(json.dumps({"stats": stats, "seen": seen}))
"""


def crawl(replica: str, out: Path, sites=SITES, **settings) -> dict:
    overrides = {"VNNEWS_OUTPUT": str(out), "VNNEWS_REPLICA": replica, "VNNEWS_SITE_POLITENESS": False,
                 "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                 "VNNEWS_PROGRESS": "off", "LOG_LEVEL": "INFO", **settings}
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(overrides), ",".join(sites)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["log"] = result.stderr
    for site in sites:
        assert report["stats"][site]["finish_reason"] == "finished"
    return report


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def corpus(out: Path) -> dict:
    """The corpus without what depends on when and in which order pages arrived (sequence
    number, file name, time of crawl or rejection)."""
    documents = sorted((json.dumps({k: v for k, v in e.items() if k not in ("file", "seq", "crawled_at")},
                                   sort_keys=True),
                        (out / e["file"]).read_bytes()) for e in read_jsonl(out / "manifest.jsonl"))
    rejects = sorted(json.dumps({k: v for k, v in r.items() if k != "time"}, sort_keys=True)
                     for r in read_jsonl(out / "rejects.jsonl"))
    return {"documents": documents, "rejects": rejects}


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield f"127.0.0.1:{server.port}"


@pytest.fixture(scope="module")
def on_disk(replica, tmp_path_factory):
    """Two sites crawled together, with the default settings, into a folder where a killed run
    of a third site left its queue behind."""
    out = tmp_path_factory.mktemp("disk") / "out"
    leftover = queue_root(out) / "baohagiang" / "run-killed"
    leftover.mkdir(parents=True)
    (leftover / "queue").write_bytes(b"pending requests of a run that was killed")
    return out, leftover, crawl(replica, out)


@pytest.fixture(scope="module")
def in_memory(replica, tmp_path_factory):
    out = tmp_path_factory.mktemp("memory") / "out"
    return out, crawl(replica, out, VNNEWS_DISK_QUEUE=False)


# --- the crawl ---------------------------------------------------------------------------------

@pytest.mark.parametrize("site", SITES)
def test_every_request_waits_on_disk_none_in_memory(on_disk, site):
    stats = on_disk[2]["stats"][site]
    assert stats["scheduler/enqueued/disk"] > 0
    assert stats["scheduler/enqueued/disk"] == stats["scheduler/enqueued"]
    assert stats.get("scheduler/enqueued/memory", 0) == 0
    assert stats.get("scheduler/unserializable", 0) == 0  # every callback and meta value pickles


@pytest.mark.parametrize("site", SITES)
def test_the_queue_is_a_folder_of_the_run_under_the_output(on_disk, site):
    out, _, report = on_disk
    seen = report["seen"][site]
    assert len(seen["dqdirs"]) == 1
    folder = Path(seen["dqdirs"][0])
    assert folder.parent == queue_root(out) / site
    assert folder.name.startswith("run-")
    assert seen["existed"] and seen["max_files"] > 0  # created and written while the crawl ran


def test_two_sites_crawled_together_do_not_share_a_folder(on_disk):
    dqdirs = {site: on_disk[2]["seen"][site]["dqdirs"][0] for site in SITES}
    assert len(set(dqdirs.values())) == len(SITES)


def test_the_folders_are_gone_when_the_crawl_ends(on_disk):
    out, _, report = on_disk
    for site in SITES:
        assert not Path(report["seen"][site]["dqdirs"][0]).exists()
    assert not queue_root(out).exists()  # nothing at all is left of the queues


def test_a_killed_runs_leftover_is_deleted_by_the_next_run(on_disk):
    out, leftover, report = on_disk
    assert not leftover.exists()
    assert "removed 1 pending-request folder(s)" in report["log"]


def test_nothing_of_scrapys_job_state_is_written(on_disk):
    out = on_disk[0]
    assert not list(out.rglob("active.json")) and not list(out.rglob("requests.seen"))


def test_the_corpus_is_the_same_as_with_memory_queues(on_disk, in_memory):
    disk_out, memory_out = on_disk[0], in_memory[0]
    assert corpus(disk_out)["documents"]  # the comparison is about something
    assert corpus(disk_out) == corpus(memory_out)
    for site in SITES:
        disk, memory = on_disk[2]["stats"][site], in_memory[1]["stats"][site]
        for key in ("response_received_count", "scheduler/enqueued", "corpus/written", "dupefilter/filtered"):
            assert disk.get(key) == memory.get(key), key


def test_the_opt_out_keeps_requests_in_memory(in_memory):
    out, report = in_memory
    for site in SITES:
        stats = report["stats"][site]
        assert stats["scheduler/enqueued/memory"] == stats["scheduler/enqueued"] > 0
        assert "scheduler/enqueued/disk" not in stats
        assert report["seen"][site]["dqdirs"] == [None]
    assert not queue_root(out).exists()


def test_a_jobdir_still_gives_scrapys_own_queues(replica, tmp_path):
    out, jobdir = tmp_path / "out", tmp_path / "job"
    report = crawl(replica, out, sites=SITES[:1], JOBDIR=str(jobdir))
    stats = report["stats"][SITES[0]]
    assert stats["scheduler/enqueued/disk"] == stats["scheduler/enqueued"] > 0
    assert report["seen"][SITES[0]]["dqdirs"] == [str(jobdir / "requests.queue")]
    assert (jobdir / "requests.queue" / "active.json").exists()  # kept for Scrapy's resume
    assert not queue_root(out).exists()


# --- the scratch folder itself ----------------------------------------------------------------------

def test_a_folder_in_use_is_never_swept_and_each_run_has_its_own(tmp_path):
    first = ScratchFolder(tmp_path, "baolaichau").open()
    second = ScratchFolder(tmp_path, "baolaichau").open()  # its start sweeps; the first is in use
    other = ScratchFolder(tmp_path, "baonghean").open()
    try:
        paths = {first.path, second.path, other.path}
        assert len(paths) == 3 and all(p.is_dir() for p in paths)
        assert first.path.parent == second.path.parent == tmp_path / "baolaichau"
        assert sweep(tmp_path) == 0
        assert all(p.is_dir() for p in paths)
    finally:
        for folder in (first, second, other):
            folder.remove()
    assert not tmp_path.exists()  # the last one out removes the empty parents too


HOLDER = """
import sys
from crawler.crawl.scheduler import ScratchFolder
folder = ScratchFolder(sys.argv[1], "baolaichau").open()
(folder.path / "queue").write_bytes(b"x" * 1000)
print(folder.path, flush=True)
sys.stdin.read()
"""


def test_the_folder_of_a_process_killed_with_sigkill_is_swept_only_once_it_is_dead(tmp_path):
    root = tmp_path / "queue"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        path = Path(holder.stdout.readline().strip())
        assert path.is_dir()
        assert sweep(root) == 0 and path.is_dir()  # alive: its lock protects it
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert path.is_dir()  # a killed run cannot clean up after itself
    assert sweep(root) == 1
    assert not path.exists()
