"""Article metadata from the structured data a page carries: JSON-LD, microdata, meta tags.

Keys returned (only those found): title, published, modified, author, section, url, site_name,
description, image, generator, and type — the schema.org type of the article item
("NewsArticle"), present only when the page declares one (the pipeline uses it to tell articles
from listings). Values are stripped, HTML-unescaped and NFC; dates are ISO 8601.

Priority when sources disagree: JSON-LD > schema.org microdata > meta tags (incl. the canonical
link). JSON-LD is written for search engines from the CMS's own fields, so it is the most
deliberate; microdata is the same vocabulary spread through templates (NukeViet's hidden spans);
meta tags are the least specific (name=author often holds the site, not the journalist).
A value that fails validation — an unparseable date, a relative URL with no base, an "author"
that is a domain, an Organization or the site's own name — is skipped, so a lower source can still
supply the key. One refinement is allowed against the priority: a date-only value is replaced by a
lower source's value for the same day that also has the time.
"""

from __future__ import annotations

import html
import json
import re
import string
import unicodedata
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from cleaners.vi.dates import parse_iso_like, parse_vietnamese_date

KEYS = ("title", "published", "modified", "author", "section", "url", "site_name",
        "description", "image", "generator", "type")
DATE_KEYS = frozenset({"published", "modified"})
URL_KEYS = frozenset({"url", "image"})

# schema.org types treated as "the article"; any type ending in "Article" counts too
# (NewsArticle, ReportageNewsArticle, AnalysisNewsArticle …). vnexpress marks podcast episodes
# that carry a normal article text as PodcastEpisode.
ARTICLE_TYPES = frozenset({"BlogPosting", "LiveBlogPosting", "PodcastEpisode", "Report"})
ORGANIZATION_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation"})

# Meta tag names/properties per key, best first (matched case-insensitively).
META_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("og:title", "twitter:title", "dc.title"),
    "published": ("article:published_time", "og:article:published_time", "pubdate",
                  "publishdate", "publish_date", "date", "dc.date", "dc.date.issued",
                  "dcterms.issued"),
    "modified": ("article:modified_time", "og:updated_time", "dcterms.modified"),
    "author": ("article:author", "author", "dc.creator"),
    "section": ("article:section",),
    "url": ("og:url",),
    "site_name": ("og:site_name", "application-name"),
    "description": ("og:description", "description", "twitter:description"),
    "image": ("og:image", "twitter:image"),
    "generator": ("generator",),
}

# An "author" that is really the site: "baotintuc.vn", "BAOMOI.COM", a profile URL.
_DOMAIN_LIKE = re.compile(
    r"^(?:https?://\S*|www\.\S*|[\w.-]+\.(?:vn|com|net|org|info|tv|gov|edu|biz)/?)$", re.I)

Candidates = dict[str, list[Any]]


def structured_metadata(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """Metadata from JSON-LD, microdata and meta tags, merged by the priority in the docstring."""
    base_url = getattr(tree, "base_url", None)
    found = _HeadElements(tree)
    sources = [_validated(raw, base_url)
               for raw in (json_ld_candidates(tree, found), microdata_candidates(tree),
                           meta_tag_candidates(tree, found))]
    identities = _site_identities(sources)
    merged: dict[str, str] = {}
    for source in sources:
        for key, value in source.items():
            if key == "author" and _compact(value) in identities:
                continue  # the publisher named as author (meta name=author): not a byline
            if key not in merged or _refines(key, merged[key], value):
                merged[key] = value
    return merged


def _refines(key: str, current: str, candidate: str) -> bool:
    """A lower source may add the time to a date-only value of the same day: that is not a
    disagreement (vnexpress: JSON-LD "2026-07-20", meta "2026-07-20 06:03 + 07:00")."""
    return key in DATE_KEYS and len(current) == 10 and candidate[:10] == current \
        and len(candidate) > 10


def _site_identities(sources: list[dict[str, str]]) -> set[str]:
    """Compact forms of every way the page names its own site: "Báo VnExpress", "vnexpress"."""
    identities = set()
    for source in sources:
        if "site_name" in source:
            identities.add(_compact(source["site_name"]))
        if "url" in source:
            identities.add(_compact(_host_label(source["url"])))
    identities.discard("")
    return identities


def _host_label(url: str) -> str:
    """"https://www.vnexpress.net/x" → "vnexpress"."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the host
        return ""
    labels = [label for label in host.split(".") if label not in ("www", "m")]
    return labels[0] if labels else ""


def _compact(text: str) -> str:
    return re.sub(r"\W", "", text.casefold())


# --------------------------------------------------------------------------------------------
# Validation shared by all sources
# --------------------------------------------------------------------------------------------


def _validated(candidates: Candidates, base_url: str | None) -> dict[str, str]:
    """First valid candidate per key."""
    result = {}
    for key, values in candidates.items():
        valid = (_valid_value(key, value, base_url) for value in values)
        chosen = next((value for value in valid if value), None)
        if chosen:
            result[key] = chosen
    return result


def _valid_value(key: str, raw: Any, base_url: str | None) -> str | None:
    text = clean_text(raw)
    if not text:
        return None
    if key in DATE_KEYS:
        return parse_iso_like(text) or parse_vietnamese_date(text)
    if key in URL_KEYS:
        return _absolute_url(text, base_url)
    if key == "author" and _DOMAIN_LIKE.match(text):
        return None
    if key == "site_name" and text.lower().startswith(("http://", "https://")):
        return None  # cafef's JSON-LD publisher name is its URL
    return text


def clean_text(value: Any) -> str | None:
    """Unescape (fields are often escaped twice), NFC, collapse whitespace; None if not text."""
    if not isinstance(value, str):
        return None
    for _ in range(3):
        unescaped = html.unescape(value)
        if unescaped == value:
            break
        value = unescaped
    return " ".join(unicodedata.normalize("NFC", value).split()) or None


def _absolute_url(url: str, base_url: str | None) -> str | None:
    if base_url:
        try:
            url = urljoin(base_url, url)
        except ValueError:
            return None
    return url if url.lower().startswith(("http://", "https://")) else None


# --------------------------------------------------------------------------------------------
# JSON-LD
# --------------------------------------------------------------------------------------------

_LD_SCRIPTS = ("//script[contains(translate(@type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
               " 'abcdefghijklmnopqrstuvwxyz'), 'ld+json')]")
_COMMENT_MARKS = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
# Whole "//" comment lines, e.g. a "//<![CDATA[" wrapper; no JSON line can start with "//".
_JS_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)


class _HeadElements:
    """The JSON-LD scripts, meta tags with content and canonical links' hrefs of a page, in
    document order, from one walk over the page's script, meta and link elements.

    Each is what an XPath over the whole document would select (_LD_SCRIPTS, _META_CONTENT,
    _CANONICAL; a test compares them): that is three walks of the tree evaluating string
    functions on each candidate; here the tests are the same string tests in Python."""

    _ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    _CANONICAL_LOWER = str.maketrans("CANOIL", "canoil")  # translate(…, 'CANONICAL', 'canonical')
    _XML_SPACE = re.compile("[ \t\r\n]+")  # what normalize-space() collapses

    def __init__(self, tree):
        self.ld_scripts, self.metas, self.canonical_hrefs = [], [], []
        for element in tree.getroottree().getroot().iter("script", "meta", "link"):
            tag = element.tag
            if tag == "meta":
                if element.get("content") is not None:
                    self.metas.append(element)
            elif tag == "script":
                kind = element.get("type")
                if kind is not None and "ld+json" in kind.translate(self._ASCII_LOWER):
                    self.ld_scripts.append(element)
            else:
                rel, href = element.get("rel"), element.get("href")
                if rel is not None and href is not None:
                    words = self._XML_SPACE.sub(" ", rel).strip(" ")
                    if " canonical " in f" {words.translate(self._CANONICAL_LOWER)} ":
                        self.canonical_hrefs.append(href)


def json_ld_candidates(tree: lxml_html.HtmlElement, found: _HeadElements | None = None) -> Candidates:
    scripts = (found or _HeadElements(tree)).ld_scripts
    nodes = [node for script in scripts
             for node in _walk(load_json_lenient(script.text or ""))]
    index = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    article = next((node for node in nodes if _has_type(node, _is_article_type)), None)
    candidates = _article_candidates(article, index) if article else {}
    candidates.setdefault("site_name", []).extend(
        node.get("name") for node in nodes if _has_type(node, lambda t: t == "WebSite"))
    return candidates


def load_json_lenient(raw: str) -> Any:
    """json.loads, then once more after removing what CMSs break JSON-LD with; None if hopeless."""
    for text in (raw, _lenient_cleanup(raw)):
        try:
            return json.loads(text, strict=False)  # strict=False: raw newlines inside strings
        except (ValueError, RecursionError):
            continue
    return None


def _lenient_cleanup(raw: str) -> str:
    text = _JS_LINE_COMMENT.sub("", raw)
    text = _COMMENT_MARKS.sub("", text)
    text = _CONTROL_CHARS.sub(" ", text)
    text = _TRAILING_COMMA.sub(r"\1", text)
    return text.strip().rstrip(";")


def _walk(data: Any) -> Iterator[dict]:
    """Every node of a JSON-LD document: top-level lists, @graph arrays, mainEntity."""
    if isinstance(data, list):
        for item in data:
            yield from _walk(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            yield from _walk(data.get(key))


def _has_type(node: dict, accept) -> bool:
    return _type_name(node, accept) is not None


def _type_name(node: dict, accept) -> str | None:
    """The first @type of the node that `accept` takes, in its short form."""
    types = node.get("@type")
    types = types if isinstance(types, list) else [types]
    # "schema:NewsArticle" and "https://schema.org/NewsArticle" name the same type.
    names = (_short_type(t) for t in types if isinstance(t, str))
    return next((name for name in names if accept(name)), None)


def _short_type(schema_type: str) -> str:
    return re.split(r"[/:#]", schema_type.strip())[-1]


def _is_article_type(name: str) -> bool:
    return name in ARTICLE_TYPES or name.endswith("Article")


def _article_candidates(node: dict, index: dict[str, dict]) -> Candidates:
    return {
        "type": [_type_name(node, _is_article_type)],
        "title": [_first_text(node.get("headline")), _first_text(node.get("name"))],
        "published": [_first_text(node.get("datePublished"))],
        "modified": [_first_text(node.get("dateModified"))],
        # An Organization as author is the publisher again (vnexpress), not a byline.
        "author": [_person_names(node.get("author"), index, skip_organizations=True)],
        "section": [_first_text(node.get("articleSection"))],
        "url": [_url_of(node.get("url"), index), _url_of(node.get("mainEntityOfPage"), index)],
        "site_name": [_person_names(node.get("publisher"), index)],
        "description": [_first_text(node.get("description"))],
        "image": [_url_of(node.get("image"), index)],
    }


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        return next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value if isinstance(value, str) else None


def _resolve(value: Any, index: dict[str, dict]) -> Any:
    """Follow an {"@id": …} reference to the full node of the @graph when there is one."""
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return index.get(value["@id"], value)
    return value


def _url_of(value: Any, index: dict[str, dict]) -> str | None:
    if isinstance(value, list):
        return next(filter(None, (_url_of(v, index) for v in value)), None)
    value = _resolve(value, index)
    if isinstance(value, dict):
        return _first_text(value.get("url")) or _first_text(value.get("@id"))
    return _first_text(value)


def _person_names(value: Any, index: dict[str, dict], skip_organizations: bool = False
                  ) -> str | None:
    """Author/publisher as a string, an object with name, or a list of either → "A, B"."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        item = _resolve(item, index)
        if skip_organizations and isinstance(item, dict) \
                and _has_type(item, lambda t: t in ORGANIZATION_TYPES):
            continue
        name = _first_text(item.get("name")) if isinstance(item, dict) else _first_text(item)
        name = clean_text(name)
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or None


# --------------------------------------------------------------------------------------------
# Microdata
# --------------------------------------------------------------------------------------------

_ARTICLE_SCOPES = ("//*[@itemscope][contains(@itemtype, 'Article')"
                   " or contains(@itemtype, 'BlogPosting')]")


_ANY_ITEMPROP = etree.XPath("boolean(//@itemprop)")  # = boolean(//*[@itemprop]), a cheaper walk


def microdata_candidates(tree: lxml_html.HtmlElement) -> Candidates:
    if not _ANY_ITEMPROP(tree):  # most pages have none: skip the property scans
        return {}
    scopes = tree.xpath(_ARTICLE_SCOPES)
    # With an article item, only its own properties count (not its publisher's "name");
    # without one (vnexpress: a lone <meta itemprop="datePublished"> in <head>), any property.
    scope = scopes[0] if scopes else None
    root = scope if scope is not None else tree.getroottree().getroot()

    # One scan for every property element; each key then filters this short list.
    properties = [(el, (el.get("itemprop") or "").split()) for el in root.xpath(".//*[@itemprop]")
                  if isinstance(el.tag, str)]

    def values(name: str, sub: str | None = None) -> list[str | None]:
        return [_item_value(el, name, sub) for el, names in properties
                if name in names and (scope is None or _owner_scope(el) is scope)]

    return {
        "type": [_short_type(scope.get("itemtype", "").split()[0]) if scope is not None else None],
        "title": values("headline"),
        "published": values("datePublished"),
        "modified": values("dateModified"),
        "author": [_join_unique(values("author", "name"))],
        "section": values("articleSection"),
        "url": values("mainEntityOfPage", "url") + values("url"),
        "site_name": values("publisher", "name"),
        "description": values("description"),
        "image": values("image", "url"),
    }


def _own_properties(root, scope, name: str) -> Iterator[lxml_html.HtmlElement]:
    """Property elements named `name` below root that belong to the item `scope`."""
    for element in root.xpath(".//*[contains(concat(' ', normalize-space(@itemprop), ' '), $padded)]",
                              padded=f" {name} "):
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        if scope is None or _owner_scope(element) is scope:
            yield element


def _owner_scope(element):
    """The item a property belongs to: the nearest ancestor carrying itemscope."""
    return next((a for a in element.iterancestors() if "itemscope" in a.attrib), None)


def _item_value(element, name: str, sub: str | None) -> str | None:
    """Value of a property element; for a nested item, its `sub` property (author → name)."""
    if "itemscope" in element.attrib:
        if sub == "url" and element.get("itemid"):  # <div itemprop="mainEntityOfPage" itemid=URL>
            return element.get("itemid")
        inner = next(_own_properties(element, element, sub), None) if sub else None
        return _item_value(inner, sub, None) if inner is not None else None
    for attribute in ("content", "datetime", "href", "src"):
        if element.get(attribute):
            return element.get(attribute)
    return element.text_content()


def _join_unique(names: list[str | None]) -> str | None:
    cleaned = []
    for name in map(clean_text, names):
        if name and name not in cleaned:
            cleaned.append(name)
    return ", ".join(cleaned) or None


# --------------------------------------------------------------------------------------------
# Meta tags and <link rel=canonical>
# --------------------------------------------------------------------------------------------

_CANONICAL = ("//link[contains(concat(' ', translate(normalize-space(@rel), 'CANONICAL',"
              " 'canonical'), ' '), ' canonical ')]/@href")


_META_CONTENT = "//meta[@content]"


def meta_tag_candidates(tree: lxml_html.HtmlElement, found: _HeadElements | None = None) -> Candidates:
    found = found or _HeadElements(tree)
    contents = _meta_contents(found.metas)
    candidates = {key: [value for name in names for value in contents.get(name, [])]
                  for key, names in META_NAMES.items()}
    # The canonical link is the page's own statement of its URL; og:url is often the home page.
    candidates["url"] = list(found.canonical_hrefs) + candidates["url"]
    return candidates


def _meta_contents(metas) -> dict[str, list[str]]:
    """meta name/property (lower-cased) → contents in document order."""
    contents: dict[str, list[str]] = {}
    for meta in metas:
        for attribute in ("property", "name"):
            label = (meta.get(attribute) or "").strip().lower()
            if label:
                contents.setdefault(label, []).append(meta.get("content"))
    return contents
