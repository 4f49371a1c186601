"""`vnnews fixtures SITE [--regenerate]`: check a site's saved pages, or rewrite their expected output."""

from __future__ import annotations

import sys
from pathlib import Path

from ._config_files import load_cleaner
from ._messages import shown, usage_error


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "fixtures", help="check a site's fixture pages or regenerate their expected output",
        description="Clean every tests/fixtures/sites/SITE/<page>.html and compare with <page>.txt and "
                    "<page>.meta.json (exit 1 on any difference, with a unified diff); --regenerate "
                    "rewrites them from the current output instead, for review in the git diff.")
    parser.add_argument("site", help="a configured site")
    parser.add_argument("--regenerate", action="store_true",
                        help="rewrite <page>.txt and the metadata in <page>.meta.json from the current output")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder (default: tests/fixtures/sites)")
    parser.add_argument("--config", metavar="DIR", help="config folder")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.sitefixtures import FIXTURES_DIR, fixture_pages

    cleaner = load_cleaner(args.config, "fixtures")
    if cleaner is None:
        return 2
    if args.site not in cleaner.registry.sites:
        known = ", ".join(sorted(cleaner.registry.sites))
        return usage_error("fixtures", f"unknown site {args.site!r}; configured: {known}")
    folder = (Path(args.fixtures) if args.fixtures else FIXTURES_DIR) / args.site
    pages = fixture_pages(args.site, folder.parent)
    if not pages:
        print(f"vnnews fixtures: site {args.site} has no fixture pages in {shown(folder)} "
              f"(save one as <page>.html with <page>.meta.json giving its url)", file=sys.stderr)
        return 1
    return _regenerate(cleaner, pages) if args.regenerate else _check(cleaner, pages)


def _check(cleaner, pages: list) -> int:
    from crawler.sitefixtures import RealPage, check_fixture

    failed = 0
    for page in pages:
        try:
            result = check_fixture(cleaner, page)
        except ValueError as exc:  # a missing or broken .meta.json
            print(f"{shown(page)}: FAILED\n  {exc}")
            failed += 1
            continue
        print(f"{shown(page)}: {'ok' if result.ok else 'FAILED'}")
        for problem in result.problems:
            print("  " + problem.rstrip("\n").replace("\n", "\n  "))
        failed += not result.ok
    saved = [page for page in pages if not isinstance(page, RealPage)]  # real pages keep their gold
    print(f"{len(pages) - failed}/{len(pages)} pages pass" + ("" if not failed or not saved else
          f"; if the new output of a saved page is right: vnnews fixtures {pages[0].parent.name} --regenerate"))
    return 1 if failed else 0


def _regenerate(cleaner, pages: list[Path]) -> int:
    from crawler.sitefixtures import regenerate_fixture

    failed = changed = 0
    for page in pages:
        try:
            rewritten = regenerate_fixture(cleaner, page)
        except ValueError as exc:
            print(f"{shown(page)}: NOT rewritten: {exc}", file=sys.stderr)
            failed += 1
            continue
        changed += rewritten
        print(f"{shown(page)}: {'rewritten' if rewritten else 'unchanged'}")
    if changed:  # intent-to-add makes new expected files show in the diff too
        folder = shown(pages[0].parent)
        print(f"review the changes: git add -N {folder} && git diff -- {folder}")
    return 1 if failed else 0
