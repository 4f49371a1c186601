"""Shared test helpers: where the fixtures and the shared samples are."""

from __future__ import annotations

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
        pytest.skip(f"{path} not found (../shared is not beside the repository)")
    return path
