"""Shared test helpers: where the fixtures and the shared samples are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SITE_FIXTURES = FIXTURES / "sites"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def registry():
    from cleaners.siteconfig import ConfigRegistry

    return ConfigRegistry()


@pytest.fixture(scope="session")
def cleaner(registry):
    from cleaners.cleaner import Cleaner

    return Cleaner(registry)


def shared_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        missing_shared(path)
    return path


def missing_shared(path) -> None:
    """Skip on a dev machine without ../shared; under CI (CI=true) the data must be there: fail."""
    message = f"{path} not found (../shared is not beside the repository)"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(message + "; CI=true: the tests that read it must run")
    pytest.skip(message)


@pytest.fixture(scope="session")
def unconfigured_cleaner():
    """A cleaner that knows no site checked against real pages: what a new user gets on a national
    site nobody configured (CMS detection, then generic mode). The real pages in ../shared measure
    generic mode only through this; the configured sites are guarded by their real-page fixtures."""
    from cleaners.cleaner import Cleaner
    from cleaners.siteconfig import ConfigRegistry

    registry = ConfigRegistry()
    registry.sites = {name: site for name, site in registry.sites.items() if site.verified != "real-page"}
    return Cleaner(registry)


EXIT_WATCHDOG_SECONDS = 120


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """A thread or worker process that a test leaves behind can hang the interpreter's exit after
    every test passed, and CI would then wait out its whole time limit saying nothing. If exiting
    takes longer than this, print every thread's stack (what it waits for) and exit 1."""
    import faulthandler
    import sys

    faulthandler.dump_traceback_later(EXIT_WATCHDOG_SECONDS, exit=True, file=sys.__stderr__)


def vietnamese_pages() -> list[Path]:
    """Every Vietnamese page we hold: the site and CMS-family fixtures, the real pages of
    ../shared/benchmarks/vn-real*."""
    pages = sorted(FIXTURES.glob("**/*.html"))
    for folder in ("vn-real", "vn-real-2"):
        pages += sorted(shared_or_skip("benchmarks", folder).glob("*.html"))
    return pages
