"""Replica sites: local copies of the provincial news sites the crawler targets.

Real sites can't be reached from tests, so :class:`ReplicaServer` serves, on
127.0.0.1, pages that reproduce each site's markup, URL scheme, listings,
pagination, feeds, sitemaps and boilerplate. It dispatches on the ``Host``
header, so crawler configs keep the real domains.

Content is data (``data/<site>.yaml``), markup is one template file per CMS
family (``templates/<family>.html``), and ``families/`` holds each family's
URL scheme and page assembly.
"""

from __future__ import annotations

from .families import renderer_for
from .model import load_site, site_names
from .server import ReplicaServer


def replica_sites() -> list[str]:
    """Site names (= spider names) the replica serves."""
    return site_names()


def site_domain(site: str) -> str:
    return load_site(site).domain


def article_urls(site: str) -> list[str]:
    """Canonical real-domain URLs of the site's good articles, newest first.

    Excludes the special pages (English, listing-only, broken, second URL),
    so this is exactly what a crawl plus cleaning should keep.
    """
    data = load_site(site)
    family = renderer_for(data)
    return [family.article_url(a) for a in data.articles]


def special_urls(site: str) -> dict[str, str]:
    """Real-domain URLs of the pages a crawl must not keep as articles:
    ``english``, ``listing_only``, ``broken`` and ``second_url`` (an alias of a
    good article whose canonical link names the article's main URL)."""
    family = renderer_for(load_site(site))
    return {key: family.absolute(path) for key, path in family.special_paths().items()}


__all__ = ["ReplicaServer", "replica_sites", "site_domain", "article_urls", "special_urls"]
