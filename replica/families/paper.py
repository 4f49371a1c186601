"""Shared assembly for the provincial papers of the CMS families in research §3
(EPI CMS, the ``/<cat>/<yyyymm>/<slug>-<id>/`` family, ASP.NET portals).

Several papers run on one family, so a family renders any of them: what differs
between papers of a family (name, menu, how the date is written, whether ids
are hexadecimal) is chrome data in ``data/<site>.yaml``, not code. A subclass
gives the family's URL scheme through :meth:`path_for` and its listing URLs.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from ..feeds import robots_txt, rss_feed, urlset
from ..model import Article, Category
from ..templates import attr, text
from .base import weekday
from .portal import PortalFamily

# How a paper writes its article date; keys of ``chrome.date_style``.
DEFAULT_DATE_STYLE = "{Weekday}, {date} - {time}"


def date_fields(moment: datetime) -> dict[str, str]:
    """Pieces a date style can use: weekday in both spellings, date, time, SA/CH (a.m./p.m.)."""
    return dict(weekday=weekday(moment), Weekday=weekday(moment, capitalised=True),
                date=f"{moment:%d/%m/%Y}", time=f"{moment:%H:%M}",
                ampm="SA" if moment.hour < 12 else "CH")


class PaperFamily(PortalFamily):
    """A news paper on a shared CMS: article page, listings, RSS, sitemap, robots."""

    # ------------------------------------------------------------ URL scheme
    def path_for(self, cat: Category, slug: str, item_id: int, when: datetime | None) -> str:
        raise NotImplementedError

    def article_path(self, art: Article) -> str:
        return self.path_for(art.category, art.slug, art.id, art.published)

    def listing_only_path(self, spec: dict) -> str:
        """An article-shaped URL (photo galleries are served this way) that only lists articles."""
        when = datetime.fromisoformat(spec["published"]) if "published" in spec else None
        return self.path_for(self.site.category(spec["category"]), spec["slug"], int(spec["id"]), when)

    def item_id(self, item_id: int) -> str:
        """Decimal ids, or the 7-digit hex ids some papers of the yyyymm family use."""
        return f"{item_id:07x}" if self.chrome.get("hex_ids") else str(item_id)

    # ------------------------------------------------------------ article
    def display_date(self, art: Article) -> str:
        if not (art.published and art.show_date):
            return ""
        return self.chrome.get("date_style", DEFAULT_DATE_STYLE).format(**date_fields(art.published))

    def article_values(self, art: Article) -> dict:
        return dict(id=art.id, title=text(art.title), kicker=text(art.kicker),
                    category_title=text(art.category.title), category_href=attr(self.category_path(art.category)),
                    date=self.display_date(art), iso_date=art.published.isoformat() if art.published else "",
                    lead=text(art.lead), body=self.body(art.body), author=text(art.author),
                    source=text(art.source), share_url=quote(self.article_url(art), safe=""),
                    related=self.related(art), tags=self.tags(art))

    def tags(self, art: Article) -> str:
        return self.fill_each("tag_item", [dict(href=attr(self.tag_path(tag, n)), title=text(tag))
                                           for n, tag in enumerate(art.extra.get("tags", ()), 1)])

    def tag_path(self, tag: str, number: int) -> str:
        return f"/tag/{number}"

    def image_of(self, art: Article) -> str:
        # EPI papers serve photos from their CDN host: those sources are absolute already.
        image = super().image_of(art)
        return image[len(self.site.origin):] if "://" in image[len(self.site.origin):] else image

    def photo(self, photo: dict) -> str:
        return self.fill("photo", src=attr(photo["src"]), alt=attr(photo.get("alt", "")),
                         caption=text(photo.get("caption", "")), width=photo.get("width", 600),
                         height=photo.get("height", 400))

    # ------------------------------------------------------------ feeds, sitemap, robots
    def feed_path(self, cat: Category | None) -> str:
        return f"/rss/{cat.ascii_slug}.rss" if cat else "/rss/home.rss"

    def extra_pages(self) -> dict[str, tuple[str, str]]:
        rss = "application/rss+xml; charset=utf-8"
        pages = {
            "/robots.txt": ("text/plain; charset=utf-8", robots_txt(
                self.chrome.get("robots_disallow", ["/admin/", "/tim-kiem"]), [self.absolute("/sitemap.xml")])),
            "/sitemap.xml": ("application/xml; charset=utf-8", urlset(
                (self.article_url(a), a.published) for a in self.site.articles)),
            self.feed_path(None): (rss, self.feed(None)),
        }
        for cat in self.site.categories:
            pages[self.feed_path(cat)] = (rss, self.feed(cat))
        return pages

    def feed(self, cat: Category | None) -> str:
        articles = self.site.in_category(cat) if cat else list(self.site.articles)
        link = self.absolute(self.category_path(cat) if cat else "/")
        items = [(a.title, self.article_url(a), a.lead or "", a.published) for a in articles[:20]]
        title = self.chrome["site_name"] + (f" - {cat.title}" if cat else "")
        return rss_feed(title, link, self.chrome["site_description"], items, self.absolute(self.feed_path(cat)))
