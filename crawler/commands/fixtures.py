"""`vnnews fixtures SITE [--regenerate]`: check a site's saved pages, or rewrite their expected output."""

from __future__ import annotations

import sys
from pathlib import Path

from ._common import load_cleaner, usage_error


def register(subparsers) -> None:
    parser = subparsers.add_parser("fixtures", help="check a site's fixture pages or regenerate their expected output",
                                   description="Exit 1 when a page's output differs from its expected files.")
    parser.add_argument("site", help="a configured site")
    parser.add_argument("--regenerate", action="store_true",
                        help="rewrite <name>.txt and the metadata in <name>.meta.json from the current output")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder (default: tests/fixtures/sites)")
    parser.add_argument("--config", metavar="DIR", help="config folder")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.fixtures import FIXTURES_DIR, check_fixture, fixture_pages, regenerate_fixture

    cleaner = load_cleaner(args.config, "fixtures")
    if cleaner is None:
        return 2
    if args.site not in cleaner.registry.sites:
        return usage_error("fixtures", f"unknown site {args.site!r}; configured: {', '.join(sorted(cleaner.registry.sites))}")
    pages = fixture_pages(args.site, Path(args.fixtures) if args.fixtures else FIXTURES_DIR)
    if not pages:
        return usage_error("fixtures", f"site {args.site} has no fixture pages (save one as <name>.html)")
    failed = 0
    for page in pages:
        try:
            if args.regenerate:
                changed = regenerate_fixture(cleaner, page)
                print(f"{page}: {'rewritten' if changed else 'unchanged'}")
                continue
            check = check_fixture(cleaner, page)
        except ValueError as exc:
            print(f"{exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{page}: {'ok' if check.ok else 'FAILED'}")
        for problem in check.problems:
            print(f"  {problem}")
        failed += not check.ok
    if args.regenerate:
        print("review the changes with: git diff tests/fixtures")
    return 1 if failed else 0
