"""The egg scrapyd runs: built by scrapyd-client (`scrapyd-deploy --build-egg`, the `cluster`
extra) from a copy of the project, because scrapyd-deploy writes a setup.py and build/ where
it runs and the checkout must stay clean (tests/test_scrapyd.py checks it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# what is not part of the project: version control, the virtualenv, build and run leftovers
NOT_PROJECT = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis", "output", "tests")


class EggError(RuntimeError):
    pass


def project_root() -> Path:
    """The checkout the running code comes from (an editable install): scrapy.cfg is there."""
    import crawler

    root = Path(crawler.__file__).resolve().parent.parent
    if not (root / "scrapy.cfg").is_file() or not (root / "pyproject.toml").is_file():
        raise EggError(f"{root}: not a vnnews checkout (no scrapy.cfg and pyproject.toml); build the egg "
                       "there with `scrapyd-deploy --build-egg FILE` and pass --egg FILE")
    return root


def build_egg(root: Path | None = None) -> bytes:
    root = root or project_root()
    try:
        import scrapyd_client  # noqa: F401
    except ImportError:
        raise EggError("building the egg needs scrapyd-client: pip install -e '.[cluster]' "
                       "(or pass an egg built elsewhere with --egg FILE)") from None
    with tempfile.TemporaryDirectory(prefix="vnnews-egg-") as work:
        project = Path(work) / "vnnews"
        shutil.copytree(root, project, ignore=NOT_PROJECT)
        path = Path(work) / "vnnews.egg"
        result = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "--build-egg", str(path)],
                                cwd=project, capture_output=True, text=True, timeout=300)
        if result.returncode != 0 or not path.is_file():
            raise EggError(f"scrapyd-deploy --build-egg failed (exit {result.returncode}):\n"
                           f"{(result.stdout + result.stderr)[-3000:]}")
        return path.read_bytes()
