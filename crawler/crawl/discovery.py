"""Links out of RSS/Atom feeds and sitemaps, parsed so hostile XML cannot hurt us.

Feeds and sitemaps come from servers we do not control. The parser never resolves
entities (no XXE file reads, no billion-laughs expansion), never loads a DTD or anything
from the network, and keeps libxml2's size limits (huge_tree off).
"""

from __future__ import annotations

import gzip
import io
from urllib.parse import urljoin, urlsplit

from lxml import etree

GZIP_MAGIC = b"\x1f\x8b"


class TooLarge(ValueError):
    """A gzip'd sitemap that expands past the size limit (a compression bomb)."""


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, recover=True, remove_comments=True, remove_pis=True)


def gunzip_bounded(body: bytes, max_size: int) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
        data = fh.read(max_size + 1)
    if len(data) > max_size:
        raise TooLarge(f"gzip'd body expands past {max_size} bytes")
    return data


def parse_xml(body: bytes, max_size: int = 50 * 1024 * 1024):
    """The root element, or None when the bytes are not XML at all."""
    if body.startswith(GZIP_MAGIC):
        body = gunzip_bounded(body, max_size)
    try:
        return etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError:
        return None


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element) -> str:
    # only real text nodes: an unresolved entity reference contributes nothing
    return "".join(t for t in element.xpath("text()")).strip()


def _absolute_http(url: str, base_url: str) -> str | None:
    if not url:
        return None
    absolute = urljoin(base_url, url)
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _children(element, name: str) -> list:
    return [child for child in element if _local(child) == name]


def _feed_item_link(item) -> str:
    """RSS <link>, else a permalink <guid>; Atom <link rel="alternate" href>."""
    for link in _children(item, "link"):
        href = link.get("href")
        if href is not None:  # Atom
            if link.get("rel", "alternate") == "alternate":
                return href.strip()
        elif _text(link):
            return _text(link)
    for guid in _children(item, "guid"):
        if guid.get("isPermaLink", "true").lower() == "true" and _text(guid):
            return _text(guid)
    return ""


def _entry_date(element, names: tuple[str, ...]) -> str | None:
    """The first non-empty child date among `names` (local names, any namespace)."""
    for name in names:
        for child in _children(element, name):
            if _text(child):
                return _text(child)
    return None


# Where a feed item or sitemap entry says when it was published (or, lastmod, last changed:
# a page last changed before a date was published before it too).
FEED_DATES = ("pubDate", "published", "date", "updated")
SITEMAP_DATES = ("lastmod",)


def feed_entries(body: bytes, base_url: str) -> list[tuple[str, str | None]]:
    """(article URL, date text or None) of an RSS 2.0 / RSS 1.0 / Atom feed, in feed order."""
    root = parse_xml(body)
    if root is None:
        return []
    entries, seen = [], set()
    for element in root.iter():
        if _local(element) in ("item", "entry"):
            url = _absolute_http(_feed_item_link(element), base_url)
            if url and url not in seen:
                seen.add(url)
                entries.append((url, _entry_date(element, FEED_DATES)))
    return entries


def feed_links(body: bytes, base_url: str) -> list[str]:
    """Article URLs of an RSS 2.0 / RSS 1.0 / Atom feed, in feed order."""
    return [url for url, _ in feed_entries(body, base_url)]


def sitemap_entries(body: bytes, base_url: str,
                    max_size: int = 50 * 1024 * 1024) -> tuple[str, list[tuple[str, str | None]]]:
    """("index", [(child sitemap URL, lastmod)]) or ("urlset", [(page URL, date)]), where the
    date is a news:publication_date or the lastmod; ("unknown", []) otherwise."""
    root = parse_xml(body, max_size)
    if root is None or _local(root) not in ("sitemapindex", "urlset"):
        return "unknown", []
    kind = "index" if _local(root) == "sitemapindex" else "urlset"
    entry = "sitemap" if kind == "index" else "url"
    entries, seen = [], set()
    for element in _children(root, entry):
        news = [n for child in _children(element, "news") for n in _children(child, "publication_date")]
        date = (_text(news[0]) if news else None) or _entry_date(element, SITEMAP_DATES)
        for loc in _children(element, "loc"):
            url = _absolute_http(_text(loc), base_url)
            if url and url not in seen:
                seen.add(url)
                entries.append((url, date))
    return kind, entries


def sitemap_links(body: bytes, base_url: str, max_size: int = 50 * 1024 * 1024) -> tuple[str, list[str]]:
    """("index", child sitemap URLs) or ("urlset", page URLs); ("unknown", []) otherwise."""
    kind, entries = sitemap_entries(body, base_url, max_size)
    return kind, [url for url, _ in entries]
