"""baolaichau.vn, layout used until 2024.

Category segments keep their Vietnamese diacritics and travel percent-encoded
(``/x%C3%A3-h%E1%BB%99i/<slug>``); the ASCII form of the category
(``/xa-hoi/<slug>``) reaches the same article. The page header carries a clock
with the time the page was served ("… [GMT+7]"), not the publication time.
"""

from __future__ import annotations

from urllib.parse import quote

from ..feeds import robots_txt, rss_feed, urlset
from ..model import Article, Category
from ..templates import attr, text
from .base import url_path, weekday
from .portal import PortalFamily


class BaoLaiChau(PortalFamily):
    template = "baolaichau"

    def category_path(self, cat: Category, page: int = 1) -> str:
        return url_path(cat.slug) + "/" + (f"?page={page}" if page > 1 else "")

    def article_path(self, art: Article) -> str:
        return url_path(art.category.slug, art.slug)

    def second_url_path(self, art: Article) -> str:
        return self.ascii_article_path(art)

    def ascii_article_path(self, art: Article) -> str:
        """Second URL of the same article, with the category's ASCII alias."""
        return url_path(art.category.ascii_slug, art.slug)

    def listing_only_path(self, spec: dict) -> str:
        return url_path(self.site.category(spec["category"]).slug, spec["slug"])

    def display_date(self, art: Article) -> str:
        # The CMS appends an apostrophe after the minutes: "16:14'".
        return f"{weekday(art.published)}, {art.published:%d/%m/%Y - %H:%M}'"

    def related_articles(self, art: Article) -> list[Article]:
        chosen = art.extra.get("related")
        if chosen:
            return [self.site.article(i) for i in chosen]
        return super().related_articles(art)

    def article_values(self, art: Article) -> dict:
        return dict(id=art.id, kicker=text(art.kicker), title=text(art.title),
                    date=self.display_date(art), lead=text(art.lead), body=self.body(art.body),
                    author=text(art.author), share_url=quote(self.article_url(art), safe=""),
                    related=self.related(art))

    def extra_pages(self) -> dict[str, tuple[str, str]]:
        rss = "application/rss+xml; charset=utf-8"
        pages = {
            "/robots.txt": ("text/plain; charset=utf-8", robots_txt(
                ["/admin/", "/tim-kiem"], [self.absolute("/sitemap.xml")])),
            "/sitemap.xml": ("application/xml; charset=utf-8", urlset(
                (self.article_url(a), a.published) for a in self.site.articles)),
            "/rss/trang-chu.rss": (rss, self.feed(None)),
        }
        for cat in self.site.categories:
            pages[f"/rss/{cat.ascii_slug}.rss"] = (rss, self.feed(cat))
        return pages

    def feed(self, cat: Category | None) -> str:
        articles = self.site.in_category(cat) if cat else list(self.site.articles)
        name = cat.ascii_slug if cat else "trang-chu"
        link = self.absolute(self.category_path(cat) if cat else "/")
        items = [(a.title, self.article_url(a), a.lead or "", a.published) for a in articles[:20]]
        return rss_feed("Báo Lai Châu" + (f" - {cat.title}" if cat else ""), link,
                        self.chrome["site_description"], items, self.absolute(f"/rss/{name}.rss"))
