"""Site data of the replica: categories, articles and special pages.

Content lives in ``data/<site>.yaml``; this module only turns it into typed
objects so the renderers never reach into raw dictionaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Category:
    key: str            # identifier used in the YAML
    title: str
    slug: str           # URL segment as the CMS writes it (may carry diacritics)
    ascii_slug: str     # the ASCII alias (same as slug on most CMSs)
    cat_id: int | None  # numeric id for CMSs whose URLs carry one


@dataclass(frozen=True)
class Article:
    id: int
    category: Category
    slug: str
    title: str
    published: datetime | None   # used for ordering even when the page hides it
    show_date: bool
    author: str | None
    source: str | None
    kicker: str | None
    lead: str | None
    body: tuple[dict, ...]
    fixture: str | None          # name of the test fixture this page must equal
    lang: str = "vi"
    extra: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class SiteData:
    name: str
    domain: str
    family: str
    scheme: str
    chrome: dict                 # header/menu/footer/sidebar texts of the site
    categories: tuple[Category, ...]
    articles: tuple[Article, ...]        # the good articles, newest first
    specials: dict[str, Any]             # english / listing_only / broken / alias

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.domain}"

    def category(self, key: str) -> Category:
        for cat in self.categories:
            if cat.key == key:
                return cat
        raise KeyError(f"{self.name}: unknown category {key!r}")

    def in_category(self, cat: Category) -> list[Article]:
        return [a for a in self.articles if a.category == cat]

    def article(self, article_id: int) -> Article:
        for art in self.articles:
            if art.id == article_id:
                return art
        raise KeyError(f"{self.name}: unknown article id {article_id}")


def _category(raw: dict) -> Category:
    return Category(
        key=raw["key"],
        title=raw["title"],
        slug=raw.get("slug", raw["key"]),
        ascii_slug=raw.get("ascii_slug", raw.get("slug", raw["key"])),
        cat_id=raw.get("id"),
    )


_NO_DATE = datetime.min.replace(tzinfo=timezone.utc)


def _datetime(value: Any) -> datetime | None:
    """Parse an ISO timestamp; every stored date carries its +07:00 offset."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without offset: {value!r}")
    return parsed


_ARTICLE_KEYS = {"id", "category", "slug", "title", "published", "show_date", "author",
                 "source", "kicker", "lead", "body", "fixture", "lang"}


def make_article(raw: dict, categories: dict[str, Category]) -> Article:
    return Article(
        id=int(raw["id"]),
        category=categories[raw["category"]],
        slug=raw["slug"],
        title=raw["title"],
        published=_datetime(raw.get("published")),
        show_date=raw.get("show_date", True),
        author=raw.get("author"),
        source=raw.get("source"),
        kicker=raw.get("kicker"),
        lead=raw.get("lead"),
        body=tuple(raw.get("body", ())),
        fixture=raw.get("fixture"),
        lang=raw.get("lang", "vi"),
        extra={k: v for k, v in raw.items() if k not in _ARTICLE_KEYS},
    )


@lru_cache(maxsize=None)
def load_site(name: str) -> SiteData:
    raw = yaml.safe_load((DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    if raw["site"] != name:
        raise ValueError(f"data/{name}.yaml declares site {raw['site']!r}")
    categories = tuple(_category(c) for c in raw["categories"])
    by_key = {c.key: c for c in categories}
    articles = [make_article(a, by_key) for a in raw["articles"]]
    # Listings, feeds and sitemaps all show newest first, as every CMS here does.
    articles.sort(key=lambda a: (a.published or _NO_DATE, a.id), reverse=True)
    return SiteData(
        name=name,
        domain=raw["domain"],
        family=raw["family"],
        scheme=raw.get("scheme", "https"),
        chrome=raw.get("chrome", {}),
        categories=categories,
        articles=tuple(articles),
        specials=raw.get("special", {}),
    )


def site_names() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))
