"""The installable package: the wheel carries the code and the shipped config, and runs from
anywhere without the source checkout.

Offline and quick: the wheel is built from a copy of the sources with the current environment's
setuptools (no build isolation, no download), installed into a fresh virtualenv without its
dependencies, which it takes from this environment's site-packages through a .pth line (that
adds the folder to sys.path without running the editable install's hook, so the checkout stays
invisible); every command runs from an empty temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "sites" / "baolaichau" / "sample-004"
SOURCES = ("pyproject.toml", "README.md", "cleaners", "crawler", "config")


def test_every_package_is_listed_in_pyproject():
    """pyproject.toml lists its packages (the config is mapped in by name): a new subpackage
    left out of the list would be missing from the wheel."""
    tomllib = pytest.importorskip("tomllib")
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(init.parent.relative_to(ROOT).parts)
               for top in ("cleaners", "crawler") for init in (ROOT / top).rglob("__init__.py")}
    on_disk |= {"vnnews_config", "vnnews_config.profiles", "vnnews_config.sites"}
    assert listed == on_disk


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder of a virtualenv with the wheel installed, an empty working folder)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src, dist, env = tmp / "src", tmp / "dist", tmp / "venv"
    src.mkdir()
    for name in SOURCES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(
            ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                        if (ROOT / name).is_dir() else {}))
    built = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                  "--no-index", "-w", str(dist), str(src)])
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("vnnews-*.whl"))

    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                   .stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                 "--ignore-installed", str(wheel)])
    assert done.returncode == 0, done.stderr
    work = tmp / "work"
    work.mkdir()
    return env / "bin", work


def _run(cmd, cwd=None, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("VNNEWS_CONFIG", "PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**environ, **env})


def test_wheel_runs_from_anywhere_with_its_own_config(installed):
    bin_dir, work = installed
    where = _run([bin_dir / "python", "-c",
                  "import json, cleaners, crawler; from cleaners.siteconfig import config_dir; "
                  "print(json.dumps([cleaners.__file__, crawler.__file__, str(config_dir())]))"], cwd=work)
    assert where.returncode == 0, where.stderr
    env_root = str(bin_dir.parent.resolve())
    assert all(path.startswith(env_root) for path in json.loads(where.stdout)), where.stdout  # not the checkout

    version = _run([bin_dir / "vnnews", "--version"], cwd=work)
    assert version.stdout.strip() == f"vnnews {_version()}"

    sites = _run([bin_dir / "vnnews", "sites"], cwd=work)
    assert sites.returncode == 0, sites.stderr
    shipped = sorted(p.stem for p in (ROOT / "config" / "sites").glob("*.yaml"))
    assert [line.split()[0] for line in sites.stdout.splitlines()[1:]] == shipped
    assert "not checked" in sites.stdout and "source checkout" in sites.stderr

    validate = _run([bin_dir / "vnnews", "validate"], cwd=work)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert f"{len(shipped)} site" in validate.stdout

    shutil.copy(SAMPLE.with_suffix(".html"), work / "page.html")
    url = json.loads(SAMPLE.with_suffix(".meta.json").read_text(encoding="utf-8"))["url"]
    clean = _run([bin_dir / "vnnews", "clean", "page.html", "--url", url], cwd=work)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout == SAMPLE.with_suffix(".txt").read_text(encoding="utf-8")


def test_config_overrides_reach_the_installed_command(installed, tmp_path):
    bin_dir, work = installed
    mine = tmp_path / "config"
    shutil.copytree(ROOT / "config", mine, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    for site in (mine / "sites").glob("*.yaml"):
        if site.stem not in ("baolaichau", "baovinhphuc"):
            site.unlink()
    by_option = _run([bin_dir / "vnnews", "sites", "--config", mine], cwd=work)
    by_env = _run([bin_dir / "vnnews", "sites"], cwd=work, VNNEWS_CONFIG=str(mine))
    for listed in (by_option, by_env):
        assert listed.returncode == 0, listed.stderr
        assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["baolaichau", "baovinhphuc"]


def test_demo_from_a_wheel_says_it_needs_a_source_checkout(installed):
    bin_dir, work = installed
    demo = _run([bin_dir / "vnnews", "demo", "--out", work / "out"], cwd=work)
    assert demo.returncode == 2
    assert "source checkout" in demo.stderr and "Traceback" not in demo.stderr
    assert not (work / "out").exists()


def test_new_site_from_a_wheel_does_not_write_into_the_installed_package(installed, tmp_path):
    bin_dir, work = installed
    args = ["new-site", "baomoi", "--domain", "baomoi.vn", "--cms", "wordpress"]
    refused = _run([bin_dir / "vnnews", *args], cwd=work)
    assert refused.returncode == 2 and "--config DIR" in refused.stderr, refused.stderr
    mine = tmp_path / "config"
    shutil.copytree(ROOT / "config", mine, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    no_fixtures = _run([bin_dir / "vnnews", *args, "--config", mine], cwd=work)
    assert no_fixtures.returncode == 2 and "--fixtures DIR" in no_fixtures.stderr, no_fixtures.stderr
    written = _run([bin_dir / "vnnews", *args, "--config", mine, "--fixtures", tmp_path / "fixtures"], cwd=work)
    assert written.returncode == 0, written.stderr
    assert (mine / "sites" / "baomoi.yaml").is_file() and (tmp_path / "fixtures" / "baomoi" / "README.md").is_file()
    assert not list(bin_dir.parent.rglob("baomoi*"))



def test_schema_write_from_a_wheel_asks_for_an_output_file(installed, tmp_path):
    bin_dir, work = installed
    before = sorted(bin_dir.parent.rglob("schema.json"))  # the shipped one, in vnnews_config
    refused = _run([bin_dir / "vnnews", "schema", "--write"], cwd=work)
    assert refused.returncode == 2 and "--output FILE" in refused.stderr, refused.stderr
    assert sorted(bin_dir.parent.rglob("schema.json")) == before  # nothing written beside the package
    target = tmp_path / "schema.json"
    assert _run([bin_dir / "vnnews", "schema", "--write", "--output", target], cwd=work).returncode == 0
    assert _run([bin_dir / "vnnews", "schema", "--check", "--output", target], cwd=work).returncode == 0

def _version() -> str:
    from crawler import __version__

    return __version__


def test_readme_layout_table_matches_the_tree():
    """Every path the README's layout table names exists, and it names every top-level folder
    and every package under crawler/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = set()
    for cell in (line.split("|")[1] for line in table.splitlines() if line.startswith("| `")):
        paths = [p.strip().strip("`") for p in cell.split(",")]
        folder = paths[0].rpartition("/")[0]  # "crawler/urls.py, siterules.py": siterules.py is in crawler/
        named |= {p if "/" in p or not folder else f"{folder}/{p}" for p in paths}
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"the README names paths that do not exist: {missing}"
    folders = {f"{p.name}/" for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")
               and (ROOT / ".git").exists() and p.name not in ("build", "dist") and "egg-info" not in p.name}
    packages = {f"crawler/{p.parent.name}/" for p in (ROOT / "crawler").glob("*/__init__.py")}
    top_named = {p.split("/", 1)[0] + "/" for p in named}
    assert folders - {"crawler/"} <= top_named | named, sorted(folders - top_named - named)
    assert packages <= named, sorted(packages - named)
