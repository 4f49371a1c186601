"""baovinhphuc.com.vn (pre-2025 in-house CMS).

Category pages are ``/chuyen-muc/cat/<id>/<slug>/``; an article sits under its
category as ``/chuyen-muc/cat/<id>/<slug>/<article-slug>`` (the one stored page
URL of the real site has that shape). The page shows the category label above
the headline, a time-less date, a bold lead, the body, a bare byline and then
tags, latest news and the comment form.
"""

from __future__ import annotations

from ..feeds import robots_txt, rss_feed, urlset
from ..model import Article, Category
from ..templates import attr, text
from .base import weekday
from .portal import PortalFamily


class BaoVinhPhuc(PortalFamily):
    template = "baovinhphuc"
    related_count = 5

    def category_path(self, cat: Category, page: int = 1) -> str:
        base = f"/chuyen-muc/cat/{cat.cat_id}/{cat.slug}/"
        return base + (f"?page={page}" if page > 1 else "")

    def article_path(self, art: Article) -> str:
        return self.category_path(art.category) + art.slug

    def second_url_path(self, art: Article) -> str:
        # Links shared from the paper's Facebook page carry tracking parameters.
        return self.article_path(art) + "?utm_source=facebook&utm_medium=social&utm_campaign=chiase"

    def listing_only_path(self, spec: dict) -> str:
        return self.category_path(self.site.category(spec["category"])) + spec["slug"]

    def display_date(self, art: Article) -> str:
        return f"{weekday(art.published, capitalised=True)}, {art.published:%d/%m/%Y}"

    def related_articles(self, art: Article) -> list[Article]:
        # "Tin tức Mới" is the site-wide latest list, not same-category news.
        return self.newest(self.related_count, exclude=art)

    def article_values(self, art: Article) -> dict:
        tags = self.fill_each("tag", [dict(tag=text(t), href=attr(f"/tag/{t}"))
                                      for t in art.extra.get("tags", [])])
        return dict(id=art.id, category_href=attr(self.category_path(art.category)),
                    category_title=text(art.category.title), title=text(art.title),
                    date=self.display_date(art), canonical=attr(self.article_url(art)),
                    lead=text(art.lead), body=self.body(art.body), author=text(art.author),
                    tags=tags, related=self.related(art))

    def extra_pages(self) -> dict[str, tuple[str, str]]:
        rss = "application/rss+xml; charset=utf-8"
        pages = {
            "/robots.txt": ("text/plain; charset=utf-8", robots_txt(
                ["/Admin/", "/tim-kiem/", "/binh-luan/"], [self.absolute("/sitemap.xml")])),
            "/sitemap.xml": ("text/xml; charset=utf-8", urlset(
                (self.article_url(a), a.published) for a in self.site.articles)),
            "/rss/trang-chu.rss": (rss, self.feed(None)),
        }
        for cat in self.site.categories:
            pages[f"/rss/{cat.slug}.rss"] = (rss, self.feed(cat))
        return pages

    def feed(self, cat: Category | None) -> str:
        articles = self.site.in_category(cat) if cat else list(self.site.articles)
        name = cat.slug if cat else "trang-chu"
        title = "Báo Vĩnh Phúc - " + (cat.title if cat else "Trang chủ")
        link = self.absolute(self.category_path(cat) if cat else "/")
        items = [(a.title, self.article_url(a), a.lead or "", a.published) for a in articles[:20]]
        return rss_feed(title, link, self.chrome["site_description"], items,
                        self.absolute(f"/rss/{name}.rss"))
