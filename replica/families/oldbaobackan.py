"""The old Báo Bắc Kạn-style custom CMS of sample 003 (real host unknown).

No date is shown anywhere on its pages. The lead (sapo) is stored apart from
the body and editors paste it again as the first body paragraph; in-body
photos print their title text as a visible line (``div.img-title``) right
before the near-identical caption (``div.img-caption``). A bare byline and a
"Xem thêm" link close the article.
"""

from __future__ import annotations

from ..feeds import robots_txt, rss_feed
from ..model import Article, Category
from ..templates import attr, text
from .portal import PortalFamily


class OldBaoBacKan(PortalFamily):
    template = "oldbaobackan"

    def category_path(self, cat: Category, page: int = 1) -> str:
        return f"/{cat.slug}/" + (f"trang-{page}.html" if page > 1 else "")

    def article_path(self, art: Article) -> str:
        return f"/{art.category.slug}/{art.slug}-{art.id}.html"

    def second_url_path(self, art: Article) -> str:
        # Zalo shares append their own tracking parameters.
        return self.article_path(art) + "?utm_source=zalo&utm_medium=zalo&utm_campaign=zalo"

    def listing_only_path(self, spec: dict) -> str:
        return f"/{self.site.category(spec['category']).slug}/{spec['slug']}-{spec['id']}.html"

    def short_date(self, art: Article) -> str:
        return ""  # this CMS never prints dates

    def related(self, art: Article) -> str:
        return self.fill("related", more_href=attr(self.category_path(art.category)))

    def article_values(self, art: Article) -> dict:
        return dict(title=text(art.title), lead=text(art.lead), body=self.body(art.body),
                    author=text(art.author), related=self.related(art))

    def extra_pages(self) -> dict[str, tuple[str, str]]:
        rss = "application/rss+xml; charset=utf-8"
        pages = {
            # No sitemap on this CMS: crawlers must use the feeds and the listings.
            "/robots.txt": ("text/plain; charset=utf-8", robots_txt(["/admin/", "/search/"], [])),
            "/rss/home.rss": (rss, self.feed(None)),
        }
        for cat in self.site.categories:
            pages[f"/rss/{cat.slug}.rss"] = (rss, self.feed(cat))
        return pages

    def feed(self, cat: Category | None) -> str:
        articles = self.site.in_category(cat) if cat else list(self.site.articles)
        name = cat.slug if cat else "home"
        link = self.absolute(self.category_path(cat) if cat else "/")
        items = [(a.title, self.article_url(a), a.lead or "", None) for a in articles[:20]]
        return rss_feed(self.chrome["site_name"] + (f" - {cat.title}" if cat else ""), link,
                        self.chrome["site_description"], items, self.absolute(f"/rss/{name}.rss"))
