"""Crawl throughput and memory on a large synthetic replica (benchmarks/synthetic_site.py).

    python benchmarks/crawl_speed.py throughput [--articles 20000] [--pages 1500] [--rounds 3]
    python benchmarks/crawl_speed.py memory [--sizes 10000,30000,100000] [--pages 2500] [--memory-queue | --jobdir]

throughput: a vnnews crawl of the synthetic copy of baolaichau (its config, its pipelines:
WARC archive, cleaning, corpus, state store; no politeness delay, as `vnnews crawl --replica`)
against a bare Scrapy spider that only follows <a href> links on the same server, with the
same concurrency. Both stop after --pages responses (CLOSESPIDER_PAGECOUNT); pages/s is
responses / Scrapy's elapsed time. The two alternate over the rounds; medians and the ratio.

memory: for each size, a vnnews crawl of a replica of that many articles (all named by the
sitemap index, so every URL is discovered and scheduled) stopped after --pages responses
(its related links name the newest articles, so the crawl reaches the sitemaps early, and
it goes breadth first, so it reads every sitemap before their articles: MEMORY_RUN); the
crawl process's own peak RSS (VmHWM, read by the process itself as it ends), how many URLs
were discovered and scheduled, and how the peak grows with the number of URLs. By
default the crawl keeps its pending requests on disk in a scratch folder of the run
(crawler/crawl/scheduler.py); --memory-queue measures VNNEWS_DISK_QUEUE = False (Scrapy's memory
queues), --jobdir Scrapy's own JOBDIR.

Each crawl runs in its own process (`_child`), the server in another. Timing lives here,
never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
SITE = "baolaichau"  # the configured site the synthetic replica copies
STATS_KEPT = ("response_received_count", "downloader/response_bytes", "elapsed_time_seconds", "finish_reason", "scheduler/enqueued",
              "scheduler/dequeued", "dupefilter/filtered", "discovery/sitemap_links", "clean/ok",
              "corpus/written", "item_scraped_count", "incremental/article_requests",
              "scheduler/enqueued/disk", "scheduler/enqueued/memory", "scheduler/unserializable")


def machine_line() -> str:
    return (f"Measured {date.today()} on {platform.platform()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}")


# --- the synthetic server, in its own process --------------------------------------------------

@contextmanager
def synthetic_server(articles: int, related: str = "older", real_furniture: bool = False):
    """Start benchmarks/synthetic_site.py; yields its port; stops it afterwards."""
    process = subprocess.Popen([sys.executable, str(HERE / "synthetic_site.py"), "--articles", str(articles),
                                "--related", related] + (["--real-furniture"] if real_furniture else []),
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        if not line.startswith("serving "):
            raise RuntimeError(f"synthetic site did not start: {line!r}")
        yield int(line.split()[1].rsplit(":", 1)[1].strip("/"))
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- one crawl, in a child process --------------------------------------------------------------

def run_child(system: str, port: int, out_dir: Path, pages: int, settings: dict | None = None) -> dict:
    """Run one crawl in a fresh process; its stats, peak RSS and CPU time. `settings` are
    Scrapy settings for the vnnews crawl on top of the replica's."""
    command = [sys.executable, str(Path(__file__).resolve()), "_child", system, "--port", str(port),
               "--out", str(out_dir), "--pages", str(pages)]
    if settings:
        command += ["--settings", json.dumps(settings)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not all children's
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{system} crawl failed (exit {process.returncode})")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


def child(system: str, port: int, out_dir: str, pages: int, settings: dict | None = None) -> int:
    """Inside the child: crawl, then print one JSON line (stats, VmHWM)."""
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    stats = crawl_vnnews(port, out_dir, pages, settings) if system == "vnnews" else crawl_bare(port, pages)
    kept = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in stats.items() if k in STATS_KEPT}
    print(json.dumps({"system": system, "stats": kept, "peak_rss_kb": own_peak_rss_kb()}), flush=True)
    return 0


def own_peak_rss_kb() -> int:
    """VmHWM of this process: its own peak, not inherited from the parent that forked it
    (ru_maxrss survives exec and would report the parent's size when that was larger)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def crawl_vnnews(port: int, out_dir: str, pages: int, settings: dict | None = None) -> dict:
    """What `vnnews crawl baolaichau --replica 127.0.0.1:PORT --out DIR -s CLOSESPIDER_PAGECOUNT=N`
    runs, minus the summary table: the stats are what we want. `settings` as `-s NAME=VALUE`."""
    from crawler.crawl import runner as crawling

    overrides = {"VNNEWS_OUTPUT": out_dir, **crawling.replica_settings(f"127.0.0.1:{port}"),
                 "CLOSESPIDER_PAGECOUNT": pages, "VNNEWS_PROGRESS": "off", "LOG_LEVEL": "WARNING"}
    overrides.update(settings or {})
    runs = crawling.run_spiders([SITE], overrides)
    return runs[0].stats


def crawl_bare(port: int, pages: int) -> dict:
    """A Scrapy spider that follows every link on the same server and does nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class LinkSpider(scrapy.Spider):
        name = "links"
        allowed_domains = ["127.0.0.1"]
        start_urls = [f"http://127.0.0.1:{port}/"]

        def parse(self, response):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href.strip())
                if url.startswith("http://127.0.0.1"):  # not javascript:, mailto: or other hosts
                    yield scrapy.Request(url, callback=self.parse)

    # The same concurrency and no delay, as crawler.crawl.runner.replica_settings gives vnnews.
    settings = {"CONCURRENT_REQUESTS": 8, "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True, "CLOSESPIDER_PAGECOUNT": pages,
                "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(LinkSpider)
    process.crawl(crawler)
    process.start()
    return dict(crawler.stats.get_stats())


def pages_per_second(result: dict) -> float:
    stats = result["stats"]
    return stats["response_received_count"] / stats["elapsed_time_seconds"]


# --- throughput -----------------------------------------------------------------------------------

# vnnews with the cleaning pool of 2 processes and on the reactor thread, and the bare spider
THROUGHPUT_RUNS = (("vnnews", "vnnews crawl, 2 cleaning processes", {"VNNEWS_CLEAN_PROCESSES": 2}),
                   ("vnnews", "vnnews crawl, 1 cleaning process", {"VNNEWS_CLEAN_PROCESSES": 1}),
                   ("bare", "bare Scrapy link spider", None))


def throughput(args) -> int:
    rates: dict[str, list[float]] = {label: [] for _, label, _ in THROUGHPUT_RUNS}
    cpu: dict[str, list[float]] = {label: [] for _, label, _ in THROUGHPUT_RUNS}
    last: dict[str, dict] = {}
    with synthetic_server(args.articles, real_furniture=args.real_furniture) as port, \
            tempfile.TemporaryDirectory(prefix="vnnews-crawl-") as tmp:
        for round_number in range(args.rounds):
            for number, (system, label, settings) in enumerate(THROUGHPUT_RUNS):  # alternate: a busy machine slows all
                out_dir = Path(tmp, f"{number}-{round_number}")
                result = run_child(system, port, out_dir, args.pages, settings)
                rates[label].append(pages_per_second(result))
                cpu[label].append(result["cpu_seconds"] / result["stats"]["response_received_count"] * 1000)
                last[label] = result
                shutil.rmtree(out_dir, ignore_errors=True)
    first = last[THROUGHPUT_RUNS[0][1]]["stats"]
    mean_kb = first.get("downloader/response_bytes", 0) / first["response_received_count"] / 1000
    size = ("article pages dressed in the furniture of the real pages of vn-real and vn-real-2"
            if args.real_furniture else "replica-size pages") + f", {mean_kb:.0f} KB a response on average"
    print(f"{machine_line()}; synthetic {SITE} replica of {args.articles} articles, {size}, "
          f"{args.pages} responses a crawl, median of {args.rounds} rounds.\n")
    print("| system | pages/s | CPU ms/page (crawl process) | responses | documents written | finish |")
    print("|---|---:|---:|---:|---:|---|")
    for _, label, _ in THROUGHPUT_RUNS:
        stats = last[label]["stats"]
        print(f"| {label} | {statistics.median(rates[label]):.1f} | {statistics.median(cpu[label]):.1f} | "
              f"{stats['response_received_count']} | {stats.get('corpus/written', '–')} | {stats['finish_reason']} |")
    two, one, bare = (statistics.median(rates[label]) for _, label, _ in THROUGHPUT_RUNS)
    print(f"\n2 cleaning processes / 1: {two / one:.2f}× (goal ≥ 1.7×); "
          f"vnnews (2 processes) / bare spider: {two / bare:.0%} (goal ≥ 90%)")
    return 0


# --- memory -----------------------------------------------------------------------------------------

# Breadth first (Scrapy lowers a request's priority by DEPTH_PRIORITY per link from a start
# URL): each child sitemap (depth 1, priority -20) goes before the articles a sitemap names
# (depth 2, priority 10 - 40), so every sitemap is read and every URL scheduled within the
# response budget. Depth first, as vnnews crawls, the articles of the first sitemap read
# outrank the other sitemaps, and how many sitemaps were read depended on how many happened
# to be in flight at that moment (37,508 to 100,008 URLs discovered at 100,000 articles).
MEMORY_RUN = {"DEPTH_PRIORITY": 20}


def memory(args) -> int:
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with synthetic_server(size, related="newest") as port, tempfile.TemporaryDirectory(prefix="vnnews-mem-") as tmp:
            settings = dict(MEMORY_RUN)
            if args.jobdir:
                settings["JOBDIR"] = str(Path(tmp, "job"))
            if args.memory_queue:
                settings["VNNEWS_DISK_QUEUE"] = False
            result = run_child("vnnews", port, Path(tmp, "out"), args.pages, settings)
        rows.append((size, result))
        discovered = result["stats"].get("discovery/sitemap_links", 0)
        if discovered < size:
            print(f"warning: {size} articles, but only {discovered} URLs discovered within {args.pages} responses",
                  file=sys.stderr)
    unserializable = sum(r["stats"].get("scheduler/unserializable", 0) for _, r in rows)
    if unserializable:
        print(f"warning: {unserializable} request(s) could not be pickled and stayed in memory", file=sys.stderr)
    if args.jobdir:
        queues = "pending requests on disk in Scrapy's JOBDIR (-s JOBDIR=...)"
    elif args.memory_queue:
        queues = "pending requests in memory (VNNEWS_DISK_QUEUE = False)"
    else:
        queues = "pending requests on disk in the run's scratch folder (the default, VNNEWS_DISK_QUEUE = True)"
    print(f"{machine_line()}; vnnews crawls of synthetic {SITE} replicas stopped after {args.pages} responses; "
          f"{queues}.\n")
    print("| articles | URLs discovered (sitemaps) | requests scheduled | responses | documents | "
          "peak RSS MB | MB per 10k URLs over the smallest |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    base_size, base = rows[0]
    for size, result in rows:
        stats, peak = result["stats"], result["peak_rss_kb"] / 1024
        growth = ((peak - base["peak_rss_kb"] / 1024) / (size - base_size) * 10_000) if size != base_size else 0
        print(f"| {size} | {stats.get('discovery/sitemap_links', 0)} | {stats.get('scheduler/enqueued', 0)} | "
              f"{stats['response_received_count']} | {stats.get('corpus/written', 0)} | {peak:.0f} | "
              f"{growth:.1f} |")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rate = commands.add_parser("throughput", help="vnnews crawl vs a bare Scrapy spider, pages/s")
    rate.add_argument("--articles", type=int, default=20_000)
    rate.add_argument("--pages", type=int, default=1500, help="responses per crawl")
    rate.add_argument("--rounds", type=int, default=3)
    rate.add_argument("--real-furniture", action="store_true",
                      help="real-size article pages: the furniture of ../shared/benchmarks/vn-real* pages")
    mem = commands.add_parser("memory", help="peak RSS of a vnnews crawl by replica size")
    mem.add_argument("--sizes", default="10000,30000,100000")
    queue = mem.add_mutually_exclusive_group()
    queue.add_argument("--jobdir", action="store_true", help="crawl with a JOBDIR: Scrapy's disk request queues")
    queue.add_argument("--memory-queue", action="store_true",
                       help="VNNEWS_DISK_QUEUE = False: pending requests in Scrapy's memory queues")
    mem.add_argument("--pages", type=int, default=2500,
                     help="responses per crawl (enough to walk the listings and then read every sitemap)")
    inner = commands.add_parser("_child", help=argparse.SUPPRESS)
    inner.add_argument("system", choices=("vnnews", "bare"))
    inner.add_argument("--port", type=int, required=True)
    inner.add_argument("--out", required=True)
    inner.add_argument("--pages", type=int, required=True)
    inner.add_argument("--settings", type=json.loads, help="JSON object of Scrapy settings")
    args = parser.parse_args(argv)
    if args.command == "_child":
        return child(args.system, args.port, args.out, args.pages, args.settings)
    return throughput(args) if args.command == "throughput" else memory(args)


if __name__ == "__main__":
    sys.exit(main())
