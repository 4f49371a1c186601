"""backancity.gov.vn: a city portal with WordPress-like slug-only permalinks.

Posts live at the site root (``/<slug>``); the portal shows neither date nor
author on the page and leaks almost no boilerplate into the post body.
"""

from __future__ import annotations

from urllib.parse import quote

from ..feeds import robots_txt, rss_feed, sitemap_index, urlset
from ..model import Article, Category
from ..templates import attr, text
from .portal import PortalFamily


class CityPortal(PortalFamily):
    template = "cityportal"

    def article_path(self, art: Article) -> str:
        return f"/{art.slug}"

    def category_path(self, cat: Category, page: int = 1) -> str:
        return f"/category/{cat.slug}/" + (f"page/{page}/" if page > 1 else "")

    def second_url_path(self, art: Article) -> str:
        # Permalinks work with and without the trailing slash.
        return f"/{art.slug}/"

    def listing_only_path(self, spec: dict) -> str:
        return f"/{spec['slug']}"

    def article_values(self, art: Article) -> dict:
        return dict(id=art.id, category_slug=art.category.slug, title=text(art.title),
                    body=self.body(art.body), share_url=quote(self.article_url(art), safe=""),
                    related=self.related(art))

    def extra_pages(self) -> dict[str, tuple[str, str]]:
        xml = "application/xml; charset=UTF-8"
        rss = "application/rss+xml; charset=UTF-8"
        pages = {
            "/robots.txt": ("text/plain; charset=utf-8", robots_txt(
                ["/wp-admin/", "/?s="], [self.absolute("/sitemap_index.xml")])),
            "/sitemap_index.xml": (xml, sitemap_index([
                self.absolute("/post-sitemap.xml"), self.absolute("/category-sitemap.xml")])),
            # The portal publishes no dates anywhere, its sitemap and feed included.
            "/post-sitemap.xml": (xml, urlset(
                (self.article_url(a), None) for a in self.site.articles)),
            "/category-sitemap.xml": (xml, urlset(
                (self.absolute(self.category_path(c)), None) for c in self.site.categories)),
            "/feed/": (rss, self.feed(None)),
        }
        for cat in self.site.categories:
            pages[f"/category/{cat.slug}/feed/"] = (rss, self.feed(cat))
        return pages

    def feed(self, cat: Category | None) -> str:
        articles = self.site.in_category(cat) if cat else list(self.site.articles)
        title = self.chrome["site_name"] + (f" - {cat.title}" if cat else "")
        link = self.absolute(self.category_path(cat) if cat else "/")
        self_url = link + "feed/"
        items = [(a.title, self.article_url(a), self.teaser(a), None) for a in articles[:10]]
        return rss_feed(title, link, self.chrome["site_description"], items, self_url)
