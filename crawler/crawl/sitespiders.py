"""One Spider class per config/sites/*.yaml, generated at import.

Scrapy's SpiderLoader lists the Spider subclasses defined in the modules of
SPIDER_MODULES, so each generated class is given this module as its __module__ and
a module-level name. A broken config fails the import with the file, line and field.
"""

from __future__ import annotations

import re

from crawler.registry import load_registry
from crawler.crawl.spider import SiteSpider


def class_name(site_name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", site_name) if part) + "Spider"


def make_spider(site, taken: set[str]) -> type[SiteSpider]:
    name = class_name(site.name)
    while name in taken:  # "a-b" and "a_b" would both be ABSpider: keep both visible
        name += "_"
    taken.add(name)
    return type(name, (SiteSpider,), {
        "name": site.name,
        "site_name": site.name,
        "__module__": __name__,
        "__doc__": f"Crawls {site.title} ({', '.join(site.domains)}), from config/sites/{site.name}.yaml.",
    })


_taken: set[str] = set()
SPIDERS = {name: make_spider(site, _taken) for name, site in sorted(load_registry().sites.items())}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})
