"""Cleaning throughput: vnnews against bare trafilatura (the anchor) and a bare lxml parse (the floor).

    python benchmarks/speed.py [--rounds 5] [--sets replicas,vn-real,scrapinghub] [--limit N]

Every system runs on the same pages in the same process, alternating round by round so a
busy machine slows them alike; the table gives the median pages/s and the ratios.
- replicas: every article the loopback replica serves for the configured sites, cleaned
  with its site config (what a crawl does) — the config names the body, no heuristics;
- vn-real: real Vietnamese news pages, unconfigured: CMS detection, then generic mode;
- scrapinghub: English articles, generic mode (`--site generic --expect-lang any`).
Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # the project's packages and the set loaders

import datasets  # noqa: E402


def replica_pages() -> list[tuple[bytes, str]]:
    """(body, url) of every good article of every replica site, fetched over loopback."""
    from crawler.replica import ReplicaServer, article_urls, replica_sites

    pages = []
    with ReplicaServer() as server:
        for site in replica_sites():
            for url in article_urls(site):
                parts = urlsplit(url)
                request = urllib.request.Request(f"{server.base_url.rstrip('/')}{parts.path}",
                                                 headers={"Host": parts.hostname})
                with urllib.request.urlopen(request, timeout=30) as response:
                    pages.append((response.read(), url))
    return pages


def benchmark_pages(name: str, data_dir: Path, limit: int | None) -> list[tuple[bytes, str | None]]:
    return [(datasets.read_html_bytes(p.html_path), p.url) for p in datasets.load_set(name, data_dir, limit)]


def systems(set_name: str):
    """name -> function(body, url) for one set."""
    import lxml.html
    import trafilatura

    from cleaners.pipeline import Cleaner

    cleaner = Cleaner()
    site = "generic" if set_name == "scrapinghub" else None
    lang = "any" if set_name == "scrapinghub" else None
    return {
        "vnnews": lambda body, url: cleaner.clean(body, url=url, site=site, expect_lang=lang),
        "trafilatura": lambda body, url: trafilatura.extract(body, url=url),
        "lxml parse": lambda body, url: lxml.html.document_fromstring(body),
    }


def measure(pages, runners: dict, rounds: int) -> dict[str, float]:
    """Median pages/s of each system; the systems alternate inside every round."""
    for run in runners.values():  # warm-up: imports, language profiles, compiled selectors
        run(*pages[0])
    rates: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            started = time.perf_counter()
            for body, url in pages:
                run(body, url)
            rates[name].append(len(pages) / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="replicas,vn-real,scrapinghub")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=int, help="first N pages of a benchmark set")
    parser.add_argument("--data", help="benchmark folder (default ../shared/benchmarks)")
    args = parser.parse_args(argv)
    data_dir = datasets.resolve_data_dir(args.data)
    print(f"Measured {date.today()} on {platform.platform()}, {__import__('os').cpu_count()} CPUs, "
          f"Python {platform.python_version()}; median of {args.rounds} rounds.\n")
    print("| pages | set | vnnews pages/s | trafilatura pages/s | lxml parse pages/s | vnnews / trafilatura |")
    print("|---|---|---:|---:|---:|---:|")
    for set_name in args.sets.split(","):
        if set_name == "replicas":
            pages = replica_pages()
        elif datasets.set_available(data_dir, set_name):
            pages = benchmark_pages(set_name, data_dir, args.limit)
        else:
            print(f"| – | {set_name} | skipped: {data_dir} not found | | | |")
            continue
        rates = measure(pages, systems(set_name), args.rounds)
        ratio = rates["vnnews"] / rates["trafilatura"]
        print(f"| {len(pages)} | {set_name} | {rates['vnnews']:.1f} | {rates['trafilatura']:.1f} | "
              f"{rates['lxml parse']:.1f} | {ratio:.2f}× |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
