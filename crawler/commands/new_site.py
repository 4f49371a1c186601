"""`vnnews new-site NAME --domain DOMAIN`: a starting site YAML and an empty fixture folder."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ._config_files import config_root
from ._messages import shown, usage_error

NAME_SHAPE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DOMAIN_SHAPE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")

# A raw string: the regex examples are written as the YAML file shows them (single quotes, one backslash).
SITE_TEMPLATE = r"""# yaml-language-server: $schema=../schema.json
# {title_comment}: written by `vnnews new-site`; every key is explained in docs/config-reference.md.
# Check it with `vnnews validate config/sites/{name}.yaml`, try it on a page with
# `vnnews try {name} PAGE.html --explain`.
name: {name}
title: {title}
domains: [{domain}]           # the first is the main one; add www. or old host names here
profile: {profile}            # the CMS family (config/profiles/); generic = trafilatura + the Vietnamese steps
verified: assumed             # nothing checked yet; replica or real-page once checked (say against what in notes)
scheme: https
start_urls: [/]
# Where a crawl finds articles. Empty lists keep the profile's values.
discovery:
  feeds: []                   # e.g. [/rss/home.rss]
  sitemaps: []                # e.g. [/sitemap.xml]
  listings: []                # category pages, e.g. [/thoi-su/]
  listing_patterns: []        # regexes of listing paths to follow, e.g. ['^/thoi-su/(trang-\d+/)?$']
  pagination: []              # CSS selectors of next-page links, e.g. ['.pagination a']
# Which URLs are articles: regexes searched in the path (and query). Empty lists keep the profile's.
articles:
  allow: []                   # e.g. ['-\d+\.html$']
  deny: []                    # e.g. ['^/(tim-kiem|lien-he)/']
politeness:
  delay: 2.0                  # seconds between requests
  concurrency: 1
extract: {{}}
# Override the profile where this site's markup differs (CSS selectors, first match wins):
# extract:
#   title: ['h1.article-title']
#   lead: ['.sapo']
#   body: ['#article-body']
#   captions: ['figcaption']
#   published: ['.article-date']
#   date_formats: ['%d/%m/%Y %H:%M']
#   author: ['.article-author']
#   remove: ['.related-news', '.comment-box']     # added to the profile's removals
#   drop_lines: ['^Xem thêm:']                     # regexes of boilerplate paragraphs
notes: ""
"""

FIXTURE_README = """\
# Fixtures of {name}

Each saved page here guards the config of {name} (config/sites/{name}.yaml): the test suite
cleans it and compares the result with the expected files. A site without pages fails the tests.

1. Save an article page of the site here as `<page>.html`, the bytes as served
   (`curl -o tests/fixtures/sites/{name}/<page>.html URL`; a `.html.gz` is not read here).
2. Write `<page>.meta.json` with its URL, which selects the site by its domain:
   `{{"url": "https://{domain}/..."}}`
3. See what the config extracts, and what it removed and why:
   `vnnews try {name} tests/fixtures/sites/{name}/<page>.html --explain`
   Adjust config/sites/{name}.yaml until the title, metadata and text are right.
4. Record the expected output: `vnnews fixtures {name} --regenerate` writes `<page>.txt` and
   the metadata into `<page>.meta.json`. Review them (`git diff`, `git status`): they are
   the site's contract from now on.
5. `vnnews validate` and `make test` must pass.

A page the site must reject (a listing that looks like an article, say) is regenerated to a
`<page>.meta.json` with `"rejected": "<reason>"` and no `<page>.txt`.
Notes on the site's markup (which element holds what) are welcome below.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "new-site", help="write a starting site YAML and an empty fixture folder",
        description="Writes CONFIG/sites/NAME.yaml (commented) and FIXTURES/NAME/README.md; "
                    "never overwrites a site.")
    parser.add_argument("name", help="site name: lower-case letters, digits, - and _")
    parser.add_argument("--domain", required=True, help="the site's main host name, e.g. baotuyenquang.com.vn")
    parser.add_argument("--cms", default="generic", metavar="PROFILE",
                        help="CMS profile to extend (default: generic)")
    parser.add_argument("--title", help="the publication's name (default: the domain)")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/)")
    parser.add_argument("--fixtures", metavar="DIR", help="fixtures folder (default: tests/fixtures/sites)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cleaners.siteconfig import CHECKOUT_CONFIG_DIR
    from crawler.sitefixtures import default_fixtures_dir

    config = config_root(args.config)
    fixtures = Path(args.fixtures) if args.fixtures else default_fixtures_dir()
    if config.resolve() != CHECKOUT_CONFIG_DIR.resolve() and not (args.config or os.environ.get("VNNEWS_CONFIG")):
        return usage_error("new-site", f"{shown(config)} is the config shipped inside the installed package, "
                                       "not for editing: give --config DIR (or set VNNEWS_CONFIG)")
    if fixtures is None:
        return usage_error("new-site", "no tests/fixtures/sites here (it comes with a source checkout): "
                                       "give --fixtures DIR")
    problem = _check(args, config)
    if problem:
        return usage_error("new-site", problem)
    site_path = config / "sites" / f"{args.name}.yaml"
    site_path.write_text(SITE_TEMPLATE.format(**_values(args)), encoding="utf-8")
    folder = fixtures / args.name
    folder.mkdir(parents=True, exist_ok=True)
    readme = folder / "README.md"
    if not readme.exists():  # a folder kept from an earlier config keeps its notes
        readme.write_text(FIXTURE_README.format(**_values(args)), encoding="utf-8")
    print(f"wrote {shown(site_path)}\nwrote {shown(readme)}")
    print(f"next: save an article page as {shown(folder)}/<page>.html, then follow its README")
    return 0


def _values(args) -> dict[str, str]:
    title = args.title or args.domain
    # JSON strings are YAML strings: the title may hold ':' or quotes without breaking the file.
    return {"name": args.name, "domain": args.domain, "profile": args.cms,
            "title": json.dumps(title, ensure_ascii=False), "title_comment": title}


def _check(args, config: Path) -> str | None:
    if not NAME_SHAPE.match(args.name):
        return f"site name {args.name!r}: expected lower-case letters, digits, - and _ (starting with a letter or digit)"
    if not DOMAIN_SHAPE.match(args.domain):
        return f"--domain {args.domain!r}: expected a lower-case host name like baolaichau.vn (no scheme, no path)"
    if args.title is not None and (not args.title.strip() or "\n" in args.title):
        return f"--title {args.title!r}: expected the publication's name on one line"
    if not (config / "sites").is_dir():
        return f"{shown(config)}: not a config folder (expected {shown(config / 'sites')})"
    site_path = config / "sites" / f"{args.name}.yaml"
    if site_path.exists():
        return f"{shown(site_path)} exists already; edit it instead (new-site never overwrites a site)"
    if args.cms != "generic" and not (config / "profiles" / f"{args.cms}.yaml").exists():
        known = ", ".join(sorted(p.stem for p in (config / "profiles").glob("*.yaml")))
        return f"--cms {args.cms!r}: expected generic or a profile in {shown(config / 'profiles')} ({known})"
    owner = _domain_owner(config, args.domain)
    if owner:
        return f"--domain {args.domain}: already claimed by site {owner.stem} ({shown(owner)})"
    return None


def _domain_owner(config: Path, domain: str) -> Path | None:
    """The site file that lists the domain already (a page can belong to one site only)."""
    from cleaners.schema import ConfigErrors, read_yaml

    for path in sorted((config / "sites").glob("*.yaml")):
        try:
            data, _ = read_yaml(path)
        except ConfigErrors:
            continue  # a broken file is validate's business, not a reason to refuse here
        domains = data.get("domains") if isinstance(data, dict) else None
        if domain in (domains if isinstance(domains, list) else [domains]):
            return path
    return None
