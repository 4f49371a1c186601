"""RSS 2.0 feeds, sitemaps and robots.txt for the replica sites."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def rss_feed(title: str, link: str, description: str,
             items: Iterable[tuple[str, str, str, datetime | None]], self_url: str) -> str:
    """A channel with (title, link, description, published) items, newest first."""
    entries = []
    for item_title, item_link, item_desc, published in items:
        pub = f"\t\t\t<pubDate>{format_datetime(published)}</pubDate>\n" if published else ""
        entries.append(
            "\t\t<item>\n"
            f"\t\t\t<title>{escape(item_title)}</title>\n"
            f"\t\t\t<link>{escape(item_link)}</link>\n"
            f"\t\t\t<guid isPermaLink=\"true\">{escape(item_link)}</guid>\n"
            f"\t\t\t<description><![CDATA[{item_desc}]]></description>\n"
            f"{pub}"
            "\t\t</item>\n")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        "\t<channel>\n"
        f"\t\t<title>{escape(title)}</title>\n"
        f"\t\t<link>{escape(link)}</link>\n"
        f"\t\t<atom:link href=\"{escape(self_url)}\" rel=\"self\" type=\"application/rss+xml\" />\n"
        f"\t\t<description>{escape(description)}</description>\n"
        "\t\t<language>vi</language>\n"
        + "".join(entries)
        + "\t</channel>\n</rss>\n")


def urlset(entries: Iterable[tuple[str, datetime | None]]) -> str:
    """A sitemap listing (url, lastmod) pairs."""
    rows = []
    for loc, lastmod in entries:
        mod = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        rows.append(f"\t<url><loc>{escape(loc)}</loc>{mod}</url>\n")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
            + "".join(rows) + "</urlset>\n")


def sitemap_index(locations: Iterable[str]) -> str:
    rows = "".join(f"\t<sitemap><loc>{escape(loc)}</loc></sitemap>\n" for loc in locations)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
            + rows + "</sitemapindex>\n")


def robots_txt(disallowed: Iterable[str], sitemaps: Iterable[str]) -> str:
    lines = ["User-agent: *"] + [f"Disallow: {path}" for path in disallowed]
    lines += [""] + [f"Sitemap: {url}" for url in sitemaps]
    return "\n".join(lines) + "\n"
