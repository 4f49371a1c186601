"""`vnnews try SITE_OR_YAML URL_OR_FILE`: what a site config extracts from one page."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from ._config_files import load_cleaner
from ._messages import usage_error

EXIT_REJECTED = 3
EXIT_SELECTOR_MISS = 4  # the page was cleaned, but a configured title or body selector matched nothing
REQUIRED_SELECTORS = ("title", "body")
TEXT_FIELDS = ("lang", "lang_prob")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "try", help="show what a site config extracts from one page (saved file or URL)",
        description="SITE_OR_YAML: a configured site name, or a site YAML file not yet in config/ "
                    "(checked with the rest of config/). URL_OR_FILE: a saved page (.html, .html.gz: "
                    "no network) or an http(s) URL (with VNNEWS_REPLICA=127.0.0.1:PORT it is fetched "
                    "from that replica, with the URL's host as Host header). Exit 3 when the page is "
                    "rejected, 4 when a configured title or body selector matched nothing (the text may "
                    "then come from a generic rule or generic mode: the notes say which).")
    parser.add_argument("site", metavar="SITE_OR_YAML")
    parser.add_argument("page", metavar="URL_OR_FILE")
    parser.add_argument("--url", help="the page's URL when URL_OR_FILE is a file (default: its canonical link)")
    parser.add_argument("--explain", action="store_true",
                        help="list every removed piece with step and rule, then where trafilatura (second "
                             "opinion) disagrees")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--config", metavar="DIR", help="config folder")
    parser.add_argument("--save", action="store_true",
                        help="store the page (gzipped) with its URL as a new fixture of the site and write "
                             "its expected output for review (tests/fixtures/sites/SITE/NAME.html.gz)")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder for --save (default: tests/fixtures/sites)")
    parser.set_defaults(run=run)


def run(args) -> int:
    site_yaml = _site_yaml(args.site)
    if site_yaml is not None and not site_yaml.is_file():
        return usage_error("try", f"{site_yaml}: no such site YAML")
    cleaner = load_cleaner(args.config, "try", site_yaml)
    if cleaner is None:
        return 2
    site = site_yaml.stem if site_yaml else args.site
    if site not in cleaner.registry.sites:
        known = ", ".join(sorted(cleaner.registry.sites))
        return usage_error("try", f"unknown site {site!r}: expected a site YAML file or one of: {known}")
    try:
        body, url, content_type = _read(args.page, args.url)
    except (OSError, ValueError) as exc:  # urllib's errors are OSErrors
        return usage_error("try", f"{args.page}: {exc}")
    _warn_if_other_site(cleaner, site, url)
    if args.save:
        saved = _save_fixture(cleaner, site, body, url, args.fixtures)
        if isinstance(saved, int):
            return saved
    result = cleaner.clean(body, url=url, site=site, content_type=content_type, explain=args.explain)
    opinion = None
    if args.explain:
        from cleaners.second_opinion import second_opinion

        opinion = second_opinion(body, result, content_type)
    if args.format == "json":
        _print_json(result, args.explain, opinion)
    else:
        _print_text(result, args.explain, opinion)
    missed = [name for name, _ in result.misses if name in REQUIRED_SELECTORS]
    if not result.ok:
        return EXIT_REJECTED
    if missed:
        print(f"vnnews try: the {' and '.join(missed)} selector(s) of {site} matched nothing on this page "
              f"(exit {EXIT_SELECTOR_MISS})", file=sys.stderr)
        return EXIT_SELECTOR_MISS
    return 0


def _save_fixture(cleaner, site: str, body: bytes, url: str | None, fixtures: str | None) -> Path | int:
    """Store the page as <fixtures>/<site>/<name>.html.gz with its url, and its expected output
    (the .txt and .meta.json `vnnews fixtures --regenerate` writes) for the maintainer to review.
    The name comes from the URL's last path segment; an existing fixture is never overwritten."""
    import gzip
    import re

    from crawler.sitefixtures import FIXTURES_DIR, companion, regenerate_fixture

    if not url:
        return usage_error("try", "--save needs the page's URL: give an http(s) URL, or --url with a saved page")
    folder = (Path(fixtures) if fixtures else FIXTURES_DIR) / site
    segment = [part for part in urlsplit(url).path.split("/") if part] or ["home"]
    slug = re.sub(r"[^a-z0-9]+", "-", segment[-1].lower().rsplit(".", 1)[0]).strip("-")[:60] or "page"
    name, n = slug, 1
    while any((folder / f"{name}{suffix}").exists() for suffix in (".html", ".html.gz", ".meta.json")):
        n += 1
        name = f"{slug}-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{name}.html.gz"
    page.write_bytes(gzip.compress(body, mtime=0))  # mtime 0: the same page gives the same file
    companion(page, ".meta.json").write_text(json.dumps({"url": url}, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    try:
        regenerate_fixture(cleaner, page)
    except ValueError as exc:  # cleaned as another site: the fixture would guard the wrong config
        for path in (page, companion(page, ".meta.json"), companion(page, ".txt")):
            path.unlink(missing_ok=True)
        return usage_error("try", f"not saved: {exc}")
    written = [p for p in (page, companion(page, ".txt"), companion(page, ".meta.json")) if p.exists()]
    print(f"vnnews try: saved fixture {', '.join(str(p) for p in written)}; review the expected output: "
          f"git add -N {folder} && git diff -- {folder}", file=sys.stderr)
    return page


def _site_yaml(site: str) -> Path | None:
    """A path (anything ending in .yaml/.yml or naming a file) is a draft config; else a site name."""
    if site.endswith((".yaml", ".yml")) or os.sep in site or Path(site).is_file():
        return Path(site)
    return None


def _read(page: str, url: str | None) -> tuple[bytes, str | None, str | None]:
    if page.startswith(("http://", "https://")):
        body, content_type = _fetch(page)
        return body, url or page, content_type
    if "://" in page:
        raise ValueError("expected a saved page or an http(s) URL")
    from cleaners.decode import decode_file

    return decode_file(Path(page)), url, None


def _fetch(url: str) -> tuple[bytes, str | None]:
    """GET the page; with VNNEWS_REPLICA=127.0.0.1:PORT the loopback replica answers for the real host."""
    replica = os.environ.get("VNNEWS_REPLICA")
    headers = {"User-Agent": "vnnews-try"}
    handlers = []
    target = url
    if replica:
        from crawler.crawl.replica_routing import parse_replica  # the crawl's own check: loopback only

        host, port = parse_replica(replica)
        parts = urlsplit(url)
        headers["Host"] = parts.netloc  # the replica serves every site on one port, dispatching by Host
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        target = f"http://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
        handlers.append(urllib.request.ProxyHandler({}))  # a proxy from the environment must not see it
    opener = urllib.request.build_opener(*handlers)
    with opener.open(urllib.request.Request(target, headers=headers), timeout=30) as response:
        return response.read(), response.headers.get("Content-Type")


def _warn_if_other_site(cleaner, site: str, url: str | None) -> None:
    """The crawler picks the config by domain: a page of another site would never get this one."""
    owner = cleaner.registry.site_for_url(url)
    if owner and owner != site:
        print(f"vnnews try: note: {url} belongs to site {owner}; cleaning it with {site} as asked",
              file=sys.stderr)


def _print_json(result, explain: bool, opinion=None) -> None:
    record = result.to_record()
    record["notes"] = list(result.notes)
    if explain:
        record["removed"] = [vars(removal) for removal in result.removed]
        record["counts"] = dict(result.counts)
    if opinion is not None:
        record["second_opinion"] = opinion.to_dict()
    print(json.dumps(record, ensure_ascii=False, indent=2))


def _print_text(result, explain: bool, opinion=None) -> None:
    from cleaners.document import METADATA_FIELDS

    doc = result.document
    if doc is not None:
        print(f"title: {doc.title}")
        for name in METADATA_FIELDS + TEXT_FIELDS:
            print(f"{name}: {_shown_value(getattr(doc, name))}")
    print(f"site: {result.site}   cms: {result.cms}   url: {result.url}")
    if explain:
        print(f"removed ({len(result.removed)}):")
        for removal in result.removed:
            print(f"  - [{removal.step}] {removal.rule}: {_short(removal.text)}")
        counts = ", ".join(f"{k}={v}" for k, v in sorted(result.counts.items()))
        print(f"counts: {counts or 'none'}")
    for note in result.notes:
        print(f"note: {note}")
    for line in opinion.lines() if opinion is not None else ():  # trafilatura's view, where it differs
        print(line)
    if doc is None:
        print(f"rejected: {result.reason} ({result.detail})")
        return
    print("-" * 72)
    sys.stdout.write(doc.text)


def _shown_value(value) -> str:
    return "-" if value is None else str(value)


def _short(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"
