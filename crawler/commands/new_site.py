"""`vnnews new-site NAME --domain DOMAIN`: a starting site YAML and an empty fixture folder."""

from __future__ import annotations

import re
from pathlib import Path

from ._common import usage_error

NAME_SHAPE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DOMAIN_SHAPE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")

SITE_TEMPLATE = """\
# yaml-language-server: $schema=../schema.json
# {title}: written by `vnnews new-site`; every key is explained in docs/config-reference.md.
name: {name}
title: {title}
domains: [{domain}]
profile: {profile}            # the CMS family (config/profiles/); generic = trafilatura + Vietnamese steps
verified: replica             # becomes live:YYYY-MM-DD once checked against the live site
scheme: https
start_urls: [/]
discovery:
  feeds: []                   # e.g. [/rss/home.rss]
  sitemaps: []                # e.g. [/sitemap.xml]
  listings: []                # category pages, e.g. [/thoi-su/]
  listing_patterns: []        # regexes of listing paths to follow, e.g. ['^/thoi-su/(trang-\\\\d+)?$']
  pagination: []              # CSS selectors of next-page links
articles:
  allow: []                   # regexes of article URL paths, e.g. ['-\\\\d+\\\\.html$']
  deny: []
politeness:
  delay: 2.0
  concurrency: 1
extract: {{}}
# Override the profile where this site differs, for example:
# extract:
#   title: ['h1.article-title']
#   lead: ['.sapo']
#   body: ['#article-body']
#   captions: ['figcaption']
#   published: ['.article-date']
#   author: ['.article-author']
#   remove: ['.related-news', '.comment-box']
notes: ""
"""

FIXTURE_README = """\
# Fixtures of {name}

1. Save an article page of the site here as `<name>.html` (the bytes as served).
2. Write `<name>.meta.json` with its URL: `{{"url": "https://{domain}/..."}}`.
3. See what the config extracts: `vnnews try {name} tests/fixtures/sites/{name}/<name>.html --explain`;
   adjust config/sites/{name}.yaml until the text and metadata are right.
4. Record the expected output: `vnnews fixtures {name} --regenerate`, then review `git diff`.
5. `vnnews validate` and `make test` must pass. A page the site must reject gets a
   `<name>.meta.json` with `"rejected": "<reason>"` and no `<name>.txt`.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("new-site", help="write a starting site YAML and an empty fixture folder")
    parser.add_argument("name", help="site name: lower-case letters, digits, - and _")
    parser.add_argument("--domain", required=True, help="the site's main host name, e.g. baotuyenquang.com.vn")
    parser.add_argument("--cms", default="generic", help="CMS profile to extend (default: generic)")
    parser.add_argument("--title", help="the publication's name (default: the domain)")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/)")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder (default: tests/fixtures/sites)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cleaners.siteconfig import config_dir
    from crawler.fixtures import FIXTURES_DIR

    config = Path(args.config) if args.config else config_dir()
    fixtures = Path(args.fixtures) if args.fixtures else FIXTURES_DIR
    problem = _check(args, config)
    if problem:
        return usage_error("new-site", problem)
    site_path = config / "sites" / f"{args.name}.yaml"
    values = {"name": args.name, "domain": args.domain, "profile": args.cms, "title": args.title or args.domain}
    site_path.write_text(SITE_TEMPLATE.format(**values), encoding="utf-8")
    (fixtures / args.name).mkdir(parents=True, exist_ok=True)
    readme = fixtures / args.name / "README.md"
    if not readme.exists():
        readme.write_text(FIXTURE_README.format(**values), encoding="utf-8")
    print(f"wrote {site_path}\nwrote {readme}\nnext: save a page in {fixtures / args.name}, then follow {readme}")
    return 0


def _check(args, config: Path) -> str | None:
    if not NAME_SHAPE.match(args.name):
        return f"site name {args.name!r}: expected lower-case letters, digits, - and _"
    if not DOMAIN_SHAPE.match(args.domain):
        return f"--domain {args.domain!r}: expected a lower-case host name like baolaichau.vn"
    if not (config / "sites").is_dir():
        return f"{config}: not a config folder (expected {config / 'sites'})"
    if (config / "sites" / f"{args.name}.yaml").exists():
        return f"{config / 'sites' / (args.name + '.yaml')} exists already; edit it instead"
    if args.cms != "generic" and not (config / "profiles" / f"{args.cms}.yaml").exists():
        known = ", ".join(sorted(p.stem for p in (config / "profiles").glob("*.yaml")))
        return f"--cms {args.cms!r}: expected generic or a profile in {config / 'profiles'} ({known})"
    return None
