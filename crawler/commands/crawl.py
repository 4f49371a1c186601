"""`vnnews crawl SITE… | --all`: crawl configured sites through Scrapy into the corpus folder."""

from __future__ import annotations

import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "crawl", help="crawl configured sites into the corpus folder",
        description="Crawl sites of config/sites/*.yaml with Scrapy (polite: robots.txt, per-site delay) "
                    "and write output/corpus, manifest.jsonl, rejects.jsonl and raw/*.warc.gz.")
    parser.add_argument("sites", nargs="*", metavar="SITE", help="site names (file names in config/sites)")
    parser.add_argument("--all", action="store_true", help="crawl every configured site")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: output/, setting VNNEWS_OUTPUT)")
    parser.add_argument("--replica", metavar="HOST:PORT",
                        help="send the sites' requests to a loopback replica server (tests, demo); "
                             "no politeness delay then")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/ or $VNNEWS_CONFIG)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (as scrapy crawl -s)")
    parser.set_defaults(run=run)


def parse_overrides(pairs: list[str]) -> dict:
    from crawler.crawling import UsageError

    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-s {pair!r}: expected NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def run(args) -> int:
    from crawler import crawling

    try:
        crawling.use_config(args.config)
        sites = crawling.choose_sites(args.sites, args.all)
        overrides = parse_overrides(args.set)
        out_dir = Path(args.out or overrides.get("VNNEWS_OUTPUT") or "output")
        overrides["VNNEWS_OUTPUT"] = str(out_dir)
        if args.replica:  # loopback only, so no politeness delay; -s still wins
            overrides = {**crawling.replica_settings(args.replica), **overrides}
        runs = crawling.run_spiders(sites, overrides)
    except crawling.UsageError as exc:
        print(f"vnnews crawl: {exc}", file=sys.stderr)
        return crawling.EXIT_USAGE
    crawling.print_summary(runs, out_dir)
    return crawling.exit_code(runs)
