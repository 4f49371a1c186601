"""`vnnews sites`: the configured sites, their profile, and whether their fixtures pass."""

from __future__ import annotations

import json

from ._common import load_cleaner


def register(subparsers) -> None:
    parser = subparsers.add_parser("sites", help="list configured sites with profile and fixture status")
    parser.add_argument("--json", action="store_true", help="one JSON object per site")
    parser.add_argument("--config", metavar="DIR", help="config folder")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.fixtures import check_fixture, fixture_pages

    cleaner = load_cleaner(args.config, "sites")
    if cleaner is None:
        return 2
    rows = []
    for name, site in sorted(cleaner.registry.sites.items()):
        pages = fixture_pages(name)
        passing = sum(1 for page in pages if _passes(cleaner, page, check_fixture))
        rows.append({"site": name, "domain": site.domains[0], "profile": site.profile,
                     "verified": site.verified, "fixtures": len(pages), "passing": passing})
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    print(f"{'site':20} {'domain':28} {'profile':12} {'verified':12} fixtures")
    for row in rows:
        status = f"{row['passing']}/{row['fixtures']} pass" if row["fixtures"] else "NONE"
        print(f"{row['site']:20} {row['domain']:28} {row['profile']:12} {row['verified']:12} {status}")
    return 0


def _passes(cleaner, page, check) -> bool:
    try:
        return check(cleaner, page).ok
    except ValueError:
        return False
