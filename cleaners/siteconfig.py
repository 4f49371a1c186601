"""The config model: CMS profiles (config/profiles/*.yaml) and sites (config/sites/*.yaml).

Knowledge about a CMS lives in its profile, knowledge about one site in its YAML, which
names the profile it extends and overrides selectors, date formats and removals.
Everything is validated when loaded: nothing runs with a broken config.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from .schema import ConfigError, ConfigErrors, build, field, read_yaml

CHECKOUT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
SHIPPED_CONFIG_PACKAGE = "vnnews_config"  # the wheel's copy of config/ (pyproject.toml, package-dir)


def config_dir() -> Path:
    """The config folder: $VNNEWS_CONFIG, else config/ of the source checkout these packages are
    in, else the profiles and sites shipped in the installed package (`--config DIR` overrides all)."""
    if os.environ.get("VNNEWS_CONFIG"):
        return Path(os.environ["VNNEWS_CONFIG"])
    if (CHECKOUT_CONFIG_DIR / "profiles").is_dir():
        return CHECKOUT_CONFIG_DIR
    return shipped_config_dir()


def shipped_config_dir() -> Path:
    """The folder of the installed `vnnews_config` package data (profiles/, sites/, schema.json)."""
    from importlib import resources

    try:
        root = resources.files(SHIPPED_CONFIG_PACKAGE)
    except ModuleNotFoundError:
        root = None
    if not isinstance(root, Path) or not (root / "profiles").is_dir():  # e.g. not installed, or zipped
        raise ConfigErrors([ConfigError(str(CHECKOUT_CONFIG_DIR), None, "", (
            f"no config folder: neither {CHECKOUT_CONFIG_DIR} (a source checkout) nor the installed "
            f"{SHIPPED_CONFIG_PACKAGE} package data in a folder; give --config DIR or set VNNEWS_CONFIG"))])
    return root


@dataclass
class FieldRule:
    """Where a metadata value is on the page: a CSS selector, optionally an attribute and a label."""

    shorthand = "css"  # a plain string in YAML means {css: "..."}
    css: str = field(doc="CSS selector of the element holding the value", kind="css")
    attr: str | None = field(None, doc="take this attribute instead of the element's text")
    label: str | None = field(None, doc="regex the text must start with; it is stripped from the value",
                              kind="regex")


@dataclass
class UrlRewrite:
    """A regex rewrite of a URL's `path?query` into its canonical form (after normalization)."""

    pattern: str = field(doc="regex matched against path?query (query parameters sorted)", kind="regex")
    replace: str = field(doc="replacement, with \\1-style groups")


@dataclass
class ExtractRules:
    """How to take an article apart. Unset keys inherit from the profile; remove and drop_lines add to it."""

    title: list[str] | None = field(None, doc="CSS selectors of the headline, first match wins", kind="css")
    lead: list[str] | None = field(None, doc="CSS selectors of the lead (sapo) element", kind="css")
    body: list[str] | None = field(None, doc="CSS selectors of the article body container, first match wins "
                                             "(none here or in the profile: generic extraction)", kind="css")
    captions: list[str] | None = field(None, doc="CSS selectors of caption elements (kept once)", kind="css")
    image_text: list[str] | None = field(
        None, doc="CSS selectors of visible image titles/alt lines: dropped when a caption or the title repeats them",
        kind="css")
    remove: list[str] = field([], doc="CSS selectors of elements removed before extraction", kind="css")
    body_end: list[str] | None = field(
        None, doc="CSS selectors of elements inside the body where the article ends (it and what follows go)",
        kind="css")
    drop_lines: list[str] = field([], doc="regexes of whole lines (paragraphs) that are boilerplate here",
                                  kind="regex")
    published: list[FieldRule] | None = field(None, doc="where the publication date is")
    date_formats: list[str] | None = field(None, doc="strptime formats tried first on the date text")
    author: list[FieldRule] | None = field(None, doc="where the byline is")
    source: list[FieldRule] | None = field(None, doc="where the source (Nguồn tin) is")
    kicker: list[FieldRule] | None = field(None, doc="where the kicker above the headline is")
    category: list[FieldRule] | None = field(None, doc="where the category label is")
    trailing_byline: bool | None = field(
        None, doc="the body's last paragraph is the byline when it is a short name line (moved to author)")
    min_chars: int | None = field(None, doc="shortest article body accepted, in characters")


@dataclass
class Detect:
    """How to recognize a page of this CMS when its site is not configured."""

    generator: str | None = field(None, doc="regex matched against <meta name=generator>", kind="regex")
    selectors: list[str] = field([], doc="CSS selectors that all match on an article page of this CMS",
                                 kind="css")
    url_patterns: list[str] = field([], doc="regexes of article URL paths of this CMS", kind="regex")


@dataclass
class Discovery:
    """Where a crawl finds article links. URLs may be absolute paths, resolved on the site's base URL."""

    feeds: list[str] = field([], doc="RSS/Atom feed URLs", kind="url_or_path")
    sitemaps: list[str] = field([], doc="sitemap (or sitemap index) URLs", kind="url_or_path")
    listings: list[str] = field([], doc="category/listing page URLs", kind="url_or_path")
    listing_patterns: list[str] = field(
        [], doc="regexes of URL paths that are listing pages to follow (pagination, categories)", kind="regex")
    pagination: list[str] = field([], doc="CSS selectors of next-page links on listing pages", kind="css")
    max_listing_pages: int = field(50, doc="how many pages deep a listing is followed")


@dataclass
class ArticleRules:
    """Which URLs are articles."""

    allow: list[str] = field([], doc="regexes (searched in the URL path and query) of article URLs",
                             kind="regex")
    deny: list[str] = field([], doc="regexes of URLs never fetched as articles", kind="regex")


@dataclass
class Politeness:
    """How gently to crawl this site."""

    delay: float = field(1.0, doc="seconds between requests to the site")
    concurrency: int = field(1, doc="parallel requests to the site")
    autothrottle: bool = field(True, doc="adapt the delay to the server's response times")


@dataclass
class Profile:
    """A CMS family: detection fingerprints, default discovery and extraction rules."""

    name: str = field(doc="profile name, equal to the file name without .yaml", kind="name")
    description: str = field("", doc="what this CMS is and where its facts come from")
    extends: str | None = field(None, doc="another profile whose rules this one starts from", kind="name")
    detect: Detect = field(Detect(), doc="fingerprints of the CMS")
    discovery: Discovery = field(Discovery(), doc="default discovery (paths resolved per site)")
    articles: ArticleRules = field(ArticleRules(), doc="default article URL patterns")
    extract: ExtractRules = field(ExtractRules(), doc="extraction rules")
    canonical_rewrites: list[UrlRewrite] = field(
        [], doc="rewrites of URL variants (front controllers, old schemes) to the canonical URL")


@dataclass
class Site:
    """One news site: its domains, where to start, and what differs from its CMS profile."""

    name: str = field(doc="site (spider) name, equal to the file name without .yaml", kind="name")
    title: str = field(doc="the publication's name")
    domains: list[str] = field(doc="host names of the site; the first is the main one", kind="domain")
    profile: str = field("generic", doc="CMS profile this site extends", kind="name")
    verified: str = field(
        "assumed", doc="what the config was checked against: real-page (pages the site really served give "
                       "their hand-made gold), replica (only our reconstruction of the site), assumed (nothing "
                       "yet); the YAML says which pages", choices=("real-page", "replica", "assumed"))
    language: str = field("vi", doc="expected language (ISO 639-1)")
    scheme: str = field("https", doc="URL scheme of the live site", choices=("http", "https"))
    start_date: str | None = field(None, doc="ignore articles published before this date", kind="date")
    start_urls: list[str] = field([], doc="home and category pages to start from", kind="url_or_path")
    discovery: Discovery | None = field(None, doc="discovery; unset keys come from the profile")
    articles: ArticleRules | None = field(None, doc="article URL patterns; unset keys come from the profile")
    politeness: Politeness = field(Politeness(), doc="delay and concurrency")
    extract: ExtractRules = field(ExtractRules(), doc="overrides of the profile's extraction rules")
    canonical_rewrites: list[UrlRewrite] = field(
        [], doc="more canonical-URL rewrites, applied after the profile's")
    notes: str = field("", doc="anything a maintainer should know (placeholder domains, quirks)")
    enabled: bool = field(True, doc="false: `vnnews crawl --all` skips the site (listed as disabled by "
                                     "`vnnews sites`); naming it still crawls it")

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domains[0]}"

    def absolute(self, url_or_path: str) -> str:
        return url_or_path if "://" in url_or_path else self.base_url + url_or_path

    def owns(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)


def _merge_lists(base: list, extra: list) -> list:
    return list(base) + [item for item in extra if item not in base]


def merge_rules(base: ExtractRules, override: ExtractRules) -> ExtractRules:
    """Override wins where set; removals and dropped-line patterns accumulate."""
    merged = {}
    for fld in dataclasses.fields(ExtractRules):
        mine, theirs = getattr(override, fld.name), getattr(base, fld.name)
        if fld.name in ("remove", "drop_lines"):
            merged[fld.name] = _merge_lists(theirs, mine)
        else:
            merged[fld.name] = theirs if mine is None else mine
    return ExtractRules(**merged)


def _merge_simple(cls, base, override):
    if override is None:
        return base
    values = {}
    for fld in dataclasses.fields(cls):
        default = fld.default if fld.default is not dataclasses.MISSING else fld.default_factory()
        mine = getattr(override, fld.name)
        values[fld.name] = getattr(base, fld.name) if mine == default else mine
    return cls(**values)


@dataclass
class ResolvedSite:
    """A site with its profile chain applied: what crawling and cleaning use."""

    site: Site
    profile_chain: list[Profile]
    extract: ExtractRules
    discovery: Discovery
    articles: ArticleRules
    canonical_rewrites: list[UrlRewrite]

    @property
    def name(self) -> str:
        return self.site.name

    @property
    def cms(self) -> str:
        return self.profile_chain[-1].name if self.profile_chain else "generic"

    @cached_property
    def allow_res(self) -> list[re.Pattern]:
        return [re.compile(p) for p in self.articles.allow]

    @cached_property
    def deny_res(self) -> list[re.Pattern]:
        return [re.compile(p) for p in self.articles.deny]

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        tail = parts.path + ("?" + parts.query if parts.query else "")
        if any(p.search(tail) for p in self.deny_res):
            return False
        return any(p.search(tail) for p in self.allow_res)


class ConfigRegistry:
    """All profiles and sites of a config folder, loaded and validated once."""

    def __init__(self, root: Path | None = None, skip_broken_sites: bool = False):
        """skip_broken_sites: a site file with problems is left out and its problems kept in
        `broken` (site name -> errors) instead of failing the whole folder, so one bad YAML
        does not stop the other sites' crawl. Problems of profiles always fail the folder."""
        self.root = Path(root) if root else config_dir()
        self.skip_broken_sites = skip_broken_sites
        self.profiles: dict[str, Profile] = {}
        self.sites: dict[str, Site] = {}
        self.broken: dict[str, list[ConfigError]] = {}
        self._raw: list[tuple[Path, type, object, dict]] = []  # every readable file, valid or not
        self._resolved: dict[str, ResolvedSite] = {}
        self._load()

    # loading ---------------------------------------------------------------------------
    def _load(self) -> None:
        if not (self.root / "profiles").is_dir() and not (self.root / "sites").is_dir():
            # An empty registry would only show up later as "spider not found" or every page
            # cleaned in generic mode: say where we looked instead.
            raise ConfigErrors([ConfigError(str(self.root), None, "", "not a config folder: expected its "
                                            "profiles/ and sites/ folders (set VNNEWS_CONFIG or --config "
                                            "to the folder that holds them)")])
        errors: list[ConfigError] = []
        for path in sorted((self.root / "profiles").glob("*.yaml")):
            self._load_one(path, Profile, self.profiles, errors)
        for path in sorted((self.root / "sites").glob("*.yaml")):
            self._load_one(path, Site, self.sites, errors)
        errors.extend(self._check_references())
        if errors and self.skip_broken_sites:
            errors = self._set_aside_broken_sites(errors)
        if errors:
            raise ConfigErrors(errors)

    def _set_aside_broken_sites(self, errors: list[ConfigError]) -> list[ConfigError]:
        """Keep the errors of site files in self.broken (and drop those sites); return the rest."""
        sites_dir = (self.root / "sites").resolve()
        rest = []
        for error in errors:
            path = Path(error.file)
            if path.suffix == ".yaml" and path.resolve().parent == sites_dir:
                self.broken.setdefault(path.stem, []).append(error)
                self.sites.pop(path.stem, None)
            else:
                rest.append(error)
        return rest

    def _load_one(self, path: Path, cls, into: dict, errors: list) -> None:
        """Every problem of the file at once: duplicate keys, the model's checks, the name, and
        (in _check_references) the profile it names, whether or not the rest is valid."""
        try:
            data, lines = read_yaml(path, errors)
        except ConfigErrors as exc:  # a syntax error: nothing more can be read
            errors.extend(exc.errors)
            return
        self._raw.append((path, cls, data, lines))
        name = data.get("name") if isinstance(data, dict) else None
        if isinstance(name, str) and name != path.stem:
            errors.append(ConfigError(str(path), lines.get(("name",)), "name",
                                      f"expected {path.stem!r} (the file name), got {name!r}"))
        try:
            item = build(cls, data, str(path), lines)
        except ConfigErrors as exc:
            errors.extend(exc.errors)
            return
        if item.name == path.stem:
            into[item.name] = item

    def _check_references(self) -> list[ConfigError]:
        errors = []
        # the profile a file names, read from its raw data: a file with other problems (or a
        # wrong name) still gets this one reported in the same pass
        known = {path.stem for path, cls, _, _ in self._raw if cls is Profile}
        for path, cls, data, lines in self._raw:
            key = "extends" if cls is Profile else "profile"
            wanted = data.get(key) if isinstance(data, dict) else None
            if isinstance(wanted, str) and wanted != "generic" and wanted not in known:
                errors.append(self._missing_profile(path.parent.name, path.stem, key, wanted,
                                                    lines.get((key,))))
        owners: dict[str, str] = {}
        for site in self.sites.values():
            for domain in site.domains:
                if domain in owners:
                    errors.append(ConfigError(str(self.root / "sites" / f"{site.name}.yaml"), None, "domains",
                                              f"domain {domain} is already claimed by site {owners[domain]}"))
                owners[domain] = site.name
        return errors

    def _missing_profile(self, folder, name, key, wanted, line=None) -> ConfigError:
        known = ", ".join(sorted(p.stem for p, cls, _, _ in self._raw if cls is Profile)) or "none"
        return ConfigError(str(self.root / folder / f"{name}.yaml"), line, key,
                           f"expected the name of a profile in {self.root / 'profiles'} ({known}), got {wanted!r}")

    # lookups ---------------------------------------------------------------------------
    def profile_chain(self, name: str) -> list[Profile]:
        chain, seen = [], set()
        while name and name != "generic" and name not in seen:
            seen.add(name)
            profile = self.profiles[name]
            chain.insert(0, profile)
            name = profile.extends
        return chain

    def resolve(self, site_name: str) -> ResolvedSite:
        if site_name not in self._resolved:
            site = self.sites[site_name]
            self._resolved[site_name] = self._resolve(site, self.profile_chain(site.profile))
        return self._resolved[site_name]

    def resolve_profile(self, profile_name: str) -> ResolvedSite:
        """A pseudo-site for a page of an unconfigured site recognized by its CMS."""
        key = "profile:" + profile_name
        if key not in self._resolved:
            site = Site(name=profile_name, title=profile_name, domains=["unknown.invalid"], profile=profile_name)
            self._resolved[key] = self._resolve(site, self.profile_chain(profile_name))
        return self._resolved[key]

    @staticmethod
    def _resolve(site: Site, chain: list[Profile]) -> ResolvedSite:
        rules, discovery, articles = ExtractRules(), Discovery(), ArticleRules()
        for profile in chain:
            rules = merge_rules(rules, profile.extract)
            discovery = _merge_simple(Discovery, discovery, profile.discovery)
            articles = _merge_simple(ArticleRules, articles, profile.articles)
        rules = merge_rules(rules, site.extract)
        discovery = _merge_simple(Discovery, discovery, site.discovery)
        articles = _merge_simple(ArticleRules, articles, site.articles)
        rewrites = [r for profile in chain for r in profile.canonical_rewrites] + site.canonical_rewrites
        return ResolvedSite(site, chain, rules, discovery, articles, rewrites)

    def site_for_url(self, url: str | None) -> str | None:
        if not url:
            return None
        host = (urlsplit(url).hostname or "").lower()
        # The most specific domain wins: a district portal x.backan.gov.vn under backan.gov.vn.
        best, best_length = None, -1
        for site in self.sites.values():
            for domain in site.domains:
                if (host == domain or host.endswith("." + domain)) and len(domain) > best_length:
                    best, best_length = site.name, len(domain)
        return best
