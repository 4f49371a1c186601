"""`vnnews sites`: the configured sites, their profile, and whether their fixtures pass."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ._config_files import load_cleaner

HEADERS = ("site", "domain", "profile", "verified", "fixtures")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sites", help="list configured sites with profile and fixture status",
        description="Cleans every fixture page of every site and compares it with its expected output "
                    "(as the fixture test does); `vnnews fixtures SITE` shows the differences.")
    parser.add_argument("--json", action="store_true", help="one JSON object per site")
    parser.add_argument("--config", metavar="DIR", help="config folder")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder (default: tests/fixtures/sites)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.sitefixtures import default_fixtures_dir

    cleaner = load_cleaner(args.config, "sites")
    if cleaner is None:
        return 2
    fixtures = Path(args.fixtures) if args.fixtures else default_fixtures_dir()
    if fixtures is None:
        print("vnnews sites: fixtures not checked: no tests/fixtures/sites here (it comes with a source "
              "checkout); --fixtures DIR checks a folder", file=sys.stderr)
    rows = [_row(cleaner, name, site, fixtures) for name, site in sorted(cleaner.registry.sites.items())]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        _print_table(rows)
    return 0


def _row(cleaner, name: str, site, fixtures: Path | None) -> dict:
    from crawler.sitefixtures import fixture_pages, page_name

    row = {"site": name, "domain": site.domains[0], "profile": site.profile, "verified": site.verified,
           "enabled": site.enabled}
    if fixtures is None:
        return {**row, "fixtures": None, "passing": None, "failing": []}
    try:
        pages = fixture_pages(name, fixtures)
    except ValueError as exc:  # a broken real-pages.yaml: the fixture test fails on it too
        return {**row, "fixtures": 0, "passing": 0, "failing": [f"real-pages.yaml: {exc}"]}
    failing = [page_name(page) for page in pages if not _passes(cleaner, page)]
    return {**row, "fixtures": len(pages), "passing": len(pages) - len(failing), "failing": failing}


def _passes(cleaner, page: Path) -> bool:
    from crawler.sitefixtures import check_fixture

    try:
        return check_fixture(cleaner, page).ok
    except ValueError:  # a missing or broken .meta.json fails the fixture test too
        return False


def _status(row: dict) -> str:
    disabled = "" if row["enabled"] else "  [disabled: crawl --all skips it]"
    if row["fixtures"] is None:
        return "not checked" + disabled
    if not row["fixtures"]:
        return "NONE (the fixture test fails)" + disabled
    status = f"{row['passing']}/{row['fixtures']} pass"
    return (status if not row["failing"] else f"{status}, FAILING: {', '.join(row['failing'])}") + disabled


def _print_table(rows: list[dict]) -> None:
    table = [[row[key] for key in HEADERS[:-1]] + [_status(row)] for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(HEADERS, *table)]
    for line in [HEADERS] + table:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
