"""The crawl's cleaning pool (crawler/crawl/cleaning.py): a crawl cleaned by two worker
processes stores its documents in archive order, so replaying its archive serially gives
the same corpus, byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from replica import ReplicaServer

REPO = Path(__file__).resolve().parent.parent


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted((folder / "corpus").iterdir())} | {
        name: (folder / name).read_bytes() for name in ("manifest.jsonl", "rejects.jsonl") if (folder / name).exists()}


def test_a_crawl_cleaned_in_two_processes_is_its_archive_replayed_serially(tmp_path):
    out = tmp_path / "crawl"
    with ReplicaServer() as server:
        crawl = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--all", "--replica",
                                f"127.0.0.1:{server.port}", "--out", str(out), "-s", "VNNEWS_CLEAN_PROCESSES=2",
                                "-s", "LOG_LEVEL=INFO"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "'clean/processes': 2" in crawl.stderr
    replay = subprocess.run([sys.executable, "-m", "crawler.cli", "reprocess", "--from-raw", str(out / "raw"),
                             "--out", str(tmp_path / "replay"), "--jobs", "1"], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert replay.returncode == 0, replay.stderr[-3000:]
    crawled = folder_bytes(out)
    assert len(crawled) > 20
    assert crawled == folder_bytes(tmp_path / "replay")


NICENESS_PROBE = """
import os, sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from scrapy.utils.test import get_crawler
from crawler.crawl.cleaning import OrderedCleaning
from crawler.crawl.pipelines import CleanPipeline
from crawler.registry import load_registry

pipeline = CleanPipeline.from_crawler(get_crawler(settings_dict={"VNNEWS_CLEAN_PROCESSES": 2,
                                                                  "VNNEWS_CLEAN_NICENESS": int(sys.argv[1])}))
cleaning = OrderedCleaning(pipeline.cleaner, str(load_registry().root), pipeline.processes, pipeline.niceness)
seen = [cleaning.pool.submit(os.nice, 0).result(timeout=120)]
cleaning._replace_pool(RuntimeError("a worker died"))  # the new pool's workers too
seen.append(cleaning.pool.submit(os.nice, 0).result(timeout=120))
cleaning.close()
print(os.nice(0), *seen)
"""


def test_the_cleaning_workers_run_at_the_niceness_setting():
    from crawler.crawl import settings

    assert settings.VNNEWS_CLEAN_NICENESS == 10  # the default the benchmarks measured
    probe = subprocess.run([sys.executable, "-c", NICENESS_PROBE, "7"], cwd=REPO, capture_output=True, text=True,
                           timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    own, first_pool, new_pool = map(int, probe.stdout.split())
    assert first_pool == new_pool == min(own + 7, 19)
