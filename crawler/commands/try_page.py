"""`vnnews try SITE_OR_YAML URL_OR_FILE`: what a site config extracts from one page."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from ._common import load_cleaner, usage_error

FIELDS = ("published", "author", "source", "kicker", "category", "lang", "lang_prob")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "try", help="show what a site config extracts from one page (saved file or URL)",
        description="SITE_OR_YAML: a configured site name or a site YAML file not yet in config/. "
                    "URL_OR_FILE: a saved page (.html, .html.gz; no network) or an http(s) URL.")
    parser.add_argument("site", metavar="SITE_OR_YAML")
    parser.add_argument("page", metavar="URL_OR_FILE")
    parser.add_argument("--url", help="the page's URL when URL_OR_FILE is a file (default: its canonical link)")
    parser.add_argument("--explain", action="store_true", help="list every removed piece with step and rule")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--config", metavar="DIR", help="config folder")
    parser.set_defaults(run=run)


def run(args) -> int:
    site_yaml = Path(args.site) if args.site.endswith((".yaml", ".yml")) else None
    if site_yaml is not None and not site_yaml.is_file():
        return usage_error("try", f"{site_yaml}: no such site YAML")
    cleaner = load_cleaner(args.config, "try", site_yaml)
    if cleaner is None:
        return 2
    site = site_yaml.stem if site_yaml else args.site
    if site not in cleaner.registry.sites:
        return usage_error("try", f"unknown site {site!r}; configured: {', '.join(sorted(cleaner.registry.sites))}")
    try:
        body, url = _read(args.page, args.url)
    except (OSError, ValueError) as exc:
        return usage_error("try", f"{args.page}: {exc}")
    result = cleaner.clean(body, url=url, site=site, explain=args.explain)
    if args.format == "json":
        record = result.to_record()
        if args.explain:
            record["removed"] = [vars(r) for r in result.removed]
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        _print_text(result, args.explain)
    return 0 if result.ok else 3


def _read(page: str, url: str | None) -> tuple[bytes, str | None]:
    if page.startswith(("http://", "https://")):
        return _fetch(page), url or page
    from cleaners.decode import decode_file

    return decode_file(Path(page)), url


def _fetch(url: str) -> bytes:
    """GET the page; with VNNEWS_REPLICA=127.0.0.1:PORT the loopback replica answers for the real host."""
    replica = os.environ.get("VNNEWS_REPLICA")
    headers = {"User-Agent": "vnnews-try"}
    target = url
    if replica:
        parts = urlsplit(url)
        headers["Host"] = parts.hostname or ""
        target = f"http://{replica}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    with urllib.request.urlopen(urllib.request.Request(target, headers=headers), timeout=30) as response:
        return response.read()


def _print_text(result, explain: bool) -> None:
    out = sys.stdout
    print(f"site: {result.site}   cms: {result.cms}   url: {result.url}", file=out)
    if explain:
        for removal in result.removed:
            text = removal.text if len(removal.text) <= 110 else removal.text[:107] + "..."
            print(f"  - [{removal.step}] {removal.rule}: {text}", file=out)
    if not result.ok:
        print(f"rejected: {result.reason} ({result.detail})", file=out)
        return
    doc = result.document
    print(f"title: {doc.title}", file=out)
    for name in FIELDS:
        print(f"{name}: {getattr(doc, name)}", file=out)
    print("-" * 72, file=out)
    out.write(doc.text)
