"""`vnnews validate [FILE…]`: every problem of the site configs and profiles, located.

The model checks each file (types, unknown keys, regexes, CSS selectors, dates) and the
registry checks references between them (profiles exist, domains unique); this command adds
what the test suite enforces beyond the config itself: every site has fixture pages. It also
cleans each site's fixture pages and warns (stderr, exit status unchanged) about an `extract`
field whose selectors matched nothing on any of them: a config that silently extracts nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ._config_files import PROFILES, SITES, config_root, file_kind, registry_with
from ._messages import shown, usage_error


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check site configs and CMS profiles (all by default)",
        description="Print every problem as FILE:LINE: FIELD: message; exit 1 if there is any. "
                    "A FILE outside config/ is checked as if it were in it (a site or a profile: "
                    "by its folder, else by its keys).")
    parser.add_argument("files", nargs="*", metavar="FILE", help="site or profile YAML files (default: all)")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/ or $VNNEWS_CONFIG)")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder (default: tests/fixtures/sites)")
    parser.add_argument("--no-fixtures", action="store_true", help="do not require fixture pages per site")
    parser.add_argument("--no-selector-check", action="store_true",
                        help="do not clean the fixture pages to warn about selectors that match nothing on them")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.sitefixtures import default_fixtures_dir

    root = config_root(args.config)
    if not (root / SITES).is_dir():
        return usage_error("validate", f"{shown(root)}: not a config folder (expected {shown(root / SITES)})")
    files = [Path(f) for f in args.files]
    missing = [f for f in files if not f.is_file()]
    if missing:
        return usage_error("validate", f"{missing[0]}: no such file")
    kinds = {path: _kind(path) for path in files}
    registry, problems = _load(root, kinds)
    # With FILEs, show their problems only; the others still fail the run (the registry cannot load).
    problems, elsewhere = _about(problems, kinds) if files else (problems, [])
    if elsewhere:
        print(f"vnnews validate: {len(elsewhere)} more problem(s) in other files of {shown(root)} "
              f"(run vnnews validate to see them)", file=sys.stderr)
    site_files = [p for p, k in kinds.items() if k == SITES] if files else sorted((root / SITES).glob("*.yaml"))
    fixtures = Path(args.fixtures) if args.fixtures else default_fixtures_dir()
    if fixtures is None and not args.no_fixtures:
        print("vnnews validate: fixture pages not checked: no tests/fixtures/sites here (it comes with a "
              "source checkout); --fixtures DIR checks a folder", file=sys.stderr)
    elif not args.no_fixtures:
        problems += _fixture_problems(site_files, fixtures)
        if registry is not None and not args.no_selector_check:
            for warning in _selector_warnings(registry, site_files, fixtures):
                print(warning, file=sys.stderr)
    for problem in sorted(problems, key=lambda p: (p.file, p.line or 0)):  # file by file, top to bottom
        print(_format(problem))
    if problems or elsewhere:
        print(f"{len(problems) + len(elsewhere)} problem(s)", file=sys.stderr)
        return 1
    print(_summary(registry, kinds))
    return 0


def _kind(path: Path) -> str:
    from cleaners.schema import ConfigErrors

    try:
        return file_kind(path)
    except ConfigErrors:
        return SITES  # unreadable YAML: loading it as a site reports the located syntax error


def _load(root: Path, kinds: dict[Path, str]):
    """The registry (None when it cannot load) and every problem found, each with a line when possible."""
    from cleaners.schema import ConfigErrors

    try:
        return registry_with(root, kinds), []
    except ConfigErrors as exc:
        return None, [_located(error) for error in exc.errors]


def _located(error):
    """Give a line to the registry's cross-file errors (missing profile, duplicate domain), which have none."""
    from cleaners.schema import ConfigError, ConfigErrors, read_yaml

    if error.line or not error.field:
        return error
    try:
        data, lines = read_yaml(Path(error.file))
    except ConfigErrors:
        return error
    key = re.split(r"[.\[]", error.field)[0]
    line = lines.get((key,))
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, list):  # point at the item the message names, e.g. the duplicated domain
        line = next((lines.get((key, i)) for i, item in enumerate(value)
                     if isinstance(item, str) and re.search(rf"\b{re.escape(item)}\b", error.message)), line)
    return ConfigError(error.file, line, error.field, error.message)


def _about(problems: list, kinds: dict[Path, str]) -> tuple[list, list]:
    """Split into the problems of the named files and the rest.

    A duplicate domain is reported on whichever file loads second; when the other one is a named
    site, the message names it ("claimed by site NAME"), so it counts as that file's problem too.
    """
    named = {path.resolve() for path in kinds}
    names = {path.stem for path, kind in kinds.items() if kind == SITES}
    mine, elsewhere = [], []
    for problem in problems:
        claimed = re.search(r"by site (\S+)$", problem.message)
        ours = Path(problem.file).resolve() in named or (claimed and claimed.group(1) in names)
        (mine if ours else elsewhere).append(problem)
    return mine, elsewhere


def _fixture_problems(site_files: list[Path], fixtures: Path) -> list:
    """What tests/test_site_fixtures.py would fail on, found without cleaning anything."""
    from cleaners.schema import ConfigError
    from crawler.sitefixtures import REAL_PAGES_FILE, fixture_pages

    problems = []
    for path in site_files:
        name, line = path.stem, _name_line(path)
        try:
            pages = fixture_pages(name, fixtures)
        except ValueError as exc:  # a broken real-pages.yaml
            problems.append(ConfigError(str(path), line, "name", f"fixture list {exc}"))
            continue
        if not pages:
            problems.append(ConfigError(str(path), line, "name", (
                f"site {name} has no fixture pages in {shown(fixtures / name)}: save one as <page>.html with "
                f"<page>.meta.json giving its url, then run: vnnews fixtures {name} --regenerate (or, for pages "
                f"that may not be copied, list them in {REAL_PAGES_FILE})")))
        for page in pages:
            problem = _page_problem(page)
            if problem:
                problems.append(ConfigError(str(path), line, "name", problem))
    return problems


def _selector_warnings(registry, site_files: list[Path], fixtures: Path) -> list[str]:
    """Configured selectors that matched nothing on every fixture page of their site: a config
    that silently extracts nothing there (a field the page has, read by generic fallbacks or lost)."""
    from cleaners.cleaner import Cleaner
    from crawler.sitefixtures import RealPage, fixture_pages, page_bytes, read_meta

    cleaner, warnings = Cleaner(registry), []
    for path in site_files:
        site = path.stem
        if site not in registry.sites:
            continue
        missed: dict[str, list[str]] = {}
        cleaned = 0
        for page in fixture_pages(site, fixtures):
            if isinstance(page, RealPage):
                if page.kind == "not-article" or not page.exists():
                    continue
                body, url = page.read_bytes(), page.url
            else:
                try:
                    meta = read_meta(page)
                except ValueError:
                    continue  # reported as a fixture problem
                if "rejected" in meta:
                    continue
                body, url = page_bytes(page), meta.get("url")
            result = cleaner.clean(body, url=url, site=site)
            cleaned += 1
            misses = dict(result.misses)
            missed = misses if cleaned == 1 else {k: v for k, v in missed.items() if k in misses}
        for name, selectors in sorted(missed.items()):
            warnings.append(f"{_field_place(registry, site, path, name)}: warning: {selectors} matched nothing on "
                            f"any of the {cleaned} fixture page(s) of site {site}")
    return warnings


def _field_place(registry, site: str, path: Path, name: str) -> str:
    """FILE:LINE: extract.NAME of the file that sets the selector: the site's YAML, else its profile's."""
    from cleaners.schema import ConfigErrors, read_yaml

    chain = registry.resolve(site).profile_chain  # the site's profile last, what it extends first
    candidates = [path] + [registry.root / PROFILES / f"{profile.name}.yaml" for profile in reversed(chain)]
    for file in candidates:
        try:
            line = read_yaml(file)[1].get(("extract", name))
        except (ConfigErrors, OSError):
            continue
        if line:
            return f"{shown(file)}:{line}: extract.{name}"
    return f"{shown(path)}: extract.{name}"


def _page_problem(page) -> str | None:
    from crawler.sitefixtures import RealPage, read_meta

    if isinstance(page, RealPage):  # checked when cleaned (vnnews fixtures, the tests): it may live in ../shared
        return None
    try:
        meta = read_meta(page)
    except ValueError as exc:
        return f"fixture {exc}"
    from crawler.sitefixtures import companion, page_name

    if not companion(page, ".txt").exists() and "rejected" not in meta:
        return (f"fixture {shown(page)} has no {page_name(page)}.txt and no \"rejected\" in its .meta.json: "
                f"run vnnews fixtures {page.parent.name} --regenerate")
    return None


def _name_line(path: Path) -> int | None:
    from cleaners.schema import ConfigErrors, read_yaml

    try:
        return read_yaml(path)[1].get(("name",))
    except ConfigErrors:
        return None


def _format(problem) -> str:
    where = f"{shown(problem.file)}:{problem.line}" if problem.line else shown(problem.file)
    return f"{where}: {problem.field or '(top level)'}: {problem.message}"


def _summary(registry, kinds: dict[Path, str]) -> str:
    if kinds:
        sites = sum(kind == SITES for kind in kinds.values())
        profiles = sum(kind == PROFILES for kind in kinds.values())
    else:
        sites, profiles = len(registry.sites), len(registry.profiles)
    return f"{sites} sites, {profiles} profiles: ok"
