"""Crawl throughput and memory on a large synthetic replica (benchmarks/synthetic_site.py).

    python benchmarks/crawl_speed.py throughput [--articles 20000] [--pages 1500] [--rounds 3]
    python benchmarks/crawl_speed.py polite [--sites 17,34,68] [--seconds 60] [--rounds 2] [--articles 2000]
    python benchmarks/crawl_speed.py memory [--sizes 10000,30000,100000] [--pages 2500] [--memory-queue | --jobdir]

throughput: a vnnews crawl of the synthetic copy of baolaichau (its config, its pipelines:
WARC archive, cleaning, corpus, state store; no politeness delay, as `vnnews crawl --replica`)
against a bare Scrapy spider that only follows <a href> links on the same server, with the
same concurrency. Both stop after --pages responses (CLOSESPIDER_PAGECOUNT); pages/s is
responses / Scrapy's elapsed time. The two alternate over the rounds; medians and the ratio.
The server renders every article page before the first crawl and keeps every response it
sends (synthetic_site.py --prerender): it shares the crawl's two cores, where a real site's
server costs the crawler nothing, and a page in the real pages' furniture took it 0.6 ms to
render, on the cores the cleaning pool needs. --render-each renders each page when asked, as
for the figures before 2026-12-08. With --generic the crawl reads a copy of the site's YAML
without its extract block (VNNEWS_CONFIG, generic_config): the same crawl, the cleaner in
generic mode, as for a portal added with a minimal YAML (profile generic, no selectors).

memory: for each size, a vnnews crawl of a replica of that many articles (all named by the
sitemap index, so every URL is discovered and scheduled) stopped after --pages responses
(its related links name the newest articles, so the crawl reaches the sitemaps early, and
it goes breadth first, so it reads every sitemap before their articles: MEMORY_RUN); the
crawl process's own peak RSS (VmHWM, read by the process itself as it ends), how many URLs
were discovered and scheduled, and how the peak grows with the number of URLs. By
default the crawl keeps its pending requests on disk in a scratch folder of the run
(crawler/crawl/scheduler.py); --memory-queue measures VNNEWS_DISK_QUEUE = False (Scrapy's memory
queues), --jobdir Scrapy's own JOBDIR.

polite: N sites crawled at their politeness limit in one process, as `vnnews crawl --all`
runs them (crawler.crawl.runner.run_spiders: one crawler per site, one cleaning pool for the
output folder). The N sites are synthetic copies of baolaichau served by ONE synthetic
server (--per-host: each Host name its own article texts), configured in a temporary config
folder (VNNEWS_CONFIG) holding N copies of its YAML, synth01... on hosts
synth01.baolaichau.vn..., each with baolaichau's politeness block (delay 1.0 s,
concurrency 1, AutoThrottle on). Politeness stays ON (no replica_settings()): each site gets
what its YAML says. The pages link to each other relatively, so every copy finds its own
articles; the sitemaps and feed name baolaichau.vn itself and are offsite for the copies (each
crawl fetches them once and follows nothing from them). For each N and round three crawls
alternate: vnnews with 2 cleaning processes, vnnews cleaning on the reactor thread
(VNNEWS_CLEAN_PROCESSES=1), and a bare Scrapy spider following every <a href> of each site
under the same politeness (the YAML's settings through the spider's politeness_settings, the
project's CONCURRENT_REQUESTS and AutoThrottle bounds, RANDOMIZE_DOWNLOAD_DELAY as Scrapy's
default; one crawler per site in one CrawlerProcess, robots.txt obeyed). Every crawler stops
after --seconds (CLOSESPIDER_TIMEOUT). pages/s = responses summed over all sites / the run's
elapsed time, from the first crawler's start to the last one's finish (Scrapy's start_time
and finish_time stats). The drain after the timeout is inside it: Scrapy hands up to
CONCURRENT_REQUESTS requests to a site's downloader slot ahead of time, and a closing crawler
fetches them at the site's delay (about 8 s at 1 request a second), then waits for their items.
CPU ms/page: the crawl process's own CPU time, and that of its children (the cleaning
workers, with their forkserver), each divided by all responses, start-up included, and the
synthetic server's (on the same cores: it is not free for the crawl). With
--real-furniture the article pages are dressed in the furniture of the real pages of
../shared/benchmarks/vn-real* (still synthetic replica pages). A variant that wrote no
document, or a site that got no response, stops the benchmark with an error.

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
def synthetic_server(articles: int, related: str = "older", real_furniture: bool = False, per_host: bool = False,
                     prerender: bool = False):
    """Start benchmarks/synthetic_site.py; yields its port; stops it afterwards."""
    with synthetic_server_process(articles, related, real_furniture, per_host, prerender) as (port, _):
        yield port


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a running process has used so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


@contextmanager
def synthetic_server_process(articles: int, related: str = "older", real_furniture: bool = False,
                             per_host: bool = False, prerender: bool = False):
    """synthetic_server, yielding (port, the server's Popen) so its CPU time can be read."""
    process = subprocess.Popen([sys.executable, str(HERE / "synthetic_site.py"), "--articles", str(articles),
                                "--related", related] + (["--real-furniture"] if real_furniture else [])
                               + (["--per-host"] if per_host else []) + (["--prerender"] if prerender else []),
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        if not line.startswith("serving "):
            raise RuntimeError(f"synthetic site did not start: {line!r}")
        yield int(line.split()[1].rsplit(":", 1)[1].strip("/")), process
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- one crawl, in a child process --------------------------------------------------------------

def run_child(system: str, port: int, out_dir: Path, pages: int, settings: dict | None = None,
              polite: tuple[Path, int] | None = None, config: Path | None = None) -> dict:
    """Run one crawl in a fresh process; its stats, peak RSS and CPU time. `settings` are
    Scrapy settings for the vnnews crawl on top of the replica's. `polite`: (config folder,
    seconds) for a crawl of all the folder's sites at their politeness (`pages` is ignored).
    `config`: the config folder the crawl reads (VNNEWS_CONFIG), else the shipped one."""
    command = [sys.executable, str(Path(__file__).resolve()), "_child", system, "--port", str(port),
               "--out", str(out_dir), "--pages", str(pages)]
    if settings:
        command += ["--settings", json.dumps(settings)]
    if polite:
        command += ["--config", str(polite[0]), "--seconds", str(polite[1])]
    started = time.perf_counter()
    env = {**os.environ, "VNNEWS_CONFIG": str(config)} if config else None
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT, env=env)
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
    print(json.dumps({"system": system, "stats": kept_stats(stats), "peak_rss_kb": own_peak_rss_kb()}), flush=True)
    return 0


def kept_stats(stats: dict) -> dict:
    return {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in stats.items() if k in STATS_KEPT}


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


def link_spider(port: int, host: str | None = None):
    """A Scrapy spider class that follows every link on the server and does nothing else;
    `host`: the Host header of every request (one of the sites of a --per-host server)."""
    import scrapy

    headers = {"Host": host} if host else {}

    class LinkSpider(scrapy.Spider):
        name = "links"
        allowed_domains = ["127.0.0.1"]

        async def start(self):
            yield scrapy.Request(f"http://127.0.0.1:{port}/", headers=headers, callback=self.parse,
                                 dont_filter=True)  # as Scrapy's own start_urls

        def parse(self, response):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href.strip())
                if url.startswith("http://127.0.0.1"):  # not javascript:, mailto: or other hosts
                    yield scrapy.Request(url, headers=headers, callback=self.parse)

    return LinkSpider


def crawl_bare(port: int, pages: int) -> dict:
    """A Scrapy spider that follows every link on the same server and does nothing else."""
    from scrapy.crawler import CrawlerProcess

    LinkSpider = link_spider(port)

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


def pages_described(real_furniture: bool, response_bytes: int, responses: int) -> str:
    return ("article pages dressed in the furniture of the real pages of vn-real and vn-real-2"
            if real_furniture else "replica-size pages") + \
        f", {response_bytes / max(responses, 1) / 1000:.0f} KB a response on average"


# --- throughput -----------------------------------------------------------------------------------

# vnnews with the cleaning pool of 2 processes and on the reactor thread, and the bare spider
THROUGHPUT_RUNS = (("vnnews", "vnnews crawl, 2 cleaning processes", {"VNNEWS_CLEAN_PROCESSES": 2}),
                   ("vnnews", "vnnews crawl, 1 cleaning process", {"VNNEWS_CLEAN_PROCESSES": 1}),
                   ("bare", "bare Scrapy link spider", None))


def throughput(args) -> int:
    rates: dict[str, list[float]] = {label: [] for _, label, _ in THROUGHPUT_RUNS}
    cpu: dict[str, list[float]] = {label: [] for _, label, _ in THROUGHPUT_RUNS}
    last: dict[str, dict] = {}
    with synthetic_server(args.articles, real_furniture=args.real_furniture, prerender=not args.render_each) as port, \
            tempfile.TemporaryDirectory(prefix="vnnews-crawl-") as tmp:
        config = generic_config(Path(tmp, "config")) if args.generic else None
        for round_number in range(args.rounds):
            for number, (system, label, settings) in enumerate(THROUGHPUT_RUNS):  # alternate: a busy machine slows all
                out_dir = Path(tmp, f"{number}-{round_number}")
                result = run_child(system, port, out_dir, args.pages, settings, config=config)
                rates[label].append(pages_per_second(result))
                cpu[label].append(result["cpu_seconds"] / result["stats"]["response_received_count"] * 1000)
                last[label] = result
                shutil.rmtree(out_dir, ignore_errors=True)
    first = last[THROUGHPUT_RUNS[0][1]]["stats"]
    size = pages_described(args.real_furniture, first.get("downloader/response_bytes", 0),
                           first["response_received_count"])
    cleaning = "generic mode (the site's extract block left out)" if args.generic else f"{SITE}'s config"
    serving = "rendered when asked" if args.render_each else "rendered before the first crawl"
    print(f"{machine_line()}; synthetic {SITE} replica of {args.articles} articles, {size}, pages {serving}, "
          f"cleaned by {cleaning}, {args.pages} responses a crawl, median of {args.rounds} rounds.\n")
    # The rounds' spread is printed: on a shared 2-core machine it is as large as the changes measured.
    print("| system | pages/s | rounds' range | CPU ms/page (crawl process) | responses | documents written | finish |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for _, label, _ in THROUGHPUT_RUNS:
        stats = last[label]["stats"]
        print(f"| {label} | {statistics.median(rates[label]):.1f} | {min(rates[label]):.1f}–{max(rates[label]):.1f} | "
              f"{statistics.median(cpu[label]):.1f} | {stats['response_received_count']} | "
              f"{stats.get('corpus/written', '–')} | {stats['finish_reason']} |")
    two, one, bare = (rates[label] for _, label, _ in THROUGHPUT_RUNS)
    print(f"\n2 cleaning processes / 1: {ratio_line(two, one, '{:.2f}×')} (goal ≥ 1.7×); "
          f"vnnews (2 processes) / bare spider: {ratio_line(two, bare, '{:.0%}')} (goal ≥ 90%)")
    # The pool can at best make the crawl as fast as its own work on Scrapy's thread allows,
    # which is about the bare spider's rate: then 2/1 cannot exceed bare/1.
    print(f"bare spider / 1 cleaning process: {ratio_line(bare, one, '{:.2f}×')}, the 2/1 ratio a crawl "
          "as fast as the bare spider would reach")
    return 0


def ratio_line(numerators: list[float], denominators: list[float], form: str) -> str:
    """The ratio of the medians, then the median and range of the rounds' own ratios: the
    systems of a round ran one after the other, so a round's ratio is spared the drift of
    the machine's speed between rounds."""
    paired = [a / b for a, b in zip(numerators, denominators)]
    return (f"{form.format(statistics.median(numerators) / statistics.median(denominators))} "
            f"(round by round: median {form.format(statistics.median(paired))}, "
            f"{form.format(min(paired))}–{form.format(max(paired))})")


def shipped_site(site: str) -> dict:
    import yaml

    return yaml.safe_load((ROOT / "config" / "sites" / f"{site}.yaml").read_text(encoding="utf-8"))


def write_config(root: Path, sites: dict[str, dict], comment: str) -> None:
    """A config folder for VNNEWS_CONFIG: the shipped profiles (and schema) and these site
    YAMLs (name -> content), each headed by `comment`."""
    import yaml

    source = ROOT / "config"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "profiles", root / "profiles")
    if (source / "schema.json").exists():
        shutil.copy2(source / "schema.json", root / "schema.json")
    (root / "sites").mkdir()
    for name, content in sites.items():
        (root / "sites" / f"{name}.yaml").write_text(
            f"# {comment}\n" + yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def generic_config(root: Path, site: str = SITE) -> Path:
    """A config folder holding config/sites/SITE.yaml without its `extract` block: the crawl is
    the same, the cleaner runs in generic mode, as for a portal added with a minimal YAML."""
    original = shipped_site(site)
    assert original.get("profile") == "generic", f"{site}.yaml names a CMS profile, whose selectors would stay"
    write_config(root, {site: {key: value for key, value in original.items() if key != "extract"}},
                 f"{site}.yaml without its extract block, for benchmarks/crawl_speed.py throughput --generic")
    return root


# --- polite: N sites at their politeness limit --------------------------------------------------------

# The same three crawls as THROUGHPUT_RUNS, each of N sites at their YAML's politeness
POLITE_RUNS = THROUGHPUT_RUNS


def synthetic_config(root: Path, count: int, site: str = SITE) -> list[str]:
    """Write a config folder (for VNNEWS_CONFIG) holding the shipped profiles and `count`
    copies of config/sites/SITE.yaml: synth01... on the hosts synth01.DOMAIN... (DOMAIN: the
    site's first domain), everything else (politeness, discovery, extraction) unchanged.
    Returns the site names."""
    original = shipped_site(site)
    width = max(2, len(str(count)))
    names = [f"synth{number:0{width}d}" for number in range(1, count + 1)]
    write_config(root, {name: {**original, "name": name, "title": f"{original['title']} ({name})",
                               "domains": [f"{name}.{original['domains'][0]}"]} for name in names},
                 f"synthetic copy of {site}.yaml for benchmarks/crawl_speed.py polite")
    return names


def polite_child(system: str, port: int, out_dir: str, config: str, seconds: int, settings: dict | None) -> int:
    """Inside the child: crawl every site of `config` for `seconds`, then print one JSON line."""
    os.environ["VNNEWS_CONFIG"] = str(Path(config).resolve())  # before anything of ours loads the configs
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from crawler.registry import load_registry

    sites = {name: site.domains[0] for name, site in sorted(load_registry().sites.items())}
    if system == "vnnews":
        per_site = crawl_vnnews_sites(port, out_dir, list(sites), seconds, settings)
    else:
        per_site = crawl_bare_sites(port, sites, seconds)
    starts = [stats["start_time"] for stats in per_site.values() if stats.get("start_time")]
    finishes = [stats["finish_time"] for stats in per_site.values() if stats.get("finish_time")]
    elapsed = (max(finishes) - min(starts)).total_seconds() if starts and finishes else 0.0
    if elapsed <= 0:
        raise SystemExit(f"{system}: no crawler of {len(sites)} started and finished")
    stop_forkserver()
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(json.dumps({"system": system, "sites": {name: kept_stats(stats) for name, stats in per_site.items()},
                      "elapsed_seconds": elapsed, "cpu_own_seconds": own.ru_utime + own.ru_stime,
                      "cpu_children_seconds": children.ru_utime + children.ru_stime,
                      "peak_rss_kb": own_peak_rss_kb()}), flush=True)
    return 0


def stop_forkserver() -> None:
    """Stop and reap the cleaning pool's forkserver (the pool is shut down by now), so the
    CPU time of the workers it reaped counts in this process's RUSAGE_CHILDREN: left running,
    it would outlive this process and its children's CPU time would be nobody's."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if getattr(server, "_forkserver_pid", None) and hasattr(server, "_stop"):
        server._stop()  # closes its alive pipe and waits for it (CPython 3.9+)


def crawl_vnnews_sites(port: int, out_dir: str, names: list[str], seconds: int, settings: dict | None) -> dict:
    """What `vnnews crawl --all --replica 127.0.0.1:PORT -s CLOSESPIDER_TIMEOUT=S` runs with the
    sites' politeness kept ON: only VNNEWS_REPLICA is taken from the replica's settings (its
    replica_settings() would switch politeness off and set 8 requests per site)."""
    from crawler.crawl import runner as crawling

    overrides = {"VNNEWS_OUTPUT": out_dir, "VNNEWS_REPLICA": f"127.0.0.1:{port}", "VNNEWS_SITE_POLITENESS": True,
                 "CLOSESPIDER_TIMEOUT": seconds, "VNNEWS_PROGRESS": "off", "LOG_LEVEL": "WARNING"}
    overrides.update(settings or {})
    return {run.site: run.stats for run in crawling.run_spiders(names, overrides)}


def crawl_bare_sites(port: int, sites: dict[str, str], seconds: int) -> dict:
    """The bare link spider on every site (name -> host) under the politeness vnnews gives that
    site: one crawler per site in one CrawlerProcess, as run_spiders runs vnnews's."""
    from scrapy.crawler import CrawlerProcess

    from crawler.crawl import settings as project
    from crawler.crawl.spider import politeness_settings
    from crawler.registry import load_registry

    registry = load_registry()
    settings = {"CONCURRENT_REQUESTS": project.CONCURRENT_REQUESTS, "ROBOTSTXT_OBEY": project.ROBOTSTXT_OBEY,
                "AUTOTHROTTLE_MAX_DELAY": project.AUTOTHROTTLE_MAX_DELAY, "CLOSESPIDER_TIMEOUT": seconds,
                "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    process = CrawlerProcess(settings)
    crawlers = {}
    for name, host in sites.items():
        # Every site is 127.0.0.1:PORT, told apart by its Host header. Each crawler has its own
        # downloader (so its own slot for 127.0.0.1: the site's politeness delay and
        # concurrency, robots.txt included, as vnnews's slot for the site's host), its own
        # dupefilter (the sites' identical URLs are not taken for each other) and its own
        # robots.txt cache: no download_slot, seen set or dont_filter is needed.
        spider = type(f"LinkSpider_{name}", (link_spider(port, host),), {
            "name": name, "custom_settings": politeness_settings(registry.sites[name])})  # priority spider, as vnnews's
        crawlers[name] = process.create_crawler(spider)
        process.crawl(crawlers[name])
    process.start()
    return {name: dict(crawler.stats.get_stats()) for name, crawler in crawlers.items()}


def check_polite_run(label: str, result: dict) -> None:
    """The benchmark must not measure nothing: every site answered, and vnnews wrote documents.
    A site of a vnnews crawl may write none when the crawl cannot keep up (the sites are
    identical copies: with cleaning on the reactor thread at 102 sites, one got 7 responses in
    a minute, none of them an article); polite_totals counts those sites for the table."""
    for name, stats in result["sites"].items():
        if not stats.get("response_received_count"):
            raise SystemExit(f"{label}: site {name} got no response ({stats.get('finish_reason', 'not started')})")
    if result["system"] == "vnnews" and not any(s.get("corpus/written") for s in result["sites"].values()):
        raise SystemExit(f"{label}: no site wrote a document (are the article pages found?)")


def polite_totals(result: dict) -> dict:
    sites = result["sites"].values()
    responses = sum(s.get("response_received_count", 0) for s in sites)
    return {"responses": responses, "written": sum(s.get("corpus/written", 0) for s in sites),
            "sites_without_document": sum(not s.get("corpus/written") for s in sites),
            "bytes": sum(s.get("downloader/response_bytes", 0) for s in sites),
            "rate": responses / result["elapsed_seconds"],
            "cpu_own": result["cpu_own_seconds"] / responses * 1000,
            "cpu_children": result["cpu_children_seconds"] / responses * 1000,
            "cpu_server": result["cpu_server_seconds"] / responses * 1000}


def polite(args) -> int:
    """Each N's table is printed as soon as its crawls are done (a run of several N takes long)."""
    counts = [int(n) for n in args.sites.split(",")]
    with synthetic_server_process(args.articles, real_furniture=args.real_furniture, per_host=True) as (port, server), \
            tempfile.TemporaryDirectory(prefix="vnnews-polite-") as tmp:
        for index, count in enumerate(counts):
            config = Path(tmp, f"config-{count}")
            synthetic_config(config, count)
            totals: dict[str, list[dict]] = {label: [] for _, label, _ in POLITE_RUNS}
            for round_number in range(args.rounds):
                for number, (system, label, settings) in enumerate(POLITE_RUNS):  # alternate: a busy machine slows all
                    out_dir = Path(tmp, f"{count}-{number}-{round_number}")
                    server_cpu = process_cpu_seconds(server.pid)
                    result = run_child(system, port, out_dir, 0, settings, polite=(config, args.seconds))
                    result["cpu_server_seconds"] = process_cpu_seconds(server.pid) - server_cpu
                    check_polite_run(f"{count} sites, {label}", result)
                    totals[label].append(polite_totals(result))
                    shutil.rmtree(out_dir, ignore_errors=True)
            if index == 0:
                first = totals[POLITE_RUNS[0][1]][-1]
                size = pages_described(args.real_furniture, first["bytes"], first["responses"])
                print(f"{machine_line()}; N synthetic replica copies of {SITE} ({args.articles} articles each, "
                      f"their own texts) served by one local server, {size}; each site at its YAML's politeness "
                      f"(delay 1.0 s, concurrency 1, AutoThrottle), all N in one process; every crawl stopped after "
                      f"{args.seconds} s; median of {args.rounds} round(s).", flush=True)
            print_polite_table(count, totals)
    return 0


def print_polite_table(count: int, totals: dict[str, list[dict]]) -> None:
    print(f"\n{count} sites:\n")
    print("| crawl | pages/s | pages/s per site | CPU ms/page (crawl process) | CPU ms/page (its children: "
          "cleaning workers) | CPU ms/page (synthetic server) | responses | documents written | "
          "sites without a document |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    medians = {}
    for _, label, _ in POLITE_RUNS:
        runs = totals[label]
        medians[label] = rate = statistics.median(r["rate"] for r in runs)
        last = runs[-1]
        vnnews = label.startswith("vnnews")
        print(f"| {label} | {rate:.1f} | {rate / count:.2f} | "
              f"{statistics.median(r['cpu_own'] for r in runs):.1f} | "
              f"{statistics.median(r['cpu_children'] for r in runs):.1f} | "
              f"{statistics.median(r['cpu_server'] for r in runs):.1f} | {last['responses']} | "
              f"{last['written'] if vnnews else '–'} | {last['sites_without_document'] if vnnews else '–'} |")
    two, one, bare = (medians[label] for _, label, _ in POLITE_RUNS)
    print(f"\n{count} sites: vnnews (2 processes) / bare spider: {two / bare:.0%} (goal ≥ 90%); "
          f"2 cleaning processes / 1: {two / one:.2f}×", flush=True)


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


def add_real_furniture(parser) -> None:
    parser.add_argument("--real-furniture", action="store_true",
                        help="real-size article pages: the furniture of ../shared/benchmarks/vn-real* pages")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rate = commands.add_parser("throughput", help="vnnews crawl vs a bare Scrapy spider, pages/s")
    rate.add_argument("--articles", type=int, default=20_000)
    rate.add_argument("--pages", type=int, default=1500, help="responses per crawl")
    rate.add_argument("--rounds", type=int, default=3)
    rate.add_argument("--generic", action="store_true",
                      help="crawl with the site's extract block left out: generic cleaning, as for a portal")
    rate.add_argument("--render-each", action="store_true",
                      help="the server renders each page when asked (0.6 ms of the shared cores a real-size "
                           "page), instead of rendering the articles before the first crawl")
    add_real_furniture(rate)
    gentle = commands.add_parser("polite", help="N sites at their politeness limit: vnnews vs a bare spider, pages/s")
    gentle.add_argument("--sites", default="17,34,68", help="comma-separated numbers of sites")
    gentle.add_argument("--seconds", type=int, default=60, help="each crawl stops after this (CLOSESPIDER_TIMEOUT)")
    gentle.add_argument("--rounds", type=int, default=2)
    gentle.add_argument("--articles", type=int, default=2000, help="articles of each synthetic site")
    add_real_furniture(gentle)
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
    inner.add_argument("--config", help="polite: the config folder of the sites to crawl")
    inner.add_argument("--seconds", type=int, help="polite: CLOSESPIDER_TIMEOUT")
    args = parser.parse_args(argv)
    if args.command == "_child":
        if args.config:
            return polite_child(args.system, args.port, args.out, args.config, args.seconds, args.settings)
        return child(args.system, args.port, args.out, args.pages, args.settings)
    return {"throughput": throughput, "polite": polite, "memory": memory}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
