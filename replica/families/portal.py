"""Shared page assembly for the in-house CMS families (everything but NukeViet).

Their templates use the same section names (page, article, listing, home,
not_found, …), so listing, pagination, home and 404 pages are built once here;
a subclass supplies its URL scheme and the values its article section needs.
"""

from __future__ import annotations

from ..model import Article, Category
from ..templates import attr, text
from .base import Family


class PortalFamily(Family):
    """Base for families whose templates follow the common section names."""

    latest_count = 5
    related_count = 4

    # ------------------------------------------------------------ page frame
    def page(self, *, title: str, canonical: str, main: str, active: str = "/",
             description: str = "", og: str = "", body_class: str = "") -> str:
        site_name = self.chrome["site_name"]
        full_title = site_name if title == site_name else f"{title} - {site_name}"
        return self.fill(
            "page",
            page_title=text(full_title),
            description=attr(description or self.chrome["site_description"]),
            keywords=attr(self.chrome.get("keywords", "")),
            site_name=text(site_name),
            site_description=text(self.chrome["site_description"]),
            og_meta=og,
            canonical=attr(canonical),
            menu=self.menu(active),
            main=main,
            sidebar=self.sidebar(),
            footer_lines=self.fill_each("footer_line", [
                dict(text=text(line)) for line in self.chrome["footer"]]),
            clock=text(self.chrome.get("clock", "")),
            body_class=body_class,
        )

    def menu(self, active: str) -> str:
        return self.fill_each("menu_item", [
            dict(title=text(item["title"]), href=attr(item["href"]),
                 active=" active" if item["href"] == active else "")
            for item in self.chrome["menu"]])

    def sidebar(self) -> str:
        return self.fill("sidebar", latest=self.fill_each("latest_item", [
            dict(href=attr(self.article_path(a)), title=text(a.title),
                 date=self.short_date(a)) for a in self.newest(self.latest_count)]))

    def og_meta(self, art: Article) -> str:
        return self.fill("og_meta", og_type="article", title=attr(art.title),
                         description=attr(art.lead or ""), canonical=attr(self.article_url(art)),
                         site_name=attr(self.chrome["site_name"]), image=attr(self.image_of(art)),
                         published_iso=art.published.isoformat() if art.published else "")

    def image_of(self, art: Article) -> str:
        photos = [b["photo"]["src"] for b in art.body if "photo" in b]
        return self.absolute(photos[0] if photos else self.chrome.get("logo", "/logo.png"))

    def short_date(self, art: Article) -> str:
        return f"{art.published:%d/%m/%Y}" if art.published else ""

    def summary(self, art: Article) -> str:
        """Listing teaser: the lead, or the first paragraph when the layout has no lead."""
        if art.lead:
            return art.lead
        return next((b["p"] for b in art.body if "p" in b), "")

    # ------------------------------------------------------------ article
    def article_values(self, art: Article) -> dict:
        raise NotImplementedError

    def article_page(self, art: Article) -> str:
        main = self.fill("article", **self.article_values(art))
        return self.page(title=art.title, canonical=self.article_url(art), main=main,
                         active=self.category_path(art.category), description=art.lead or "",
                         og=self.og_meta(art), body_class=f"single postid-{art.id}")

    def related_articles(self, art: Article) -> list[Article]:
        same = [a for a in self.site.in_category(art.category) if a is not art]
        others = [a for a in self.site.articles if a is not art and a not in same]
        return (same + others)[:self.related_count]

    def related(self, art: Article) -> str:
        return self.fill("related", items=self.fill_each("related_item", [
            dict(href=attr(self.article_path(a)), title=text(a.title),
                 summary=text(self.teaser(a)), date=self.short_date(a))
            for a in self.related_articles(art)]))

    def teaser(self, art: Article, limit: int = 200) -> str:
        """Summary cut at a word boundary and closed with "...", as the teaser boxes do."""
        explicit = art.extra.get("teaser")
        if explicit:
            return explicit
        lead = self.summary(art)
        if len(lead) <= limit:
            return lead
        return lead[:limit].rsplit(" ", 1)[0] + "..."

    # ------------------------------------------------------------ listings
    def listing_items(self, articles: list[Article]) -> str:
        return self.fill_each("listing_item", [
            dict(href=attr(self.article_path(a)), title=text(a.title),
                 summary=text(self.teaser(a)), date=self.short_date(a),
                 thumb=attr(self.image_of(a))) for a in articles])

    def pagination(self, cat: Category, page: int) -> str:
        count = self.page_count(cat)
        if count == 1:
            return ""
        links = [dict(href=attr(self.category_path(cat, n)), label=n,
                      active=" current" if n == page else "") for n in range(1, count + 1)]
        if page < count:
            links.append(dict(href=attr(self.category_path(cat, page + 1)),
                              label=self.chrome.get("next_label", "Sau &raquo;"), active=" next"))
        return self.fill("pagination", links=self.fill_each("page_link", links))

    def listing_page(self, cat: Category, page: int) -> str:
        main = self.fill("listing", heading=text(cat.title),
                         items=self.listing_items(self.page_of(cat, page)),
                         pagination=self.pagination(cat, page))
        title = cat.title if page == 1 else f"{cat.title} - Trang {page}"
        return self.page(title=title, canonical=self.absolute(self.category_path(cat, page)),
                         main=main, active=self.category_path(cat), body_class="archive category")

    def listing_only_page(self, spec: dict) -> str:
        picks = [self.site.article(i) for i in spec["lists"]]
        main = self.fill("listing", heading=text(spec["title"]),
                         items=self.listing_items(picks), pagination="")
        return self.page(title=spec["title"], canonical=self.absolute(self.listing_only_path(spec)),
                         main=main, body_class="page")

    def home_page(self) -> str:
        groups = "".join(
            self.fill("home_group", title=text(cat.title), href=attr(self.category_path(cat)),
                      items=self.fill_each("home_item", [
                          dict(href=attr(self.article_path(a)), title=text(a.title),
                               summary=text(self.teaser(a)))
                          for a in self.site.in_category(cat)[:4]]))
            for cat in self.site.categories)
        groups += self.fill("home_group", title="Tin khác", href="/", items=self.fill_each(
            "home_item", [dict(href=attr(path), title=text(title), summary="")
                          for title, path in self.special_links()]))
        return self.page(title=self.chrome["site_name"], canonical=self.absolute("/"),
                         main=self.fill("home", groups=groups), body_class="home")

    def not_found_page(self) -> str:
        return self.page(title=self.chrome.get("not_found_title", "Không tìm thấy trang"),
                         canonical=self.absolute("/"), main=self.fill("not_found"),
                         body_class="error404")
