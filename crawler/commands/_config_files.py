"""The config folder as the maintainers' commands load it: which folder, a Cleaner over it, whether
a YAML file is a site or a profile, and a registry with extra files from outside the folder
(not a command itself: the name starts with _)."""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

SITES, PROFILES = "sites", "profiles"


def config_root(config: str | None) -> Path:
    from cleaners.siteconfig import config_dir

    return Path(config) if config else config_dir()


def load_cleaner(config: str | None, command: str, extra_site: Path | None = None):
    """A Cleaner over the config folder (plus one extra site YAML); None after printing the problems."""
    from cleaners.pipeline import Cleaner
    from cleaners.schema import ConfigErrors

    root = config_root(config)
    try:
        return Cleaner(registry_with(root, {extra_site: SITES} if extra_site else {}))
    except ConfigErrors as exc:
        print(f"vnnews {command}: invalid configuration:\n{exc}", file=sys.stderr)
        return None


# --- site or profile? ---------------------------------------------------------------------

def own_keys() -> tuple[list[str], list[str]]:
    """Keys only a site has, keys only a profile has: both derived from the model, so they cannot drift."""
    from cleaners.siteconfig import Profile, Site

    site = {f.name for f in dataclasses.fields(Site)}
    profile = {f.name for f in dataclasses.fields(Profile)}
    return sorted(site - profile), sorted(profile - site)


def file_kind(path: Path) -> str:
    """SITES or PROFILES: by the folder the file is in, else by its keys (a site unless only profile keys)."""
    from cleaners.schema import read_yaml

    folder = path.resolve().parent.name
    if folder in (SITES, PROFILES):
        return folder
    data, _ = read_yaml(path)  # a YAML syntax error surfaces here, located
    keys = set(data) if isinstance(data, dict) else set()
    site_keys, profile_keys = own_keys()
    return PROFILES if keys & set(profile_keys) and not keys & set(site_keys) else SITES


# --- a registry with files from outside the config folder ---------------------------------

def registry_with(root: Path, extra: dict[Path, str]):
    """The config folder with extra site/profile files beside (or in place of) their namesakes.

    The registry loads a folder, so the files are placed in a temporary copy of it; errors are
    reported against the maintainer's own files, never the copy.
    """
    from cleaners.schema import ConfigErrors
    from cleaners.siteconfig import ConfigRegistry

    inside = {path: kind for path, kind in extra.items() if _is_in(path, root / kind)}
    outside = {path: kind for path, kind in extra.items() if path not in inside}
    if not outside:
        return ConfigRegistry(root)
    tmp = Path(tempfile.mkdtemp(prefix="vnnews-config-"))
    try:
        origin = _copy_config(root, tmp, outside)
        return ConfigRegistry(tmp)
    except ConfigErrors as exc:
        raise ConfigErrors([_relocated(e, tmp, root, origin) for e in exc.errors]) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _is_in(path: Path, folder: Path) -> bool:
    return path.resolve().parent == folder.resolve() and path.suffix == ".yaml"


def _copy_config(root: Path, tmp: Path, outside: dict[Path, str]) -> dict[str, Path]:
    """Copy the folder and place the outside files; return {copied path: the maintainer's file}."""
    for kind in (SITES, PROFILES):
        if (root / kind).is_dir():
            shutil.copytree(root / kind, tmp / kind)
        else:
            (tmp / kind).mkdir()
    origin = {}
    for path, kind in outside.items():
        target = tmp / kind / f"{path.stem}.yaml"  # the registry reads *.yaml only: a .yml draft counts too
        shutil.copy(path, target)
        origin[str(target)] = path
    return origin


def _relocated(error, tmp: Path, root: Path, origin: dict[str, Path]):
    from cleaners.schema import ConfigError

    file = str(origin[error.file]) if error.file in origin else error.file.replace(str(tmp), str(root))
    message = error.message.replace(str(tmp), str(root))  # "expected a profile in <folder>" names the real one
    return ConfigError(file, error.line, error.field, message)
