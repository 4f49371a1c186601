"""Canonical URLs: one spelling for every way a page can be linked.

The canonical URL keys the duplicate filter and names the corpus file (the <id> is the
first 16 hex digits of its SHA-256), so two links to the same article must give the same
string: scheme and host folded to the site's main ones, default port, fragment and tracking
parameters dropped, query parameters sorted, the path decoded, NFC-normalised and encoded
again (an NFD slug, an NFC slug and its percent-encoded form compare equal), and the
CMS rewrites of the site's config applied (NukeViet's `index.php?…&nv=news&op=…`).

No Scrapy import: the corpus writer and `vnnews reprocess` use it too.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

# Query parameters that only say where a click came from (ad networks, social shares,
# newsletters, Zalo) or carry a session: never part of what the page is.
# Our own list, a kept gap (tests/test_urls.py, test_courlan_tracker_gap): w3lib keeps no such
# list, and courlan's (the TRACKERS_RE pattern inside courlan.clean, not a documented API) is
# a different tool: it misses Zalo's zarsrc/gidzl, HubSpot's _hsenc and the session ids below,
# and it also drops cid, uid, eid, ref, source, campaign and keyword, names that identify a
# page on some CMSs (a category's cid, an article's uid). A canonical URL that lost them would
# merge distinct pages and change corpus ids (url_id), so the list stays narrow and ours.
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "zarsrc", "gidzl", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "phpsessid", "jsessionid",
    "aspsessionid", "sessionid",
}
TRACKING_PREFIXES = ("utm_",)

DEFAULT_PORTS = {"http": 80, "https": 443}

# Characters left unencoded: RFC 3986 unreserved plus the sub-delimiters and ':' '@' that
# are legal in a path segment. Everything else, notably non-ASCII letters, is %XX-encoded
# with upper-case hex, so the same bytes are always written the same way.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"
_QUERY_SAFE = "-._~!$'()*,;:@/?"  # no '&', '=' or '+': those separate or encode query parts


@dataclass(frozen=True)
class Rewrite:
    """A regex rewrite of `path?query` after normalisation (query already sorted)."""

    pattern: re.Pattern
    replace: str

    @classmethod
    def of(cls, item) -> "Rewrite":
        """From a config entry: an object with .pattern/.replace, or a dict with those keys."""
        pattern = item["pattern"] if isinstance(item, dict) else item.pattern
        replace = item["replace"] if isinstance(item, dict) else item.replace
        return cls(re.compile(pattern), replace)


def url_id(canonical: str) -> str:
    """The corpus id of a document: the first 16 hex digits of SHA-256 of its canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _decode_component(text: str, plus_is_space: bool = False) -> bytes | str:
    """Percent-decode; text when the bytes are UTF-8 (then NFC), else the raw bytes."""
    if plus_is_space:
        text = text.replace("+", " ")
    raw = unquote_to_bytes(text)
    try:
        return unicodedata.normalize("NFC", raw.decode("utf-8"))
    except UnicodeDecodeError:
        return raw  # a legacy 8-bit slug: keep its bytes, encoded consistently below


def normalize_segment(segment: str) -> str:
    return quote(_decode_component(segment), safe=_SEGMENT_SAFE)


def _remove_dot_segments(segments: list[str]) -> list[str]:
    out: list[str] = []
    for seg in segments:
        if seg == "..":
            if len(out) > 1:
                out.pop()
        elif seg != ".":
            out.append(seg)
    return out


# A path that normalize_path returns unchanged: ASCII characters it never encodes or
# decodes (no '%', no ';' path parameters), starting with '/', no '.' or '..' segment.
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9\-_~!$&'()*+,=:@/.]*")
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")


def normalize_path(path: str) -> str:
    """Decode, NFC, re-encode each segment; a '%2F' inside a segment stays encoded."""
    if _PLAIN_PATH.fullmatch(path) and not _DOT_SEGMENT.search(path):
        return path
    if not path:
        return "/"
    path = unicodedata.normalize("NFC", path)
    segments = path.split("/")
    # ';jsessionid=…' path parameters are session ids, not part of the resource
    segments = [re.sub(r";jsessionid=[^/]*$", "", s, flags=re.IGNORECASE) for s in segments]
    trailing_dot = segments[-1] in (".", "..")
    segments = _remove_dot_segments(segments)
    if trailing_dot:
        segments.append("")
    normalized = "/".join(normalize_segment(s) for s in segments)
    return normalized if normalized.startswith("/") else "/" + normalized


def normalize_query(query: str) -> str:
    """Drop tracking parameters, sort the rest (stable for repeated names), re-encode."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name_text = _decode_component(name, plus_is_space=True)
        if isinstance(name_text, str) and is_tracking_param(name_text):
            continue
        encoded_name = quote(name_text, safe=_QUERY_SAFE)
        encoded_value = quote(_decode_component(value, plus_is_space=True), safe=_QUERY_SAFE)
        pairs.append(encoded_name + (("=" + encoded_value) if sep else ""))
    return "&".join(sorted(pairs, key=lambda p: p.partition("=")[0]))


def normalize_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        host = host.encode("idna").decode("ascii")
    return host


def canonicalize(url: str, main_host: str | None = None, scheme: str | None = None,
                 aliases: Iterable[str] = (), rewrites: Iterable[Rewrite] = ()) -> str:
    """The canonical form of an absolute http(s) URL.

    main_host/scheme: the site's main host and scheme, which `aliases` (its other host
    names; www. variants are always folded) are rewritten to. Without a site, http
    becomes https: the two serve the same page on every site we know.
    """
    parts = urlsplit(url.strip())
    in_scheme = parts.scheme.lower()
    if in_scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = normalize_host(parts.hostname or "")
    port = parts.port
    if port == DEFAULT_PORTS[in_scheme]:
        port = None
    out_scheme = scheme or "https"
    if main_host:
        folded = {normalize_host(a) for a in aliases} | {main_host}
        bare = host[4:] if host.startswith("www.") else host
        if host in folded or bare in folded:
            host = main_host
            port = None
    netloc = host + (f":{port}" if port else "")
    path = normalize_path(parts.path)
    query = normalize_query(parts.query)
    tail = path + ("?" + query if query else "")
    for rule in rewrites:
        tail = rule.pattern.sub(rule.replace, tail, count=1)
    path, _, query = tail.partition("?")
    return urlunsplit((out_scheme, netloc, path or "/", query, ""))


CACHED_URLS = 8192  # a few pages' worth of distinct links; bounded so 100,000 URLs cost nothing extra


class Canonicalizer:
    """Canonical URLs with the rules of the configured site that owns the host."""

    def __init__(self, registry=None):
        self.registry = registry
        self._rules: dict[str, tuple] = {}
        # A crawl asks for the same URLs again and again (menus, sidebars, and the spider,
        # the incremental middleware and the dupefilter each canonicalize every link); the
        # answer depends on the URL and the registry only, so recent ones are remembered.
        self._cached = lru_cache(maxsize=CACHED_URLS)(self._canonical)

    def _site_rules(self, url: str) -> tuple:
        site_name = self.registry.site_for_url(url) if self.registry else None
        if site_name is None:
            return (None, None, (), ())
        if site_name not in self._rules:
            resolved = self.registry.resolve(site_name)
            site = resolved.site
            self._rules[site_name] = (normalize_host(site.domains[0]), site.scheme,
                                      tuple(site.domains), tuple(self._rewrites(resolved)))
        return self._rules[site_name]

    @staticmethod
    def _rewrites(resolved) -> list[Rewrite]:
        """`canonical_rewrites` of the resolved site (profile chain first, then the site)."""
        items = getattr(resolved, "canonical_rewrites", None)
        if items is None:  # a config model without the merged key: gather it ourselves
            items = [r for p in resolved.profile_chain for r in getattr(p, "canonical_rewrites", None) or []]
            items += getattr(resolved.site, "canonical_rewrites", None) or []
        return [Rewrite.of(item) for item in items]

    def __call__(self, url: str) -> str:
        return self._cached(url)

    def _canonical(self, url: str) -> str:
        main_host, scheme, aliases, rewrites = self._site_rules(url)
        return canonicalize(url, main_host, scheme, aliases, rewrites)

    def id(self, url: str) -> str:
        return url_id(self(url))
