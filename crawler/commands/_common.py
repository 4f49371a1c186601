"""Helpers shared by the maintainers' commands (not a command itself: the name starts with _)."""

from __future__ import annotations

import sys
from pathlib import Path


def usage_error(command: str, message: str) -> int:
    print(f"vnnews {command}: {message}", file=sys.stderr)
    return 2


def load_cleaner(config: str | None, command: str, extra_site: Path | None = None):
    """A Cleaner over the config folder (plus one extra site YAML); None after printing the problems."""
    from cleaners.pipeline import Cleaner
    from cleaners.siteconfig import ConfigRegistry, config_dir

    root = Path(config) if config else config_dir()
    try:
        if extra_site is None:
            return Cleaner(ConfigRegistry(root))
        return Cleaner(_registry_with(root, extra_site))
    except ValueError as exc:
        print(f"vnnews {command}: invalid configuration:\n{exc}", file=sys.stderr)
        return None


def _registry_with(root: Path, site_yaml: Path):
    """The config folder with one more (or replaced) site file, read from a temporary copy."""
    import shutil
    import tempfile

    from cleaners.schema import ConfigErrors
    from cleaners.siteconfig import ConfigRegistry

    tmp = Path(tempfile.mkdtemp(prefix="vnnews-try-"))
    try:
        shutil.copytree(root / "profiles", tmp / "profiles")
        shutil.copytree(root / "sites", tmp / "sites")
        shutil.copy(site_yaml, tmp / "sites" / site_yaml.name)
        return ConfigRegistry(tmp)
    except ConfigErrors as exc:  # name the maintainer's files, not the temporary copy
        raise ConfigErrors([_relocated(e, tmp, root, site_yaml) for e in exc.errors]) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _relocated(error, tmp: Path, root: Path, site_yaml: Path, folder: str = "sites"):
    from cleaners.schema import ConfigError

    copied = str(tmp / folder / site_yaml.name)
    file = str(site_yaml) if error.file == copied else error.file.replace(str(tmp), str(root))
    return ConfigError(file, error.line, error.field, error.message)
