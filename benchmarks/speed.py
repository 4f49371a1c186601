"""Cleaning speed: vnnews against bare trafilatura (the anchor) and a bare lxml parse (the floor).

    python benchmarks/speed.py [--rounds 5] [--sets real,replicas,fixtures,synthetic,scrapinghub]
                               [--limit N] [--repeat 10] [--no-batch]

Real pages first (set `real`, also called `vn-real`: the saved pages of ../shared/benchmarks/vn-real
and vn-real-2, articles and non-articles, their sizes stated), measured as processes, start-up
included, each system alternating with the others round by round:
- batch: one `vnnews clean --batch LIST.jsonl` process over the list of every page repeated
  --repeat times, against one Python process that imports trafilatura and extracts the same
  list; three ways of choosing the rules: `configured` (as a crawl does: the real-page site
  configs of config/sites), `unconfigured` (a config folder without those sites: CMS
  detection, then generic mode, as for a site nobody configured) and `generic`
  (`--site generic`);
- one page: `vnnews clean PAGE.html` (as maintainers and scripts call it) against
  `python -c "import trafilatura; trafilatura.extract(...)"` on the same page, for every page.
Then, in one process (what one line of `vnnews clean --batch` does, against bare
trafilatura.extract and an lxml parse, alternating inside every round; the last column runs
the real batch command once per set):
- real-configured / real-generic: the real pages as above, in-process;
- replicas: every article the loopback replica serves for the configured sites, with its
  site config (REPLICA pages: our reconstruction, 6-18 KB, not pages a site served);
- fixtures: the saved pages of the replica-checked sites (tests/fixtures/sites/*/*.html,
  rendered by the replica);
- synthetic: 200 articles of the large synthetic replica (benchmarks/synthetic_site.py);
- scrapinghub: English articles, generic mode (`--site generic --expect-lang any`).
Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
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


REAL_SETS = ("vn-real", "vn-real-2")


def real_pages(data_dir: Path) -> list[tuple[Path, str, str]] | None:
    """(path, url, kind) of every saved real page with a .meta.json, None without the folders."""
    folders = [data_dir / name for name in REAL_SETS if (data_dir / name).is_dir()]
    if not folders:
        return None
    pages = []
    for folder in folders:
        for meta_path in sorted(folder.glob("*.meta.json")):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            page = meta_path.with_name(meta_path.name.removesuffix(".meta.json") + ".html")
            pages.append((page, meta.get("url"), meta.get("kind", "article")))
    return pages


def sizes_line(pages) -> str:
    sizes = sorted(path.stat().st_size / 1000 for path, _, _ in pages)
    articles = sum(kind == "article" for _, _, kind in pages)
    return (f"{len(pages)} real pages ({articles} articles, {len(pages) - articles} not articles), "
            f"{sum(sizes):,.0f} KB in all; median {statistics.median(sizes):.0f} KB, "
            f"smallest {sizes[0]:.0f} KB, largest {sizes[-1]:.0f} KB")


def unconfigured_config(tmp: Path) -> Path:
    """A copy of config/ without the sites checked against real pages: what a new user has for a
    national site nobody configured."""
    from cleaners.siteconfig import ConfigRegistry

    registry = ConfigRegistry(ROOT / "config")
    target = tmp / "config-unconfigured"
    shutil.copytree(ROOT / "config", target)
    for name, site in registry.sites.items():
        if site.verified == "real-page":
            (target / "sites" / f"{name}.yaml").unlink()
    return target


TRAFILATURA_BATCH = """
import json, sys, trafilatura
for line in open(sys.argv[1], encoding="utf-8"):
    item = json.loads(line)
    with open(item["path"], "rb") as f:
        body = f.read()
    text = trafilatura.extract(body, url=item.get("url"))
    sys.stdout.write(json.dumps({"path": item["path"], "text": text}, ensure_ascii=False) + "\\n")
"""

TRAFILATURA_ONE = """
import sys, trafilatura
with open(sys.argv[1], "rb") as f:
    text = trafilatura.extract(f.read())
sys.stdout.write(text or "")
"""


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 3):  # 3: vnnews clean rejected the page, as it should some
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def measure_real(pages, rounds: int, repeat: int, single: int | None) -> None:
    """The real-page tables: batch processes per mode, then one page one process."""
    vnnews = str(ROOT / ".venv" / "bin" / "vnnews")
    python = sys.executable
    print(f"### Real pages ({sizes_line(pages)})\n")
    with tempfile.TemporaryDirectory(prefix="vnnews-speed-real-") as tmp_name:
        tmp = Path(tmp_name)
        list_path = tmp / "list.jsonl"
        lines = [json.dumps({"path": str(path), "url": url}) for path, url, _ in pages] * repeat
        list_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        unconfigured = unconfigured_config(tmp)
        runners = {
            "configured": [vnnews, "clean", "--batch", str(list_path)],
            "unconfigured": [vnnews, "clean", "--batch", str(list_path), "--config", str(unconfigured)],
            "generic": [vnnews, "clean", "--batch", str(list_path), "--site", "generic"],
            "trafilatura": [python, "-c", TRAFILATURA_BATCH, str(list_path)],
        }
        times: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(rounds):
            for name, command in runners.items():
                times[name].append(timed(command))
        median = {name: statistics.median(values) for name, values in times.items()}
        count = len(lines)
        print(f"Batch: one process over {len(pages)} pages x {repeat} = {count} cleanings, start-up included; "
              f"median of {rounds} rounds, the four processes alternating.\n")
        print("| rules | vnnews process s | trafilatura process s | vnnews pages/s | trafilatura pages/s "
              "| vnnews speed / trafilatura |")
        print("|---|---:|---:|---:|---:|---:|")
        for name in ("configured", "unconfigured", "generic"):
            print(f"| {name} | {median[name]:.2f} | {median['trafilatura']:.2f} | {count / median[name]:.1f} | "
                  f"{count / median['trafilatura']:.1f} | {median['trafilatura'] / median[name]:.2f}× |",
                  flush=True)
        one_page = pages if single is None else pages[:single]
        one: dict[str, list[float]] = {"vnnews": [], "trafilatura": []}
        for _ in range(rounds):
            for path, _, _ in one_page:
                one["vnnews"].append(timed([vnnews, "clean", str(path)]))
                one["trafilatura"].append(timed([python, "-c", TRAFILATURA_ONE, str(path)]))
        v, t = statistics.median(one["vnnews"]), statistics.median(one["trafilatura"])
        print(f"\nOne page, one process ({len(one_page)} pages x {rounds} rounds, alternating; median per "
              f"process): `vnnews clean PAGE.html` {v:.2f} s, python importing trafilatura and extracting "
              f"the same page {t:.2f} s: **{v / t:.2f}×** the time.\n", flush=True)


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
    """(body, url) of the saved pages of the replica-checked sites (tests/fixtures/sites/*/*.html)."""
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

    from cleaners.pipeline import Cleaner

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
    if set_name == "scrapinghub":
        return "generic", "any"
    if set_name == "real-generic":
        return "generic", None
    return None, None


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
    if set_name in ("real-configured", "real-generic"):
        found = real_pages(data_dir)
        return None if found is None else [(path.read_bytes(), url) for path, url, _ in found][:limit]
    if datasets.set_available(data_dir, set_name):
        return benchmark_pages(set_name, data_dir, limit)
    return None


def measure(pages, runners: dict, rounds: int) -> dict[str, float]:
    """Median pages/s of each system; the systems alternate inside every round."""
    # Warm-up: imports, language profiles, compiled selectors. More than one page: a first page
    # that is rejected before the language gate (a redirect stub) loads no language profiles.
    for run in runners.values():
        for page in pages[:10]:
            run(*page)
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
    parser.add_argument("--sets", default="real,replicas,fixtures,synthetic,scrapinghub",
                        help="real (= vn-real: the real-page processes, then real-configured and "
                             "real-generic in-process), replicas, fixtures, synthetic, scrapinghub, "
                             "real-configured, real-generic")
    parser.add_argument("--no-batch", action="store_true", help="skip the `vnnews clean --batch` subprocess run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10, help="real pages: each page this many times a batch")
    parser.add_argument("--single", type=int, help="real pages: one-page processes on the first N pages only")
    parser.add_argument("--limit", type=int, help="first N pages of a set")
    parser.add_argument("--data", help="benchmark folder (default ../shared/benchmarks)")
    args = parser.parse_args(argv)
    data_dir = datasets.resolve_data_dir(args.data)
    print(f"Measured {date.today()} on {platform.platform()}, {__import__('os').cpu_count()} CPUs, "
          f"Python {platform.python_version()}; median of {args.rounds} rounds.\n")
    sets = []
    for name in args.sets.split(","):
        if name in ("real", "vn-real"):
            found = real_pages(data_dir)
            if found is None:
                print(f"real pages: skipped: {data_dir}/vn-real and vn-real-2 not found\n")
                continue
            measure_real(found[:args.limit], args.rounds, args.repeat, args.single)
            sets += ["real-configured", "real-generic"]
        else:
            sets.append(name)
    if not sets:
        return 0
    print("### In one process\n")
    print("| pages | set | vnnews pages/s | trafilatura pages/s | lxml parse pages/s | vnnews / trafilatura "
          "| `vnnews clean --batch` process pages/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for set_name in sets:
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
