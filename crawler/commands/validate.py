"""`vnnews validate [FILE…]`: every problem of the site configs and profiles, located."""

from __future__ import annotations

import sys
from pathlib import Path

from ._common import usage_error


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check site configs and CMS profiles (all by default)",
        description="Print every problem as FILE:LINE: FIELD: message; exit 1 if there is any.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="site or profile YAML files (default: all)")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/ or $VNNEWS_CONFIG)")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder (default: tests/fixtures/sites)")
    parser.add_argument("--no-fixtures", action="store_true", help="do not require fixture pages per site")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cleaners.schema import ConfigErrors
    from cleaners.siteconfig import ConfigRegistry, config_dir

    root = Path(args.config) if args.config else config_dir()
    if not (root / "sites").is_dir():
        return usage_error("validate", f"{root}: not a config folder (expected {root / 'sites'})")
    files = [Path(f) for f in args.files]
    missing = [f for f in files if not f.is_file()]
    if missing:
        return usage_error("validate", f"{missing[0]}: no such file")
    try:
        registry = _load(root, files)
    except ConfigErrors as exc:
        _print_problems([str(e) for e in exc.errors])
        return 1
    problems = [] if args.no_fixtures else _fixture_problems(registry, args.fixtures, files)
    if problems:
        _print_problems(problems)
        return 1
    print(f"{len(registry.sites)} sites, {len(registry.profiles)} profiles: ok")
    return 0


def _load(root: Path, files: list[Path]):
    """The whole config folder, with the given files in place of (or beside) their namesakes."""
    from cleaners.siteconfig import ConfigRegistry

    if not files:
        return ConfigRegistry(root)
    from ._common import _registry_with

    registry = None
    for path in files:
        kind_dir = "profiles" if path.parent.name == "profiles" else "sites"
        if path.resolve().parent == (root / kind_dir).resolve():
            registry = registry or ConfigRegistry(root)
            continue
        if kind_dir == "profiles":
            registry = _registry_with_profile(root, path)
        else:
            registry = _registry_with(root, path)
    return registry


def _registry_with_profile(root: Path, profile: Path):
    import shutil
    import tempfile

    from cleaners.schema import ConfigErrors
    from cleaners.siteconfig import ConfigRegistry

    from ._common import _relocated

    tmp = Path(tempfile.mkdtemp(prefix="vnnews-validate-"))
    try:
        shutil.copytree(root, tmp, dirs_exist_ok=True)
        shutil.copy(profile, tmp / "profiles" / profile.name)
        return ConfigRegistry(tmp)
    except ConfigErrors as exc:  # name the maintainer's files, not the temporary copy
        raise ConfigErrors([_relocated(e, tmp, root, profile, "profiles") for e in exc.errors]) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fixture_problems(registry, fixtures: str | None, files: list[Path]) -> list[str]:
    from crawler.fixtures import FIXTURES_DIR, fixture_pages

    root = Path(fixtures) if fixtures else FIXTURES_DIR
    wanted = {f.stem for f in files if f.parent.name != "profiles"} or set(registry.sites)
    return [f"sites/{name}.yaml: site has no fixture pages in {root / name} (save one as <name>.html "
            f"with <name>.meta.json, then run: vnnews fixtures {name} --regenerate)"
            for name in sorted(wanted) if name in registry.sites and not fixture_pages(name, root)]


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)", file=sys.stderr)
