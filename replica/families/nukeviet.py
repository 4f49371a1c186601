"""NukeViet 4.0–4.4, default theme, news module (research notes §2)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ..feeds import robots_txt, rss_feed, sitemap_index, urlset
from ..model import Article, Category
from ..templates import attr, text
from .base import Family, weekday


def nv_display_date(moment: datetime) -> str:
    """``nv_date('l - d/m/Y H:i')`` → "Thứ sáu - 28/08/2020 03:55"."""
    return f"{weekday(moment)} - {moment:%d/%m/%Y %H:%M}"


def nv_meta_date(moment: datetime) -> str:
    """The core writes ``date('Y-m-dTH:i:s')`` unescaped, so PHP's ``T`` (the
    zone abbreviation "+07") lands between date and time: "2020-08-28+0703:55:00"."""
    return f"{moment:%Y-%m-%d}+07{moment:%H:%M:%S}"


class NukeViet(Family):
    template = "nukeviet"
    module = "news"

    # ------------------------------------------------------------ URL scheme
    def article_path(self, art: Article) -> str:
        return f"/{self.module}/{art.category.slug}/{art.slug}-{art.id}.html"

    def category_path(self, cat: Category, page: int = 1) -> str:
        suffix = f"page-{page}/" if page > 1 else ""
        return f"/{self.module}/{cat.slug}/{suffix}"

    def second_url_path(self, art: Article) -> str:
        return self.raw_article_path(art)

    def raw_article_path(self, art: Article) -> str:
        """The same article without URL rewriting (second URL of the pair)."""
        return (f"/index.php?language=vi&nv={self.module}"
                f"&op={art.category.slug}/{art.slug}-{art.id}.html")

    def rss_path(self, cat: Category | None = None) -> str:
        return f"/{self.module}/rss/" + (f"{cat.slug}/" if cat else "")

    def extra_pages(self) -> dict[str, tuple[str, str]]:
        pages = {
            "/robots.txt": ("text/plain; charset=utf-8", self.robots()),
            "/sitemap.xml": ("application/xml; charset=utf-8",
                             sitemap_index([self.absolute(f"/sitemap-vi.{self.module}.xml")])),
            f"/sitemap-vi.{self.module}.xml": ("application/xml; charset=utf-8", self.news_sitemap()),
            self.rss_path(): ("application/rss+xml; charset=utf-8", self.feed(None)),
        }
        for cat in self.site.categories:
            pages[self.rss_path(cat)] = ("application/rss+xml; charset=utf-8", self.feed(cat))
        return pages

    def robots(self) -> str:
        # What NukeViet's robots.php writes for a default install.
        disallowed = ["/admin/", "/assets/", "/data/", "/includes/", "/install/", "/modules/",
                      "/themes/", "/uploads/", "/vendor/", "/index.php?language=vi&nv=users"]
        return robots_txt(disallowed, [self.absolute("/sitemap.xml")])

    def news_sitemap(self) -> str:
        return urlset((self.article_url(a), a.published) for a in self.site.articles)

    def feed(self, cat: Category | None) -> str:
        articles = self.site.in_category(cat) if cat else list(self.site.articles)
        title = f"{self.chrome['site_name']} - Tin tức" + (f" - {cat.title}" if cat else "")
        link = self.absolute(self.category_path(cat) if cat else f"/{self.module}/")
        items = [(a.title, self.article_url(a), a.lead or "", a.published) for a in articles[:30]]
        return rss_feed(title, link, self.chrome["site_description"], items,
                        self.absolute(self.rss_path(cat)))

    # ------------------------------------------------------------ page frame
    def page(self, *, title: str, canonical: str, main: str, crumbs: list[tuple[str, str]],
             func: str = "main", description: str = "", og: str = "") -> str:
        site_name = self.chrome["site_name"]
        crumb_rows = [dict(title=attr(t), href=attr(h), position=i + 2)
                      for i, (t, h) in enumerate(crumbs)]
        return self.fill(
            "page",
            page_title=text(f"{title} - {site_name}" if title != site_name else site_name),
            description=attr(description or self.chrome["site_description"]),
            keywords=attr(self.chrome.get("keywords", "")),
            site_name=text(site_name),
            site_description=text(self.chrome["site_description"]),
            webmaster=attr(self.chrome["webmaster"]),
            og_meta=og,
            canonical=attr(canonical),
            rss_links=self.fill_each("rss_link", [
                dict(href=self.rss_path(c), title=attr(c.title)) for c in self.site.categories]),
            module_name=self.module,
            func_name=func,
            menu=self.menu(crumbs[0][1] if crumbs else "/"),
            breadcrumbs=self.fill_each("breadcrumb_item", crumb_rows),
            main=main,
            sidebar=self.sidebar(),
            footer_lines=self.fill_each("footer_line", [
                dict(icon=attr(line["icon"]), text=text(line["text"]))
                for line in self.chrome["footer"]]),
        )

    def menu(self, active_href: str) -> str:
        return self.fill_each("menu_item", [
            dict(title=attr(item["title"]), href=attr(item["href"]),
                 active=' class="active"' if item["href"] == active_href else "")
            for item in self.chrome["menu"]])

    def sidebar(self) -> str:
        counter = self.fill_each("counter_item", [
            dict(icon=row["icon"], label=text(row["label"]), value=text(row["value"]))
            for row in self.chrome["counter"]])
        return self.fill("sidebar", counter=counter)

    def crumbs_for(self, cat: Category) -> list[tuple[str, str]]:
        return [("Tin tức", f"/{self.module}/"), (cat.title, self.category_path(cat))]

    # ------------------------------------------------------------ article
    def article_page(self, art: Article) -> str:
        canonical = self.article_url(art)
        image = self.absolute(self.lead_image(art))
        og = self.fill(
            "og_meta", title=attr(art.title), og_type="article", description=attr(art.lead),
            site_name=attr(self.chrome["site_name"]), image=attr(image), canonical=attr(canonical),
            article_meta=self.fill(
                "article_meta", published_meta=nv_meta_date(art.published),
                modified_meta=nv_meta_date(art.published), category_title=attr(art.category.title)))
        main = self.fill(
            "article",
            title=text(art.title),
            author=text(art.author),
            published_iso=art.published.isoformat(),
            canonical=text(canonical),
            image=text(image),
            site_name=text(self.chrome["site_name"]),
            logo=text(self.absolute("/uploads/logo-tinh-uy.png")),
            published_display=nv_display_date(art.published),
            sendmail_url=f"/{self.module}/sendmail/{art.category.slug}/{art.slug}-{art.id}.html",
            print_url=f"/{self.module}/print/{art.category.slug}/{art.slug}-{art.id}.html",
            savefile_url=f"/{self.module}/savefile/{art.category.slug}/{art.slug}-{art.id}.html",
            home_image=self.home_image(art, "left"),
            hometext=text(art.lead),
            home_image_full=self.home_image(art, "center"),
            body=self.body(art.body),
            author_lines=self.author_lines(art),
            rating_total=art.extra.get("rating", [0, 0])[0],
            rating_count=art.extra.get("rating", [0, 0])[1],
            id=art.id,
            checkss=hashlib.md5(f"{self.site.name}-{art.id}".encode()).hexdigest(),
            related=self.related(art),
        )
        return self.page(title=art.title, canonical=canonical, main=main,
                         crumbs=self.crumbs_for(art.category), func="detail",
                         description=art.lead or "", og=og)

    def lead_image(self, art: Article) -> str:
        home = art.extra.get("home_image")
        if home:
            return home["src"]
        photos = [b["photo"]["src"] for b in art.body if "photo" in b]
        return photos[0] if photos else "/uploads/logo-tinh-uy.png"

    def home_image(self, art: Article, position: str) -> str:
        """The "imgposition" option: thumbnail left of the lead, or full width below it."""
        home = art.extra.get("home_image")
        if not home or home.get("position", "left") != position:
            return ""
        # With no note set, NukeViet uses the article title as the alt text.
        return self.fill(f"home_image_{position}", src=attr(home["src"]),
                         alt=attr(home.get("alt", art.title)), width=home.get("width", 200),
                         caption=text(home.get("caption", "")))

    def author_lines(self, art: Article) -> str:
        rows = [("Tác giả bài viết", art.author), ("Nguồn tin", art.source)]
        return self.fill_each("author_line", [
            dict(label=label, value=text(value)) for label, value in rows if value])

    def related(self, art: Article) -> str:
        # Compared by date so pages outside the listings (English, broken) get lists too.
        same = [a for a in self.site.in_category(art.category) if a is not art]  # newest first
        newer = [a for a in reversed(same) if a.published > art.published]  # ascending, as NukeViet does
        older = [a for a in same if a.published < art.published]
        groups = [("Những tin mới hơn", newer), ("Những tin cũ hơn", older)]
        return "".join(
            self.fill("related_group", heading=heading, items=self.fill_each("related_item", [
                dict(href=attr(self.article_path(a)), title=text(a.title),
                     date=f"{a.published:%d/%m/%Y}") for a in items]))
            for heading, items in groups if items)

    # ------------------------------------------------------------ listings
    def listing_items(self, articles: list[Article]) -> str:
        return self.fill_each("listing_item", [
            dict(href=attr(self.article_path(a)), title=text(a.title),
                 thumb=attr(self.lead_image(a)), date=f"{a.published:%d/%m/%Y %H:%M}",
                 views=a.extra.get("views", 100 + a.id % 900), hometext=text(a.lead))
            for a in articles])

    def pagination(self, cat: Category, page: int) -> str:
        count = self.page_count(cat)
        if count == 1:
            return ""
        links = [dict(href=self.category_path(cat, n), label=n,
                      active=' class="active"' if n == page else "") for n in range(1, count + 1)]
        if page < count:
            links.append(dict(href=self.category_path(cat, page + 1), label="&raquo;", active=""))
        return self.fill("pagination", links=self.fill_each("page_link", links))

    def listing_page(self, cat: Category, page: int) -> str:
        main = self.fill("listing", heading=text(cat.title),
                         items=self.listing_items(self.page_of(cat, page)),
                         pagination=self.pagination(cat, page))
        title = cat.title if page == 1 else f"{cat.title} - Trang {page}"
        return self.page(title=title, canonical=self.absolute(self.category_path(cat, page)),
                         main=main, crumbs=self.crumbs_for(cat), func="viewcat")

    def listing_only_page(self, spec: dict) -> str:
        cat = self.site.category(spec["category"])
        picks = [self.site.article(i) for i in spec["lists"]]
        main = self.fill("listing", heading=text(spec["title"]),
                         items=self.listing_items(picks), pagination="")
        return self.page(title=spec["title"], canonical=self.absolute(self.listing_only_path(spec)),
                         main=main,
                         crumbs=self.crumbs_for(cat), func="detail")

    def listing_only_path(self, spec: dict) -> str:
        cat = self.site.category(spec["category"])
        return f"/{self.module}/{cat.slug}/{spec['slug']}-{spec['id']}.html"

    def home_page(self) -> str:
        groups = "".join(
            self.fill("home_group", title=text(cat.title), href=attr(self.category_path(cat)),
                      items=self.fill_each("home_item", [
                          dict(href=attr(self.article_path(a)), title=text(a.title))
                          for a in self.site.in_category(cat)[:4]]))
            for cat in self.site.categories)
        groups += self.fill("home_group", title="Tin khác", href=f"/{self.module}/",
                            items=self.fill_each("home_item", [
                                dict(href=attr(path), title=text(title))
                                for title, path in self.special_links()]))
        main = self.fill("home", groups=groups)
        return self.page(title=self.chrome["site_name"], canonical=self.absolute("/"),
                         main=main, crumbs=[])

    def module_home_page(self) -> str:
        items = self.listing_items(self.newest(self.page_size * 2))
        main = self.fill("listing", heading="Tin tức", items=items, pagination="")
        return self.page(title="Tin tức", canonical=self.absolute(f"/{self.module}/"), main=main,
                         crumbs=[("Tin tức", f"/{self.module}/")])

    def not_found_page(self) -> str:
        return self.page(title="Lỗi 404", canonical=self.absolute("/"),
                         main=self.fill("not_found"), crumbs=[])
