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
    parser.add_argument("--refresh", action="store_true",
                        help="fetch every article again, even those an earlier run wrote or rejected")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=since_date,
                        help="skip articles published before this day (dated by the feed, the sitemap, "
                             "or else the page itself); with --retry-rejected, also retry only the "
                             "rejections recorded on or after this day")
    parser.add_argument("--retry-rejected", action="store_true",
                        help="try again the articles the cleaner rejected (not-article, too-short, garbled): "
                             "re-cleaned from the WARC archive without the network where archived, else "
                             "fetched again (they are retried by themselves when the site's config or "
                             "vnnews changed)")
    parser.add_argument("--max-articles", metavar="N", type=article_budget,
                        help="fetch at most N articles per site in this run")
    parser.add_argument("--progress", choices=("auto", "on", "off"),
                        help="live progress per site on stderr (default auto: when it is a terminal)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log Scrapy's INFO lines (-vv: DEBUG); by default only warnings, the progress "
                             "and the summary table")
    parser.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), type=str.upper,
                        help="log level (default WARNING, or INFO with --log-file)")
    parser.add_argument("--log-file", metavar="FILE",
                        help="write the log to FILE instead of stderr (level INFO unless --log-level)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (as scrapy crawl -s)")
    parser.set_defaults(run=run)


def since_date(text: str) -> str:
    import argparse

    from crawler.corpus.state import parse_since

    try:
        return parse_since(text).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def article_budget(text: str) -> int:
    import argparse

    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of articles, 1 or more, got {text!r}")
    return int(text)


def run_options(args) -> dict:
    """The settings the incremental options stand for (crawler/crawl/settings.py documents them)."""
    options = {}
    if args.refresh:
        options["VNNEWS_REFRESH"] = True
    if args.since:
        options["VNNEWS_SINCE"] = args.since
    if args.max_articles:
        options["VNNEWS_MAX_ARTICLES"] = args.max_articles
    if args.progress:
        options["VNNEWS_PROGRESS"] = args.progress
    if getattr(args, "retry_rejected", False):  # (vnnews cluster reuses these options without it)
        from crawler.corpus.state import utc_now

        options["VNNEWS_RETRY_REJECTED"] = True
        options["VNNEWS_RUN_STARTED"] = utc_now()  # rejections recorded from now on are this run's
    return options


def log_settings(args) -> dict:
    """Quiet by default: warnings only (the progress line and the summary are not log lines)."""
    level = args.log_level or ("DEBUG" if args.verbose > 1 else "INFO" if args.verbose or args.log_file
                               else "WARNING")
    settings = {"LOG_LEVEL": level}
    if args.log_file:
        settings["LOG_FILE"] = args.log_file
    return settings


def parse_overrides(pairs: list[str]) -> dict:
    from crawler.crawl.runner import UsageError

    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-s {pair!r}: expected NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def retry_archived(sites: list[str], out_dir: Path, overrides: dict) -> None:
    """--retry-rejected: re-clean the archived rejected pages first (no network), then crawl."""
    from crawler.corpus.reprocess import retry_from_archive
    from crawler.corpus.state import Retry, SiteBusy
    from crawler.crawl import runner as crawling
    from crawler.registry import load_registry

    retry = Retry(rejected=True, rejected_since=overrides.get("VNNEWS_SINCE") or None,
                  before=overrides["VNNEWS_RUN_STARTED"])
    try:
        counts = retry_from_archive(out_dir, sites, load_registry(), retry)
    except SiteBusy as exc:
        raise crawling.Busy(str(exc)) from None
    if counts:
        done = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()) if name != "re-cleaned")
        print(f"re-cleaned {counts['re-cleaned']} rejected page(s) from the archive: {done}", file=sys.stderr)


def run(args) -> int:
    from crawler.crawl import runner as crawling

    try:
        crawling.use_config(args.config)
        selection = crawling.select_sites(args.sites, args.all)
        overrides = parse_overrides(args.set)
        out_dir = Path(args.out or overrides.get("VNNEWS_OUTPUT") or "output")
        overrides["VNNEWS_OUTPUT"] = str(out_dir)
        overrides = {**log_settings(args), **run_options(args), **overrides}
        if args.replica:  # loopback only, so no politeness delay; -s still wins
            overrides = {**crawling.replica_settings(args.replica), **overrides}
        for note in selection.notes:
            print(f"vnnews crawl: {note}", file=sys.stderr)
        for site, why in selection.not_run.items():
            print(f"vnnews crawl: {site}: not run: {why}", file=sys.stderr)
        if args.retry_rejected and selection.sites:
            retry_archived(selection.sites, out_dir, overrides)
        runs = crawling.run_spiders(selection.sites, overrides) if selection.sites else []
    except crawling.UsageError as exc:
        print(f"vnnews crawl: {exc}", file=sys.stderr)
        return crawling.EXIT_USAGE
    except crawling.Busy as exc:
        print(f"vnnews crawl: {exc}", file=sys.stderr)
        return crawling.EXIT_BUSY
    if runs:
        crawling.print_summary(runs, out_dir)
    crawling.print_failures(runs, selection.not_run)
    deduplicated = crawling.dedup_after_crawl(out_dir) if runs else True
    return crawling.exit_code(runs, selection.not_run) or (0 if deduplicated else crawling.EXIT_FAILED)
