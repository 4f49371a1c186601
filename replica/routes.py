"""Every URL a replica site answers, rendered once into an in-memory table.

Keys are request targets normalised the way the real servers treat them:
percent-decoding and NFC on the path (browsers and crawlers send diacritic
slugs percent-encoded, sometimes from NFD text) and a sorted query string.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .families import renderer_for
from .families.base import Family
from .model import SiteData, load_site

HTML = "text/html; charset=utf-8"

# Query parameters real CMSs ignore when routing (share and ad tracking).
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "zarsrc")


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes


def route_key(target: str) -> str:
    parts = urlsplit(target)
    path = unicodedata.normalize("NFC", unquote(parts.path)) or "/"
    pairs = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return path + ("?" + urlencode(pairs) if pairs else "")


def only_tracking(target: str) -> bool:
    pairs = parse_qsl(urlsplit(target).query, keep_blank_values=True)
    return bool(pairs) and all(k.startswith(TRACKING_PARAMS) for k, _ in pairs)


def without_tracking(target: str) -> str:
    """The target with tracking parameters dropped, the others kept (query-string articles
    such as ASP.NET's viewer.aspx?mabb=… get share parameters added to their own)."""
    parts = urlsplit(target)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith(TRACKING_PARAMS)]
    return parts.path + ("?" + urlencode(pairs) if pairs else "")


def joined_query(target: str) -> str:
    """Parameters appended to a URL that already has a query, after a second "?", are read
    as more parameters: "viewer.aspx?mabb=1?utm_source=x" is "viewer.aspx?mabb=1&utm_source=x"."""
    path, mark, query = target.partition("?")
    return path + mark + query.replace("?", "&")


def truncate_mid_tag(html: str, fraction: float) -> str:
    """Cut a page a few characters into the first tag after ``fraction`` of
    its length, like a connection dropped half-way through the transfer."""
    start = html.index("<", int(len(html) * fraction))
    return html[:start + 3]


class SiteRoutes:
    """The response table of one replica site."""

    def __init__(self, site: SiteData):
        self.site = site
        self.family: Family = renderer_for(site)
        self.pages: dict[str, Page] = {}
        self._build()

    # ------------------------------------------------------------ building
    def add(self, path: str, text: str, content_type: str = HTML, status: int = 200) -> None:
        key = route_key(path)
        if key in self.pages:
            raise ValueError(f"{self.site.name}: two pages at {path}")
        self.pages[key] = Page(status, content_type, text.encode("utf-8"))

    def _build(self) -> None:
        fam = self.family
        self.add(fam.home_path(), fam.home_page())
        for cat in self.site.categories:
            for page in range(1, fam.page_count(cat) + 1):
                self.add(fam.category_path(cat, page), fam.listing_page(cat, page))
        for art in self.site.articles:
            self.add(fam.article_path(art), fam.article_page(art))
        if hasattr(fam, "module_home_page"):
            self.add(f"/{fam.module}/", fam.module_home_page())
        for path, (content_type, text) in fam.extra_pages().items():
            self.add(path, text, content_type)
        self._add_specials()
        self.not_found = Page(404, HTML, fam.not_found_page().encode("utf-8"))

    def _add_specials(self) -> None:
        fam, specials = self.family, self.site.specials
        english = fam.special_article("english")
        if english:
            self.add(fam.article_path(english), fam.article_page(english))
        if "listing_only" in specials:
            spec = specials["listing_only"]
            self.add(fam.listing_only_path(spec), fam.listing_only_page(spec))
        broken = fam.special_article("broken")
        if broken:
            html = fam.article_page(broken)
            self.add(fam.article_path(broken),
                     truncate_mid_tag(html, broken.extra.get("cut_at", 0.5)))
        if "second_url" in specials:
            art = self.site.article(specials["second_url"]["article"])
            # Same bytes as the main URL: its canonical link names the main URL.
            self.pages[route_key(fam.second_url_path(art))] = self.pages[
                route_key(fam.article_path(art))]

    # ------------------------------------------------------------ lookup
    def lookup(self, target: str) -> Page:
        page = self.pages.get(route_key(target))
        if page is None and only_tracking(target):
            page = self.pages.get(route_key(urlsplit(target).path))
        if page is None and urlsplit(target).query:
            page = self.pages.get(route_key(without_tracking(joined_query(target))))
        return page or self.not_found


@lru_cache(maxsize=None)
def routes_for(site_name: str) -> SiteRoutes:
    return SiteRoutes(load_site(site_name))
