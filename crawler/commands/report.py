"""`vnnews report`: per site, what its last crawl did, and a health check for schedulers.

Contract: a table on stdout (or one JSON object with --json); exit 0; with --check, only the
problems, one line each on stderr, and exit 1 when there is one: a site's template seems to have
changed, a site fetched nothing, wrote nothing in its last runs, has not run for too long, or
had most article pages rejected in its first run (crawler/corpus/report.py states the rules);
exit 2 when the folder has no crawl state or an option is wrong.
"""

from __future__ import annotations

import json
import sys

EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE = 0, 1, 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="per site: last crawl, pages, documents, rejections, errors, health",
        description="Report what the crawls of an output folder did, per site, from its crawl state "
                    "(<out>/state/crawl.sqlite). --check exits 1 when a site's share of article pages "
                    "with no body or a generic fallback jumps against its history (a template change).")
    parser.add_argument("sites", nargs="*", metavar="SITE", help="only these sites (default: every site crawled)")
    parser.add_argument("--out", metavar="DIR", default="output", help="output folder (default: output/)")
    parser.add_argument("--json", action="store_true", help="print one JSON object for monitoring")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 and name the sites whose template seems to have changed")
    parser.add_argument("--runs", type=int, metavar="N", default=0,
                        help="also list each site's last N runs (the run history)")
    parser.add_argument("--min-pages", type=int, metavar="N", default=None,
                        help="article pages a run needs to be judged by the health check (default: 5)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.corpus import report as reporting
    from crawler.corpus.state import StateError

    min_pages = reporting.MIN_ARTICLES if args.min_pages is None else args.min_pages
    if min_pages < 1:
        print(f"vnnews report: --min-pages {min_pages}: expected 1 or more", file=sys.stderr)
        return EXIT_USAGE
    try:
        reports = reporting.build_report(args.out, args.sites or None, min_pages, max(args.runs, 0))
    except (reporting.NoState, StateError) as exc:
        print(f"vnnews report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    missing = [s for s in args.sites if s not in {r.site for r in reports}]
    if missing:
        print(f"vnnews report: no crawl of {', '.join(missing)} in {args.out}", file=sys.stderr)
        return EXIT_USAGE
    flagged = reporting.unhealthy(reports)
    if args.json:
        print(json.dumps({"out": str(args.out), "sites": [r.to_record() for r in reports],
                          "unhealthy": [r.site for r in flagged],
                          "problems": reporting.problems(reports)}, ensure_ascii=False))
    elif not args.check:
        print(reporting.format_report(reports, args.out))
    if args.check:
        found = reporting.problems(reports)
        for line in found:
            print(f"vnnews report: {line}", file=sys.stderr)
        return EXIT_UNHEALTHY if found else EXIT_OK
    return EXIT_OK
