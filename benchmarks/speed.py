"""Cleaning throughput: vnnews against bare trafilatura (the anchor) and a bare lxml parse (the floor).

    python benchmarks/speed.py [--rounds 5] [--sets replicas,fixtures,synthetic,vn-real,scrapinghub]
                               [--limit N] [--no-batch]

Every system runs on the same pages in the same process, alternating round by round so a
busy machine slows them alike; the table gives the median pages/s and the ratios.
"vnnews" is the work of one line of `vnnews clean --batch`: clean the page, then its JSON
record. Afterwards (unless --no-batch) the real `vnnews clean --batch LIST.jsonl` runs once
per set as a subprocess on the same pages saved to files: its pages/s counts the process
start (imports, configs, language profiles) as a crawl or a batch pays it once.
- replicas: every article the loopback replica serves for the configured sites, cleaned
  with its site config (what a crawl does) — the config names the body, no heuristics;
- fixtures: the saved pages of the configured sites (tests/fixtures/sites), with their configs;
- synthetic: 200 articles of the large synthetic replica (benchmarks/synthetic_site.py);
- vn-real: real Vietnamese news pages, unconfigured: CMS detection, then generic mode;
- scrapinghub: English articles, generic mode (`--site generic --expect-lang any`).
Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
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
    from replica import ReplicaServer, article_urls, replica_sites

    pages = []
    with ReplicaServer() as server:
        for site in replica_sites():
            for url in article_urls(site):
                parts = urlsplit(url)
                target = parts.path + (f"?{parts.query}" if parts.query else "")  # viewer.aspx?mabb=...
                request = urllib.request.Request(f"{server.base_url.rstrip('/')}{target}",
                                                 headers={"Host": parts.hostname})
                with urllib.request.urlopen(request, timeout=30) as response:
                    pages.append((response.read(), url))
    return pages


def fixture_pages() -> list[tuple[bytes, str]]:
    """(body, url) of the saved pages of the configured sites (tests/fixtures/sites)."""
    pages = []
    for html in sorted((ROOT / "tests" / "fixtures" / "sites").glob("*/*.html")):
        meta = json.loads(html.with_suffix(".meta.json").read_text(encoding="utf-8"))
        pages.append((html.read_bytes(), meta["url"]))
    return pages


def synthetic_pages(count: int = 200) -> list[tuple[bytes, str]]:
    """(body, url) of the newest articles of the large synthetic replica, rendered directly."""
    from synthetic_site import SyntheticSite

    site = SyntheticSite(articles=max(count, 1000))
    pages = []
    for k in range(count):
        path = site.family.article_path(site.data.articles.article(k))
        pages.append((site.respond(path)[2], site.family.absolute(path)))
    return pages


def benchmark_pages(name: str, data_dir: Path, limit: int | None) -> list[tuple[bytes, str | None]]:
    return [(datasets.read_html_bytes(p.html_path), p.url) for p in datasets.load_set(name, data_dir, limit)]


def systems(set_name: str):
    """name -> function(body, url) for one set."""
    import lxml.html
    import trafilatura

    from cleaners.cleaner import Cleaner

    cleaner = Cleaner()
    site, lang = set_options(set_name)

    def vnnews(body, url):  # what one line of `vnnews clean --batch` does, minus reading the file
        return json.dumps(cleaner.clean(body, url=url, site=site, expect_lang=lang).to_record(), ensure_ascii=False)

    return {
        "vnnews": vnnews,
        "trafilatura": lambda body, url: trafilatura.extract(body, url=url),
        "lxml parse": lambda body, url: lxml.html.document_fromstring(body),
    }


def set_options(set_name: str) -> tuple[str | None, str | None]:
    """(site, expect_lang) of a set: ScrapingHub is English, cleaned in generic mode."""
    return ("generic", "any") if set_name == "scrapinghub" else (None, None)


def batch_rate(pages, set_name: str) -> float:
    """Pages/s of one real `vnnews clean --batch` process over the pages, start-up included."""
    site, lang = set_options(set_name)
    with tempfile.TemporaryDirectory(prefix="vnnews-speed-") as tmp:
        lines = []
        for number, (body, url) in enumerate(pages):
            path = Path(tmp, f"{number}.html")
            path.write_bytes(body)
            lines.append(json.dumps({"path": str(path), "url": url}))
        list_path = Path(tmp, "list.jsonl")
        list_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = [str(ROOT / ".venv" / "bin" / "vnnews"), "clean", "--batch", str(list_path)]
        command += (["--site", site] if site else []) + (["--expect-lang", lang] if lang else [])
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return len(pages) / (time.perf_counter() - started)


def load_pages(set_name: str, data_dir: Path, limit: int | None):
    if set_name == "replicas":
        return replica_pages()
    if set_name == "fixtures":
        return fixture_pages()
    if set_name == "synthetic":
        return synthetic_pages(limit or 200)
    if datasets.set_available(data_dir, set_name):
        return benchmark_pages(set_name, data_dir, limit)
    return None


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
    parser.add_argument("--sets", default="replicas,fixtures,synthetic,vn-real,scrapinghub")
    parser.add_argument("--no-batch", action="store_true", help="skip the `vnnews clean --batch` subprocess run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=int, help="first N pages of a benchmark set")
    parser.add_argument("--data", help="benchmark folder (default ../shared/benchmarks)")
    args = parser.parse_args(argv)
    data_dir = datasets.resolve_data_dir(args.data)
    print(f"Measured {date.today()} on {platform.platform()}, {__import__('os').cpu_count()} CPUs, "
          f"Python {platform.python_version()}; median of {args.rounds} rounds.\n")
    print("| pages | set | vnnews pages/s | trafilatura pages/s | lxml parse pages/s | vnnews / trafilatura "
          "| `vnnews clean --batch` process pages/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for set_name in args.sets.split(","):
        pages = load_pages(set_name, data_dir, args.limit)
        if pages is None:
            print(f"| – | {set_name} | skipped: {data_dir} not found | | | | |")
            continue
        rates = measure(pages, systems(set_name), args.rounds)
        ratio = rates["vnnews"] / rates["trafilatura"]
        batch = "–" if args.no_batch else f"{batch_rate(pages, set_name):.1f}"
        print(f"| {len(pages)} | {set_name} | {rates['vnnews']:.1f} | {rates['trafilatura']:.1f} | "
              f"{rates['lxml parse']:.1f} | {ratio:.2f}× | {batch} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
