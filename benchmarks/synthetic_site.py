"""A large synthetic replica of a configured site, for the crawl and memory benchmarks.

    python benchmarks/synthetic_site.py [--articles 100000] [--port 0] [--site baolaichau] [--prerender]

Serves, on 127.0.0.1 only, a copy of a configured site with as many articles as asked:
the same markup (the site's replica family and template, so the cleaner applies the
site's config), the same URL scheme, listings with pagination, an RSS feed and a sitemap
index whose child sitemaps name every article. Nothing is stored: each page is rendered
when it is asked for, from an article number, so 100,000 articles cost no memory. With
--prerender every article page is rendered before serving and every response is kept
(~180 KB an article page in real furniture: 0.7 GB for 4000 articles), so serving costs a
look-up instead of rendering, on cores the crawl being measured shares.

Article texts are paragraphs of the replica's own (real) Vietnamese articles, a different
draw for every article, so the corpus sees unique documents of realistic length.
The server answers whatever Host header the request carries, so both a vnnews crawl
(VNNEWS_REPLICA, Host: baolaichau.vn) and a bare spider aimed at http://127.0.0.1:PORT/
reach the same pages. With --per-host, each Host name gets its own draw of article texts
and slugs (seeded by the name), so one server stands for many sites whose corpora differ
(the corpus drops an exact copy of a text seen on another site as a duplicate); the pages'
absolute links (sitemaps, feed, logo) still name the copied site's own domain.
It prints "serving http://127.0.0.1:PORT/ N articles" when ready.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import threading
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners.decode import decode_html  # noqa: E402
from replica.families import FAMILIES  # noqa: E402
from replica.feeds import robots_txt, sitemap_index, urlset  # noqa: E402
from replica.loopback import LOOPBACK, LoopbackServer  # noqa: E402
from replica.model import Article, Category, SiteData, load_site, site_names  # noqa: E402
from replica.templates import attr  # noqa: E402

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
SITEMAP_SIZE = 12_500  # URLs per child sitemap: 8 children for 100,000 articles, ~1.6 MB each
PAGE_SIZE = 10  # teasers per listing page
NEWEST = datetime(2026, 11, 1, 8, 0, tzinfo=timezone(timedelta(hours=7)))
ASCII_WORDS = ("tin", "moi", "tinh", "huyen", "xa", "phat", "trien", "kinh", "te", "nong", "thon",
               "giao", "duc", "y", "te", "van", "hoa", "du", "lich", "dau", "tu", "ha", "tang",
               "hoi", "nghi", "dai", "bieu", "nhan", "dan", "san", "xuat", "cong", "trinh")


# --- text pool --------------------------------------------------------------------------------

class TextPool:
    """Titles, leads, paragraphs and captions of every Vietnamese article of the replicas."""

    def __init__(self):
        self.titles: list[str] = []
        self.leads: list[str] = []
        self.paragraphs: list[str] = []
        self.captions: list[str] = []
        for name in site_names():
            for art in load_site(name).articles:
                if art.lang != "vi":
                    continue
                self.titles.append(art.title)
                if art.lead:
                    self.leads.append(art.lead)
                for block in art.body:
                    if "p" in block and len(block["p"]) > 80:
                        self.paragraphs.append(block["p"])
                    if "photo" in block and block["photo"].get("caption"):
                        self.captions.append(block["photo"]["caption"])


# --- articles by number -----------------------------------------------------------------------

class SyntheticArticles(Sequence):
    """The site's articles, newest first, made on demand from their position.

    Article k of the whole site is in category k % C; within its category it is number k // C.
    """

    def __init__(self, base: SiteData, count: int, pool: TextPool, seed: int = 0):
        self.base, self.count, self.pool, self.seed = base, count, pool, seed
        self.categories = base.categories

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.article(k) for k in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self.article(index)

    def in_category(self, cat: Category) -> "CategoryView":
        return CategoryView(self, self.categories.index(cat))

    def article_id(self, k: int) -> int:
        return self.count - k  # ids grow with time, as a CMS hands them out

    def position(self, article_id: int) -> int | None:
        k = self.count - article_id
        return k if 0 <= k < self.count else None

    def slug(self, k: int) -> str:
        """An ASCII slug ending in the article id, as the site's URLs have (cheap: sitemaps list 12,500)."""
        words = [ASCII_WORDS[(k * 7 + i * 13 + self.seed) % len(ASCII_WORDS)] for i in range(5)]
        return "-".join(words) + f"-{self.article_id(k)}"

    def category(self, k: int) -> Category:
        return self.categories[k % len(self.categories)]

    @lru_cache(maxsize=4096)  # a listing and its neighbours ask for the same articles again
    def article(self, k: int) -> Article:
        rng = random.Random(self.seed * 1_000_003 + k)
        pool = self.pool
        article_id = self.article_id(k)
        body: list[dict] = []
        if rng.random() < 0.6 and pool.captions:
            body.append({"photo": {"src": f"/uploads/news/{article_id}.jpg", "alt": "",
                                   "caption": rng.choice(pool.captions), "width": 640, "height": 427}})
        body += [{"p": p} for p in rng.sample(pool.paragraphs, min(len(pool.paragraphs), rng.randint(4, 12)))]
        return Article(
            id=article_id,
            category=self.category(k),
            slug=self.slug(k),
            title=f"{rng.choice(pool.titles)} ({article_id})",
            published=NEWEST - timedelta(minutes=17 * k),
            show_date=True,
            author=rng.choice(("Đinh Đông", "Minh Anh", "Thu Hà", "Quang Huy", "Lò Văn Sáng")),
            source=None,
            kicker=None,
            lead=rng.choice(pool.leads) if pool.leads else None,
            body=tuple(body),
            fixture=None,
        )


class CategoryView(Sequence):
    """The articles of one category, newest first, as positions into the whole site."""

    def __init__(self, articles: SyntheticArticles, index: int):
        self.articles, self.index = articles, index
        self.step = len(articles.categories)

    def __len__(self) -> int:
        return max(0, -(-(self.articles.count - self.index) // self.step))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.articles.article(self.index + index * self.step)


class SyntheticData(SiteData):
    """SiteData whose article lists are lazy: the family renderers slice them as usual."""

    def in_category(self, cat: Category):
        return self.articles.in_category(cat)

    def article(self, article_id: int) -> Article:
        k = self.articles.position(article_id)
        if k is None:
            raise KeyError(article_id)
        return self.articles.article(k)


# --- rendering --------------------------------------------------------------------------------

def synthetic_family(base_family: type):
    """The site's replica family, minus the few places that walk every article."""

    class SyntheticFamily(base_family):
        _paths: dict[int, str] = {}
        _sidebar: str | None = None

        def article_path(self, art):
            if art.id not in self._paths:  # percent-encoding the category on every link is slow
                if len(self._paths) > 50_000:
                    self._paths.clear()
                self._paths[art.id] = super().article_path(art)
            return self._paths[art.id]

        def sidebar(self):
            if self._sidebar is None:  # the newest articles never change: render the box once
                type(self)._sidebar = super().sidebar()
            return self._sidebar

        def newest(self, count, exclude=None):
            return [a for a in self.site.articles[:count + 1] if a is not exclude][:count]

        related_mode = "older"

        def related_articles(self, art):
            view = self.site.in_category(art.category)
            if self.related_mode == "newest":  # a "most read" box: the same few links everywhere
                return [a for a in view[:self.related_count + 1] if a.id != art.id][:self.related_count]
            start = (self.site.articles.position(art.id) // view.step) + 1
            return view[start:start + self.related_count]

        def pagination(self, cat, page):
            """A window of page links around the current page (a CMS never prints 10,000)."""
            count = self.page_count(cat)
            if count == 1:
                return ""
            numbers = sorted({1, count, *range(max(1, page - 2), min(count, page + 2) + 1)})
            links = [dict(href=attr(self.category_path(cat, n)), label=n,
                          active=" current" if n == page else "") for n in numbers]
            if page < count:
                links.append(dict(href=attr(self.category_path(cat, page + 1)),
                                  label=self.chrome.get("next_label", "Sau &raquo;"), active=" next"))
            return self.fill("pagination", links=self.fill_each("page_link", links))

    return SyntheticFamily


class SyntheticSite:
    """Routes of the large replica: path (with query) -> (status, content type, body)."""

    def __init__(self, site: str = "baolaichau", articles: int = 100_000, seed: int = 0, related: str = "older"):
        """related: "older" links each article to the next older ones of its category, as the
        site does (a crawl then walks from article to article without end); "newest" links the
        category's newest articles everywhere, so a crawl runs out of article links and reads
        the sitemaps early (the memory benchmark wants every URL discovered within a few pages)."""
        self.site_name, self.seed, self.related = site, seed, related
        base = load_site(site)
        chrome = {**base.chrome, "page_size": PAGE_SIZE}
        data = SyntheticData(**{**base.__dict__, "chrome": chrome, "specials": {}, "articles": ()})
        object.__setattr__(data, "articles", SyntheticArticles(base, articles, TextPool(), seed))
        self.data = data
        self.family = synthetic_family(FAMILIES[base.family])(data)
        self.family.related_mode = related
        self.categories = {unquote(self.family.category_path(c)): c for c in data.categories}
        self.furniture: RealFurniture | None = None  # set for real-size article pages
        # rendered responses by (path, query), once keep_rendered() is called (--prerender)
        self._rendered: dict[tuple, tuple[int, str, bytes]] | None = None

    def keep_rendered(self) -> float:
        """Render every article page now and keep every response from here on: a page costs
        the server a look-up, not 0.6 ms of rendering (a real-furniture page, 2026-12-08). The
        server shares the crawl's two cores, where a real site's server costs the crawler
        nothing. Returns the megabytes held (~180 KB an article in real furniture)."""
        self._rendered = {}
        for k in range(len(self.data.articles)):
            path = unquote(self.family.article_path(self.data.articles[k]))
            self.respond(path)
        return sum(len(body) for _, _, body in self._rendered.values()) / 1e6

    @property
    def article_count(self) -> int:
        return len(self.data.articles)

    def url_count(self) -> int:
        """Every page a crawler can reach: home, articles, listing pages, feed, sitemaps."""
        listings = sum(self.family.page_count(c) for c in self.data.categories)
        return 1 + self.article_count + listings + 1 + 1 + self.sitemap_count()

    def sitemap_count(self) -> int:
        return max(1, math.ceil(self.article_count / SITEMAP_SIZE))

    def respond(self, target: str) -> tuple[int, str, bytes]:
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        query = dict(parse_qsl(parts.query))
        key = (path, tuple(sorted(query.items())))
        if self._rendered is not None and key in self._rendered:
            return self._rendered[key]
        text = self._page(path, query)
        if text is None:
            response = 404, HTML, self.family.not_found_page().encode()
        else:
            response = 200, text[0], text[1].encode()
        if self._rendered is not None:  # every page renders the same each time (seeded draws)
            self._rendered[key] = response
        return response

    def _page(self, path: str, query: dict) -> tuple[str, str] | None:
        family = self.family
        if path == "/":
            return HTML, family.home_page()
        if path == "/robots.txt":
            return "text/plain; charset=utf-8", robots_txt(["/admin/", "/tim-kiem"],
                                                           [family.absolute("/sitemap.xml")])
        if path == "/sitemap.xml":
            return XML, sitemap_index(family.absolute(f"/sitemap-{n}.xml") for n in range(1, self.sitemap_count() + 1))
        if path.startswith("/sitemap-") and path.endswith(".xml"):
            return self._child_sitemap(path[len("/sitemap-"):-len(".xml")])
        if path == "/rss/trang-chu.rss":
            return "application/rss+xml; charset=utf-8", self._feed()
        if path in self.categories:
            return self._listing(self.categories[path], query.get("page", "1"))
        return self._article(path)

    def _child_sitemap(self, number: str) -> tuple[str, str] | None:
        if not number.isdigit() or not 1 <= int(number) <= self.sitemap_count():
            return None
        start = (int(number) - 1) * SITEMAP_SIZE
        articles = self.data.articles
        # URLs and dates straight from the positions: building 12,500 whole articles is needless
        prefixes = {c: self.family.absolute(self.family.category_path(c)) for c in self.data.categories}
        entries = ((prefixes[articles.category(k)] + articles.slug(k), NEWEST - timedelta(minutes=17 * k))
                   for k in range(start, min(start + SITEMAP_SIZE, len(articles))))
        return XML, urlset(entries)

    def _feed(self) -> str:
        family = self.family
        items = [(a.title, family.article_url(a), a.lead or "", a.published) for a in self.data.articles[:20]]
        from replica.feeds import rss_feed

        return rss_feed(family.chrome["site_name"], family.absolute("/"), family.chrome["site_description"],
                        items, family.absolute("/rss/trang-chu.rss"))

    def _listing(self, cat: Category, page: str) -> tuple[str, str] | None:
        if not page.isdigit() or not 1 <= int(page) <= self.family.page_count(cat):
            return None
        return HTML, self.family.listing_page(cat, int(page))

    def _article(self, path: str) -> tuple[str, str] | None:
        segments = path.strip("/").split("/")
        suffix = segments[-1].rsplit("-", 1)[-1]
        if len(segments) != 2 or not suffix.isdigit():
            return None
        try:
            art = self.data.article(int(suffix))
        except KeyError:
            return None
        if unquote(self.family.article_path(art)) != "/" + "/".join(segments):
            return None
        page = self.family.article_page(art)
        return HTML, (self.furniture.dress(page, art.id) if self.furniture else page)


# --- real-size pages ---------------------------------------------------------------------------

SHARED_REAL = ROOT.parent / "shared" / "benchmarks"


def furniture_index(number: int, count: int) -> int:
    """Which of `count` furniture sets article `number` wears: spread by a hash, so that every
    category gets all of them. By `number % count`, article k of a site of C categories (its
    category k % C) could only wear count / gcd(count, C) sets: baolaichau's 4 categories wore
    6 of the 24 each, 116, 245, 139 and 190 KB of furniture on average (now 172-175), so a
    crawl that walked one category more than another got much heavier or lighter pages."""
    return zlib.crc32(number.to_bytes(8, "little")) % count


class RealFurniture:
    """The page furniture of the real pages saved in ../shared/benchmarks/vn-real*: their
    <head> (scripts, styles, metadata) and everything of their <body> around the article
    (menus, teaser lists, sidebars, footers, scripts). A synthetic article page gets one real page's
    furniture (by article number) around its own article, so it weighs and parses like a
    real ~200 KB page while the site's config still finds the synthetic article. The
    article texts stay the replica's (real Vietnamese articles); only the furniture is taken."""

    def __init__(self, folders=("vn-real", "vn-real-2")):
        import lxml.html

        self.parts: list[tuple[str, str]] = []
        for folder in folders:
            for path in sorted((SHARED_REAL / folder).glob("*.html")):
                # Decoded as the cleaner decodes a page: lxml given bytes guesses the encoding from
                # the first bytes only and read 8 of the 24 pages (charset declared late) as
                # latin-1, so their furniture reached every crawl as mojibake.
                try:
                    doc = lxml.html.document_fromstring(decode_html(path.read_bytes()).text)
                except Exception:  # noqa: BLE001 - a page that cannot be decoded or read adds no furniture
                    continue
                head = doc.find("head")
                head_html = "".join(lxml.html.tostring(el, encoding="unicode") for el in head
                                    if el.tag != "title") if head is not None else ""
                body = doc.find("body")
                body_html = "".join(lxml.html.tostring(el, encoding="unicode") for el in self._around_article(body)
                                    ) if body is not None else ""
                self.parts.append((head_html, body_html))
        if not self.parts:
            raise SystemExit(f"--real-furniture: no saved pages in {SHARED_REAL}/vn-real*")

    @staticmethod
    def _around_article(body):
        """The furniture of a page: from <body> down, at each level every element beside the
        one that holds most of the paragraph text (the way to the article), until the text
        is spread out (the article itself, which is left out)."""
        def text_size(el):
            return sum(len(p.text_content()) for p in el.iter("p"))

        node, furniture = body, []
        while True:
            children = [c for c in node if isinstance(c.tag, str)]
            if not children:
                return furniture
            sizes = [text_size(c) for c in children]
            main = max(range(len(children)), key=sizes.__getitem__)
            if sizes[main] == 0 or sizes[main] < 0.6 * sum(sizes) or children[main].tag in ("p", "article"):
                return furniture + [c for i, c in enumerate(children) if c.tag not in ("p", "article") and
                                    sizes[i] < 0.2 * (sum(sizes) or 1)]
            furniture += [c for i, c in enumerate(children) if i != main]
            node = children[main]

    def dress(self, html: str, number: int) -> str:
        head, body = self.parts[furniture_index(number, len(self.parts))]
        return html.replace("</head>", head + "</head>", 1).replace("</body>", body + "</body>", 1)


# --- server -----------------------------------------------------------------------------------

class SyntheticHandler(BaseHTTPRequestHandler):
    server: "SyntheticServer"
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers expect
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form, as through a proxy
            parts = urlsplit(target)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        status, content_type, body = self.server.site_for(self.headers.get("Host", "")).respond(target)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # hundreds of requests a second: no access log


class SyntheticServer(LoopbackServer):
    """The synthetic site on 127.0.0.1 (port 0: a free one); a context manager like ReplicaServer.

    per_host: each Host name gets its own SyntheticSite, a copy of `site` whose seed is taken
    from the name (same size, markup and furniture, other article texts and slugs)."""

    def __init__(self, site: SyntheticSite, port: int = 0, per_host: bool = False):
        self.site = site
        self.per_host = per_host
        self._by_host: dict[str, SyntheticSite] = {}
        self._lock = threading.Lock()  # a threading server: two first requests of a host at once
        super().__init__(SyntheticHandler, port, name="synthetic-site")

    def site_for(self, host: str) -> SyntheticSite:
        if not self.per_host:
            return self.site
        name = host.rsplit(":", 1)[0].lower() if not host.endswith("]") else host.lower()
        with self._lock:
            if name not in self._by_host:
                base = self.site
                copy = SyntheticSite(base.site_name, base.article_count, zlib.crc32(name.encode()), base.related)
                copy.furniture = base.furniture
                self._by_host[name] = copy
            return self._by_host[name]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--site", default="baolaichau", help="configured site whose markup and domain to copy")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--related", choices=("older", "newest"), default="older",
                        help="what an article's related links name (see SyntheticSite)")
    parser.add_argument("--real-furniture", action="store_true",
                        help="dress article pages in the furniture of the real pages of ../shared (RealFurniture)")
    parser.add_argument("--per-host", action="store_true",
                        help="each Host name its own article texts and slugs (many sites from one server)")
    parser.add_argument("--prerender", action="store_true",
                        help="render every article page before serving and keep every response rendered "
                             "(SyntheticSite.keep_rendered): less of the shared cores spent serving")
    args = parser.parse_args(argv)
    site = SyntheticSite(args.site, args.articles, args.seed, args.related)
    if args.real_furniture:
        site.furniture = RealFurniture()
    if args.prerender:
        if args.per_host:
            parser.error("--prerender serves one site; not with --per-host")
        held = f", {site.keep_rendered():.0f} MB of article pages rendered ahead"
    server = SyntheticServer(site, args.port, args.per_host)
    print(f"serving http://{LOOPBACK}:{server.port}/ {site.article_count} articles, "
          f"{site.url_count()} URLs, domain {site.data.domain}" + (held if args.prerender else ""), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
