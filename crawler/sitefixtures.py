"""Site fixtures: saved pages with their expected document, checked and regenerated.

tests/fixtures/sites/<site>/<name>.html is a saved page; <name>.txt the corpus document it
must give, byte for byte; <name>.meta.json its url and expected metadata, or
{"url": ..., "rejected": REASON} (and no .txt) for a page the site must reject.
No Scrapy import: maintainers' tools and tests use this.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from cleaners.document import METADATA_FIELDS

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sites"
EXPECTED_FIELDS = ("title",) + METADATA_FIELDS


def default_fixtures_dir() -> Path | None:
    """tests/fixtures/sites of the source checkout; None when installed from a wheel (it has no tests/)."""
    return FIXTURES_DIR if FIXTURES_DIR.is_dir() else None


@dataclass
class FixtureResult:
    """ok: the page gives its expected output; diff: a unified diff of the text (empty when it
    matches); problems: every mismatch in words (status, metadata fields, "text differs")."""
    page: Path
    ok: bool
    diff: str = ""
    problems: list[str] = field(default_factory=list)


def fixture_pages(site: str, root: Path = FIXTURES_DIR) -> list[Path]:
    return sorted((root / site).glob("*.html"))


def read_meta(page: Path) -> dict:
    meta_path = page.with_suffix(".meta.json")
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{meta_path}: missing (it gives the page's url and expected metadata)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{meta_path}:{exc.lineno}: invalid JSON: {exc.msg}") from None


def check_fixture(cleaner, page: Path) -> FixtureResult:
    """Clean the saved page and compare with its expected text and metadata, as the fixture test does."""
    meta = read_meta(page)
    result = cleaner.clean(page.read_bytes(), url=meta.get("url"))
    expected_path = page.with_suffix(".txt")
    if not expected_path.exists():
        wanted = meta.get("rejected")
        if wanted is None:
            return FixtureResult(page, False, problems=[
                f"no {expected_path.name} and no \"rejected\" in {page.stem}.meta.json: nothing to compare "
                f"with (run: vnnews fixtures {page.parent.name} --regenerate)"])
        if result.ok or result.reason != wanted:
            got = "a document" if result.ok else f"rejected: {result.reason}"
            return FixtureResult(page, False, problems=[f"expected rejected: {wanted}, got {got}"])
        return FixtureResult(page, True)
    if not result.ok:
        return FixtureResult(page, False, problems=[f"rejected: {result.reason} ({result.detail})"])
    diff = _text_diff(expected_path, result.document.text)
    problems = _site_problems(page, result) + (["text differs:\n" + diff] if diff else [])
    problems += [f"{name}: expected {meta[name]!r}, got {getattr(result.document, name)!r}"
                 for name in EXPECTED_FIELDS if name in meta and getattr(result.document, name) != meta[name]]
    return FixtureResult(page, not problems, diff, problems)


def _site_problems(page: Path, result) -> list[str]:
    """A page in <site>/ must be cleaned with that site's config, which the domain of its url selects."""
    site = page.parent.name
    if result.site == site:
        return []
    return [f"cleaned as site {result.site}, not {site}: is the domain of the url in {page.stem}.meta.json "
            f"one of {site}'s domains?"]


def _text_diff(expected_path: Path, text: str) -> str:
    expected = expected_path.read_text(encoding="utf-8")
    if expected == text:
        return ""
    diff = difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                fromfile=str(expected_path), tofile="current output")
    return "".join(diff)


def regenerate_fixture(cleaner, page: Path) -> bool:
    """Rewrite the expected text and metadata from the current output; True when anything changed.

    Keeps `url` and any other key of the .meta.json (notes). Refuses a page that is not cleaned
    with its folder's site config: its output would guard the wrong config.
    """
    meta = read_meta(page)
    result = cleaner.clean(page.read_bytes(), url=meta.get("url"))
    # A page rejected before the rules are chosen (undecodable bytes) names no site: ask its url.
    if page.parent.name not in (result.site, cleaner.registry.site_for_url(meta.get("url"))):
        raise ValueError(_site_problems(page, result)[0])
    expected_path = page.with_suffix(".txt")
    before = (expected_path.read_text(encoding="utf-8") if expected_path.exists() else None, dict(meta))
    if result.ok:
        expected_path.write_text(result.document.text, encoding="utf-8")
        meta.pop("rejected", None)
        meta.update({name: getattr(result.document, name) for name in EXPECTED_FIELDS})
    else:
        expected_path.unlink(missing_ok=True)
        meta = {"url": meta.get("url"), "rejected": result.reason}
    page.with_suffix(".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    after = (expected_path.read_text(encoding="utf-8") if expected_path.exists() else None, meta)
    return before != after
