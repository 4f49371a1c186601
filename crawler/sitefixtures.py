"""Site fixtures: saved pages with their expected document, checked and regenerated.

tests/fixtures/sites/<site>/<name>.html (or <name>.html.gz, as `vnnews try --save` stores a
fetched page) is a saved page; <name>.txt the corpus document it
must give, byte for byte; <name>.meta.json its url and expected metadata, or
{"url": ..., "rejected": REASON} (and no .txt) for a page the site must reject.

A site checked against pages it really served keeps them out of the repository (their
publishers forbid redistribution, see ../shared/benchmarks/vn-real/SOURCE.md): its folder holds
real-pages.yaml, a list of those pages in ../shared with their URL and origin, and each page's
expected output is its hand-made gold (NAME.gold.txt and NAME.meta.json beside it), never
regenerated from our output. See RealPage.
No Scrapy import: maintainers' tools and tests use this.
"""

from __future__ import annotations

import difflib
import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cleaners.document import METADATA_FIELDS

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPOSITORY / "tests" / "fixtures" / "sites"
EXPECTED_FIELDS = ("title",) + METADATA_FIELDS
REAL_PAGES_FILE = "real-pages.yaml"
SHARED_PREFIX = "../shared/"
KINDS = ("article", "not-article")


def shared_dir() -> Path:
    """The shared data folder: $VNNEWS_SHARED, else ../shared beside the repository."""
    return Path(os.environ.get("VNNEWS_SHARED") or REPOSITORY.parent / "shared")


@dataclass(frozen=True)
class RealPage:
    """A page the site really served, read from ../shared instead of being copied here.

    Listed in tests/fixtures/sites/<site>/real-pages.yaml as
        - page: ../shared/benchmarks/vn-real/NAME.html   (relative to the repository root)
          url: the page's URL (as in NAME.meta.json)
          origin: where the saved copy comes from (repository @ commit : path)
          kind: article | not-article
    An article must give NAME.gold.txt and the title, publication day and author of
    NAME.meta.json; a not-article page must be rejected.
    """

    listing: Path  # the real-pages.yaml that names it
    page: str      # as written there
    url: str
    origin: str
    kind: str

    @property
    def path(self) -> Path:
        if self.page.startswith(SHARED_PREFIX):
            return shared_dir() / self.page[len(SHARED_PREFIX):]
        return REPOSITORY / self.page

    # What code written for saved-page fixtures asks of a page:
    @property
    def parent(self) -> Path:
        return self.listing.parent

    @property
    def stem(self) -> str:
        return Path(self.page).stem

    @property
    def name(self) -> str:
        return Path(self.page).name

    def __str__(self) -> str:
        return self.page

    def __fspath__(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    @property
    def gold_path(self) -> Path:
        return self.path.with_name(self.stem + ".gold.txt")

    @property
    def meta_path(self) -> Path:
        return self.path.with_name(self.stem + ".meta.json")


def read_real_pages(folder: Path) -> list[RealPage]:
    """The pages listed in folder/real-pages.yaml ([] when there is none); a broken list is a
    ValueError naming the file, the entry and what was expected."""
    from cleaners.schema import ConfigErrors, read_yaml

    listing = folder / REAL_PAGES_FILE
    if not listing.is_file():
        return []
    try:
        data, lines = read_yaml(listing)
    except ConfigErrors as exc:
        raise ValueError(str(exc)) from None
    entries = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{listing}: expected a non-empty list under 'pages:'")
    pages = []
    for number, entry in enumerate(entries):
        where = f"{listing}:{lines.get(('pages', number), '?')}: pages[{number}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a mapping with page, url, origin, kind")
        missing = [key for key in ("page", "url", "origin", "kind") if not isinstance(entry.get(key), str)]
        if missing:
            raise ValueError(f"{where}: missing or not a string: {', '.join(missing)}")
        unknown = sorted(set(entry) - {"page", "url", "origin", "kind"})
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)} (page, url, origin, kind)")
        if entry["kind"] not in KINDS:
            raise ValueError(f"{where}: kind: expected one of {', '.join(KINDS)}, got {entry['kind']!r}")
        if not entry["page"].endswith(".html"):
            raise ValueError(f"{where}: page: expected the path of a saved .html page, got {entry['page']!r}")
        pages.append(RealPage(listing, entry["page"], entry["url"], entry["origin"], entry["kind"]))
    return pages


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


def fixture_pages(site: str, root: Path = FIXTURES_DIR) -> list:
    """The site's saved pages (Paths: .html, or .html.gz as `vnnews try --save` stores them) and
    the real pages its real-pages.yaml lists (RealPage)."""
    return sorted([*(root / site).glob("*.html"), *(root / site).glob("*.html.gz")]) + read_real_pages(root / site)


def page_name(page) -> str:
    """The fixture's name: the page file's name without .html or .html.gz."""
    if not isinstance(page, Path):  # a RealPage
        return page.stem
    return page.name[:-len(".html.gz")] if page.name.endswith(".html.gz") else page.stem


def companion(page: Path, suffix: str) -> Path:
    """The fixture's .txt or .meta.json beside its page."""
    return page.with_name(page_name(page) + suffix)


def page_bytes(page: Path) -> bytes:
    from cleaners.decode import decode_file

    return decode_file(page)  # gunzipped when gzip


def read_meta(page: Path) -> dict:
    meta_path = companion(page, ".meta.json")
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{meta_path}: missing (it gives the page's url and expected metadata)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{meta_path}:{exc.lineno}: invalid JSON: {exc.msg}") from None


def check_fixture(cleaner, page) -> FixtureResult:
    """Clean the saved page and compare with its expected text and metadata, as the fixture test does."""
    if isinstance(page, RealPage):
        return check_real_page(cleaner, page)
    meta = read_meta(page)
    result = cleaner.clean(page_bytes(page), url=meta.get("url"))
    expected_path = companion(page, ".txt")
    if not expected_path.exists():
        wanted = meta.get("rejected")
        if wanted is None:
            return FixtureResult(page, False, problems=[
                f"no {expected_path.name} and no \"rejected\" in {page_name(page)}.meta.json: nothing to compare "
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
    return [f"cleaned as site {result.site}, not {site}: is the domain of the url in {page_name(page)}.meta.json "
            f"one of {site}'s domains?"]


def _text_diff(expected_path: Path, text: str) -> str:
    expected = expected_path.read_text(encoding="utf-8")
    if expected == text:
        return ""
    diff = difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                fromfile=str(expected_path), tofile="current output")
    return "".join(diff)


def check_real_page(cleaner, page: RealPage) -> FixtureResult:
    """A real page: an article must give its gold text and metadata, any other page be rejected."""
    if not page.exists():
        return FixtureResult(page, False, problems=[
            f"{page.path} not found: the real pages are read from {shared_dir()} "
            f"(../shared beside the repository, or $VNNEWS_SHARED)"])
    meta = _read_json(page.meta_path)
    problems = []
    if meta.get("url") != page.url:
        problems.append(f"url: {page.listing.name} says {page.url}, {page.meta_path.name} says {meta.get('url')}")
    if meta.get("kind") != page.kind:
        problems.append(f"kind: {page.listing.name} says {page.kind}, {page.meta_path.name} says {meta.get('kind')}")
    result = cleaner.clean(page.read_bytes(), url=page.url)
    if page.kind == "not-article":
        if result.ok:
            problems.append("expected rejected (not an article), got a document: " + result.document.title)
        return FixtureResult(page, not problems, problems=problems)
    if not result.ok:
        return FixtureResult(page, False, problems=problems + [f"rejected: {result.reason} ({result.detail})"])
    problems += _site_problems(page, result)
    gold = page.gold_path.read_text(encoding="utf-8")
    diff = ""
    if gold_form(result.document.text) != gold_form(gold):
        diff = "".join(difflib.unified_diff(gold.splitlines(keepends=True),
                                            result.document.text.splitlines(keepends=True),
                                            fromfile=str(page.gold_path), tofile="current output"))
        problems.append("text differs:\n" + diff)
    problems += real_page_metadata_problems(result.document, meta)
    return FixtureResult(page, not problems, diff, problems)


def gold_form(text: str) -> str:
    """The text as the gold of ../shared/benchmarks was written: every whitespace run one space
    (no-break spaces too) and no invisible characters.

    The gold was copied from the pages by a script that collapsed whitespace; the corpus keeps a
    lone no-break space as written (cleaners/vi/text.py), and one gold line kept a U+FEFF the
    page had. Nothing else is forgiven: any other difference is a difference.
    """
    lines = []
    for line in text.split("\n"):
        line = "".join(ch for ch in line if ch not in _INVISIBLE)
        lines.append(" ".join(line.split()))
    return unicodedata.normalize("NFC", "\n".join(lines))


_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def real_page_metadata_problems(document, meta: dict) -> list[str]:
    """Title equal, publication day equal, author equal (letter case aside: Tuổi Trẻ prints bylines
    in capitals, the gold writes names as names) where the gold's metadata has one."""
    problems = []
    if document.title != meta.get("title"):
        problems.append(f"title: expected {meta.get('title')!r}, got {document.title!r}")
    if meta.get("published") and not (document.published or "").startswith(meta["published"]):
        problems.append(f"published: expected the day {meta['published']}, got {document.published!r}")
    if meta.get("author") and (document.author or "").casefold() != meta["author"].casefold():
        problems.append(f"author: expected {meta['author']!r}, got {document.author!r}")
    return problems


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: missing (the real page's url, kind and metadata)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None


def regenerate_fixture(cleaner, page: Path) -> bool:
    """Rewrite the expected text and metadata from the current output; True when anything changed.

    Keeps `url` and any other key of the .meta.json (notes). Refuses a page that is not cleaned
    with its folder's site config: its output would guard the wrong config, and a real page: its
    expected output is a hand-made gold, which our output must meet, not replace.
    """
    if isinstance(page, RealPage):
        raise ValueError(f"{page}: a real page; its expected output is the hand-made gold "
                         f"{page.gold_path.name} in {page.gold_path.parent}, never regenerated: fix the "
                         f"site config instead")
    meta = read_meta(page)
    result = cleaner.clean(page_bytes(page), url=meta.get("url"))
    # A page rejected before the rules are chosen (undecodable bytes) names no site: ask its url.
    if page.parent.name not in (result.site, cleaner.registry.site_for_url(meta.get("url"))):
        raise ValueError(_site_problems(page, result)[0])
    expected_path = companion(page, ".txt")
    before = (expected_path.read_text(encoding="utf-8") if expected_path.exists() else None, dict(meta))
    if result.ok:
        expected_path.write_text(result.document.text, encoding="utf-8")
        meta.pop("rejected", None)
        meta.update({name: getattr(result.document, name) for name in EXPECTED_FIELDS})
    else:
        expected_path.unlink(missing_ok=True)
        meta = {"url": meta.get("url"), "rejected": result.reason}
    companion(page, ".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    after = (expected_path.read_text(encoding="utf-8") if expected_path.exists() else None, meta)
    return before != after
