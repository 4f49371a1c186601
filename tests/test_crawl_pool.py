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
def nice_in_a_worker():  # sent as the crawl sends pages: on the submitter thread, after the workers started
    return cleaning.submitter.submit(cleaning.pool.submit, os.nice, 0).result().result(timeout=120)
seen = [nice_in_a_worker()]
cleaning._replace_pool(RuntimeError("a worker died"))  # the new pool's workers too
seen.append(nice_in_a_worker())
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


KILL_PROBE = """
import faulthandler, os, signal, sys
faulthandler.dump_traceback_later(150, exit=True)  # a hang fails the test with the threads' stacks
from dataclasses import replace
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from twisted.internet import defer, reactor
from crawler.corpus.page import PageItem
from crawler.corpus.parallel import PageCleaner
from crawler.crawl.cleaning import OrderedCleaning
from crawler.registry import load_registry
from crawler.sitefixtures import FIXTURES_DIR, read_meta

root = str(load_registry().root)
local = PageCleaner(root)
pages = [PageItem(url=read_meta(html)["url"], canonical_url="", site=html.parent.name, status=200,
                  body=html.read_bytes(), content_type="text/html; charset=utf-8", kind="article",
                  is_article_candidate=True, fetched_at="2026-12-07T05:00:00Z")
         for html in sorted(FIXTURES_DIR.glob("*/*.html"))] * 3
expected = []
for page in pages:
    page = replace(page)
    result = local.verdict(page)
    expected.append((page.url, page.canonical_url, result))

cleaning = OrderedCleaning(local, root, 2, 0)
cleaning.submitter.submit(int).result()  # the workers have started
first = cleaning.pool
os.kill(next(iter(first._processes)), signal.SIGKILL)
items = [replace(page) for page in pages]
got = []

def done(results):
    got.extend((item.url, item.canonical_url, result) for item, result in zip(items, results))
    reactor.stop()

defer.gatherResults([cleaning.clean(item) for item in items]).addBoth(done)
reactor.callLater(60, reactor.stop)  # pages never given back: fail below, not hang
reactor.run()
if not (cleaning.pool is not first and cleaning.generation == 1 and got == expected):
    print("generation", cleaning.generation, "pages given back", len(got), "of", len(expected),
          "differing", [g[0] for g, e in zip(got, expected) if g != e], file=sys.stderr, flush=True)
    os._exit(1)  # without waiting for the pool's workers
cleaning.close()
print(len(got), sum(r.status == "ok" for _, _, r in got))
"""


def test_a_cleaning_worker_killed_mid_crawl_loses_no_page():
    """The crawl's pool loses a worker before the pages arrive: the pool is replaced, every page
    comes back in arrival order with the verdict the crawl's own thread gives it."""
    probe = subprocess.run([sys.executable, "-c", KILL_PROBE], cwd=REPO, capture_output=True, text=True,
                           timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    pages, accepted = map(int, probe.stdout.split())
    assert pages >= 30 and accepted >= pages // 2, probe.stdout
