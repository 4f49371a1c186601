"""`vnnews demo`: crawl the bundled replica sites on loopback into output/demo/ and summarise.

The demo has its own folder: replica pages carry the real sites' URLs, so its corpus and
state must never meet a live crawl's (a live crawl refuses a folder holding replica data).
Every configured site with replica data is crawled, `enabled: false` ones included (the
placeholder .invalid sites exist only as replicas).

Starts the replica server (replica/) on a free 127.0.0.1 port, crawls every
configured site the replica serves through Scrapy with VNNEWS_REPLICA pointing at it, and
prints per site: pages fetched, documents written, rejections by reason, duration. Sites
configured from real pages only (no replica data) are named and left out: there is nothing on
loopback to crawl for them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="crawl the bundled replica sites on loopback into output/demo/",
        description="Start the replica sites on a free loopback port, crawl them all with Scrapy, "
                    "write the corpus and print a summary per site. Needs no network.")
    parser.add_argument("--out", metavar="DIR", default="output/demo",
                        help="output folder (default: output/demo/, never the live crawl's output/)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.crawl import runner as crawling
    from crawler.crawl.replica_routing import ReplicaMissing, import_replica

    try:
        replica_package = import_replica()
        ReplicaServer = replica_package.ReplicaServer
    except ReplicaMissing as exc:
        print(f"vnnews demo: {exc}", file=sys.stderr)
        return crawling.EXIT_USAGE

    out_dir = Path(args.out)
    try:
        sites, without_replica = demo_sites(crawling.select_sites([], all_sites=True, include_disabled=True).sites, replica_package.replica_sites())
    except crawling.UsageError as exc:
        print(f"vnnews demo: {exc}", file=sys.stderr)
        return crawling.EXIT_USAGE
    if without_replica:
        print(f"not in the demo (configured, but the replica has no data for them): "
              f"{', '.join(without_replica)}", file=sys.stderr)
    if not sites:
        print("vnnews demo: no configured site has replica data (replica/data)", file=sys.stderr)
        return crawling.EXIT_USAGE
    started = time.monotonic()
    with ReplicaServer() as server:
        replica = f"127.0.0.1:{server.port}"
        print(f"replica sites on http://{replica}/ (by Host header): {', '.join(sites)}", file=sys.stderr)
        overrides = {"VNNEWS_OUTPUT": str(out_dir), "LOG_LEVEL": "WARNING", **crawling.replica_settings(replica)}
        try:
            runs = crawling.run_spiders(sites, overrides)
        except crawling.Busy as exc:
            print(f"vnnews demo: {exc}", file=sys.stderr)
            return crawling.EXIT_BUSY
    crawling.print_summary(runs, out_dir)
    crawling.print_failures(runs)
    deduplicated = crawling.dedup_after_crawl(out_dir)
    exported = export_demo(out_dir) if deduplicated else False
    print(f"demo finished in {time.monotonic() - started:.1f}s")
    return crawling.exit_code(runs) or (0 if deduplicated and exported else crawling.EXIT_FAILED)


def export_demo(out_dir: Path) -> bool:
    """The demo corpus as a dataset folder, <out>/export (Parquet, with its card)."""
    from crawler.commands import export

    dest = out_dir / "export"
    # parsed by the export command's own parser, so every option it gains has its default here
    # (a hand-made Namespace missed --shard-by once and the demo ended in a traceback)
    parser = argparse.ArgumentParser(prog="vnnews")
    export.register(parser.add_subparsers(dest="command"))
    code = export.run(parser.parse_args(["export", str(dest), "--out", str(out_dir), "--format", "parquet"]))
    if code == 0:
        print(f'load it: datasets.load_dataset("parquet", data_dir="{dest / "parquet" / "all"}")')
    return code == 0


def demo_sites(configured: list[str], served: list[str]) -> tuple[list[str], list[str]]:
    """(configured sites the replica serves, configured sites it does not)."""
    served = set(served)
    return [s for s in configured if s in served], [s for s in configured if s not in served]
