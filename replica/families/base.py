"""What every replica CMS family shares: URL helpers, dates, body blocks.

A family subclass defines the CMS's URL scheme and assembles pages from the
sections of its template file; this base class holds the parts that are the
same everywhere, so each family module reads as "how this CMS differs".
"""

from __future__ import annotations

from datetime import datetime
from string import Template
from urllib.parse import quote

from ..model import Article, Category, SiteData, make_article
from ..templates import attr, load_family, text

# Python's weekday() counts from Monday.
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")


def weekday(moment: datetime, capitalised: bool = False) -> str:
    """Vietnamese weekday name; some CMSs write "Thứ Ba", others "Thứ ba"."""
    name = WEEKDAYS[moment.weekday()]
    return name.title() if capitalised else name


def url_path(*segments: str) -> str:
    """Join path segments, percent-encoding non-ASCII (diacritic slugs) as browsers do."""
    return "/" + "/".join(quote(s, safe="-._~") for s in segments)


class Family:
    """Base renderer; subclasses set ``template`` and the URL scheme."""

    template: str = ""

    def __init__(self, site: SiteData):
        self.site = site
        self.sections: dict[str, Template] = load_family(self.template)

    # ----------------------------------------------------------------- helpers
    def fill(self, section: str, **values: object) -> str:
        return self.sections[section].substitute(values)

    def fill_each(self, section: str, rows: list[dict]) -> str:
        return "".join(self.fill(section, **row) for row in rows)

    def absolute(self, path: str) -> str:
        return self.site.origin + path

    @property
    def chrome(self) -> dict:
        return self.site.chrome

    @property
    def page_size(self) -> int:
        return int(self.chrome.get("page_size", 3))

    def page_count(self, cat: Category) -> int:
        count = len(self.site.in_category(cat))
        return max(1, -(-count // self.page_size))

    def page_of(self, cat: Category, page: int) -> list[Article]:
        start = (page - 1) * self.page_size
        return self.site.in_category(cat)[start:start + self.page_size]

    def newest(self, count: int, exclude: Article | None = None) -> list[Article]:
        return [a for a in self.site.articles if a is not exclude][:count]

    # ------------------------------------------------------------ URL scheme
    def home_path(self) -> str:
        return "/"

    def article_path(self, art: Article) -> str:
        raise NotImplementedError

    def category_path(self, cat: Category, page: int = 1) -> str:
        raise NotImplementedError

    def article_url(self, art: Article) -> str:
        return self.absolute(self.article_path(art))

    def extra_pages(self) -> dict[str, tuple[str, str]]:
        """Feeds, sitemaps and robots.txt: path -> (content type, text)."""
        return {}

    def second_url_path(self, art: Article) -> str:
        """Another URL under which the CMS serves the same article."""
        raise NotImplementedError

    def listing_only_path(self, spec: dict) -> str:
        raise NotImplementedError

    # ------------------------------------------------------------ special pages
    def special_article(self, key: str) -> Article | None:
        """The English page and the broken page are article-shaped data too."""
        raw = self.site.specials.get(key)
        if raw is None:
            return None
        return make_article(raw, {c.key: c for c in self.site.categories})

    def special_paths(self) -> dict[str, str]:
        """Where each special page lives: english, listing_only, broken, second_url."""
        paths = {}
        for key in ("english", "broken"):
            art = self.special_article(key)
            if art:
                paths[key] = self.article_path(art)
        if "listing_only" in self.site.specials:
            paths["listing_only"] = self.listing_only_path(self.site.specials["listing_only"])
        if "second_url" in self.site.specials:
            art = self.site.article(self.site.specials["second_url"]["article"])
            paths["second_url"] = self.second_url_path(art)
        return paths

    def special_links(self) -> list[tuple[str, str]]:
        """(title, path) of the special pages, linked from the home page so a
        crawler meets them the way it meets odd pages on the real sites."""
        titles = {}
        for key in ("english", "broken"):
            art = self.special_article(key)
            if art:
                titles[key] = art.title
        if "listing_only" in self.site.specials:
            titles["listing_only"] = self.site.specials["listing_only"]["title"]
        if "second_url" in self.site.specials:
            titles["second_url"] = self.site.article(
                self.site.specials["second_url"]["article"]).title
        paths = self.special_paths()
        return [(titles[key], paths[key]) for key in paths]

    # ------------------------------------------------------------ body blocks
    def body(self, blocks: tuple[dict, ...] | list[dict]) -> str:
        return "".join(self.block(b) for b in blocks)

    def block(self, block: dict) -> str:
        if "p" in block:
            return self.fill("paragraph", text=text(block["p"]))
        if "nbsp" in block:
            return self.fill("nbsp")
        if "photo" in block:
            return self.photo(block["photo"])
        raise ValueError(f"{self.site.name}: unknown body block {block!r}")

    def photo(self, photo: dict) -> str:
        return self.fill(
            "photo",
            src=attr(photo["src"]),
            alt=attr(photo.get("alt", "")),
            title=attr(photo.get("title", "")),
            caption=text(photo.get("caption", "")),
            width=photo.get("width", 600),
            height=photo.get("height", 400),
        )

    # ------------------------------------------------------------- pages
    def article_page(self, art: Article) -> str:
        raise NotImplementedError

    def listing_page(self, cat: Category, page: int) -> str:
        raise NotImplementedError

    def home_page(self) -> str:
        raise NotImplementedError

    def not_found_page(self) -> str:
        raise NotImplementedError

    def listing_only_page(self, spec: dict) -> str:
        """A page at an article-shaped URL that only lists other articles."""
        raise NotImplementedError
