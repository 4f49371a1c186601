"""The cleaning core: page bytes (and URL, site) in, one corpus document or a rejection out.

    decode -> parse -> choose rules (site config, detected CMS profile, or generic)
           -> structural extraction (selectors, cleaners/extract.py; or generic mode,
              cleaners/generic.py: trafilatura checked against the article region)
           -> text steps (cleaners/steps.py) -> gates (cleaners/gates.py: headline, article,
              length, language; steps too) -> metadata
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .decode import DecodeError, decode_html
from .document import CleanResult, Document, Rejected, Removal
from .extract import Block, DomExtraction, css, extract_with_rules, parse_html
from .generic import extract_generic, generic_lead, generic_title
from .gates import DEFAULT_GATES
from .siteconfig import ConfigRegistry, ResolvedSite
from .steps import DEFAULT_STEPS, PageState, run_steps
from .structured import structured_metadata
from .vi.bylines import clean_author
from .vi.dates import is_header_clock, parse_iso_like, parse_vietnamese_date

GENERIC = "generic"
ARTICLE_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)


@dataclass
class Target:
    """The rules chosen for a page: a configured site, a detected CMS, or generic mode."""

    site: str
    cms: str
    resolved: ResolvedSite | None


class Cleaner:
    """Holds the configs (loaded and compiled once) and cleans pages with them."""

    def __init__(self, registry: ConfigRegistry | None = None, steps=DEFAULT_STEPS, gates=DEFAULT_GATES):
        self.registry = registry if registry is not None else ConfigRegistry()
        self.steps = steps  # the text steps (cleaners/steps.py)
        self.gates = gates  # then the gates (cleaners/gates.py): same interface, keep or reject the page
        self._drop_line_cache: dict[str, list[re.Pattern]] = {}

    # public -------------------------------------------------------------------------------
    def clean(self, body: bytes | str, url: str | None = None, site: str | None = None,
              content_type: str | None = None, explain: bool = False,
              expect_lang: str | None = None, any_page: bool = False) -> CleanResult:
        """Clean one page. `site`: a configured site name, "generic", or None to choose by URL/CMS.
        `expect_lang`: language the text must be in ("any" to accept all); default: the site's.
        `any_page`: keep the main text of any page: no home, error, listing or length gates
        (for measuring extraction on non-news pages; the corpus never uses it)."""
        result = CleanResult(status="rejected", url=url)
        try:
            self._clean(body, url, site, content_type, expect_lang, any_page, result)
            result.status = "ok"
        except Rejected as rejection:
            result.reason, result.detail, result.document = rejection.reason, rejection.detail, None
        if not explain:
            result.removed = []
        return result

    # stages -------------------------------------------------------------------------------
    def _clean(self, body, url, site, content_type, expect_lang, any_page, result: CleanResult) -> None:
        tree = self._parse(body, content_type)
        structured = structured_metadata(tree)
        url = _splittable(url) or _splittable(structured.get("url"))
        result.url = url
        target = self.choose_target(tree, url, site, structured)
        result.site, result.cms = target.site, target.cms
        extraction = self._extract(tree, url, target, structured, result)
        page = self._page_state(extraction, target, url, expect_lang, any_page)
        try:
            run_steps(page, self.steps)
            run_steps(page, self.gates)  # they raise Rejected: what ran until then is still reported
        finally:
            result.removed.extend(page.removed)
            for step, count in page.counts.items():
                result.counts[step] = result.counts.get(step, 0) + count
        document = self._document(page, structured, target, url)
        document.lang, document.lang_prob = page.lang, page.lang_prob
        result.document = document

    def _parse(self, body, content_type):
        if isinstance(body, bytes):
            try:
                text = decode_html(body, content_type).text
            except DecodeError as exc:
                raise Rejected(exc.reason, exc.detail) from None
        else:
            text = body
        tree = parse_html(text)
        if tree is None:
            raise Rejected("not-article", "empty page: no HTML document")
        return tree

    def choose_target(self, tree, url, site, structured) -> Target:
        if site == GENERIC:
            return Target(GENERIC, GENERIC, None)
        if site:
            if site not in self.registry.sites:
                known = ", ".join(sorted(self.registry.sites)) or "none"
                raise ValueError(f"unknown site {site!r}; configured sites: {known}, or 'generic'")
            resolved = self.registry.resolve(site)
            return Target(site, resolved.cms, resolved)
        configured = self.registry.site_for_url(url)
        if configured:
            resolved = self.registry.resolve(configured)
            return Target(configured, resolved.cms, resolved)
        profile = self.detect_cms(tree, url, structured)
        if profile:
            return Target(GENERIC, profile, self.registry.resolve_profile(profile))
        return Target(GENERIC, GENERIC, None)

    def detect_cms(self, tree, url, structured) -> str | None:
        """The most specific profile whose fingerprints the page has (generator meta, DOM, URL)."""
        generator = structured.get("generator", "")
        path = urlsplit(url).path if url else ""
        best, depth = None, -1
        for name, profile in self.registry.profiles.items():
            detect = profile.detect
            if not (detect.generator or detect.selectors):
                continue
            if detect.generator and not re.search(detect.generator, generator):
                if not detect.selectors or generator:
                    continue
            # the URL first: a regex on the path costs nothing beside a selector's walk of the page
            if detect.url_patterns and path and not any(re.search(p, path) for p in detect.url_patterns):
                continue
            if not all(css(s)(tree) for s in detect.selectors):
                continue
            chain_depth = len(self.registry.profile_chain(name))
            if chain_depth > depth:
                best, depth = name, chain_depth
        return best

    def _extract(self, tree, url, target: Target, structured, result) -> DomExtraction:
        if target.resolved is None:
            return extract_generic(tree, url, structured)
        extraction = extract_with_rules(tree, target.resolved.extract)
        result.misses = list(extraction.misses)
        for name, selectors in extraction.misses:
            result.notes.append(f"selector miss: {name} {selectors} matched nothing on this page")
        result.notes.extend(extraction.notes)
        if extraction.body_found:
            self._fill_gaps(tree, extraction, structured, result)
            return extraction
        body_selectors = target.resolved.extract.body
        if not body_selectors:
            # a site added with a minimal YAML (`profile: generic`, no extract.body): generic mode,
            # as the site template promises, with whatever else the config names (title, remove…)
            result.notes.append("generic extraction: the config names no body selectors")
        elif not _declares_article(structured):
            raise Rejected("not-article", f"no article body: body selectors ({', '.join(body_selectors)}) "
                                          "matched nothing")
        else:
            result.counts["fallback/generic"] = 1
            result.notes.append(f"fallback: generic extraction, because the body selectors matched nothing and "
                                f"the page declares an article ({structured.get('type')})")
        fallback = extract_generic(tree, url, structured)
        fallback.metadata = {**extraction.metadata, **fallback.metadata}
        fallback.title = extraction.title or fallback.title
        return fallback

    @staticmethod
    def _fill_gaps(tree, extraction: DomExtraction, structured, result) -> None:
        """Selectors are strong hints; where one missed on this page (a theme variant), the
        generic structural rule finds the element instead of dropping its text."""
        missed = {name for name, _ in extraction.misses}
        if extraction.title is None:
            extraction.title = generic_title(tree, structured)
            if extraction.title:
                result.notes.append(f"fallback: headline {extraction.title!r} found by the generic rule "
                                    "(h1 / structured data)")
        has_lead = any(b.kind == "lead" for b in extraction.blocks)  # found by structure already
        if "lead" in missed and not has_lead and extraction.region is not None:
            lead = generic_lead(extraction.region, outside=extraction.body_element)
            if lead and not any(lead in b.text for b in extraction.blocks[:3]):
                extraction.blocks.insert(0, Block(lead, "lead"))
                result.notes.append("fallback: lead found by the generic rule (a sapo/lead class in the "
                                    "article region)")

    def _page_state(self, extraction: DomExtraction, target: Target, url, expect_lang, any_page) -> PageState:
        rules = target.resolved.extract if target.resolved else None
        page = PageState(
            title=extraction.title,
            blocks=extraction.blocks,
            metadata=dict(extraction.metadata),
            removed=[Removal(r.step, r.rule, r.text) for r in extraction.removed],
            drop_line_patterns=self._drop_lines(target),
            trailing_byline=bool(rules and rules.trailing_byline),
            url=url,
            not_article=extraction.not_article,
            min_chars=rules.min_chars if rules else None,
            expect_lang=expect_lang or (target.resolved.site.language if target.resolved else "vi"),
            any_page=any_page,
        )
        for removal in extraction.removed:  # the structural removals, counted per step like the others
            page.counts[removal.step] = page.counts.get(removal.step, 0) + 1
        return page

    def _drop_lines(self, target: Target) -> list[re.Pattern]:
        if target.resolved is None:
            return []
        key = f"{target.site}/{target.cms}"
        if key not in self._drop_line_cache:
            patterns = target.resolved.extract.drop_lines
            self._drop_line_cache[key] = [re.compile(p, re.IGNORECASE) for p in patterns]
        return self._drop_line_cache[key]

    def _document(self, page: PageState, structured, target: Target, url) -> Document:
        formats = (target.resolved.extract.date_formats if target.resolved else None) or ()
        paragraphs = [b.text for b in page.blocks]
        meta = page.metadata
        return Document(
            title=page.title or "",
            paragraphs=paragraphs,
            url=url,
            site=target.site,
            cms=target.cms,
            published=_published(meta, structured, formats),
            author=clean_author(meta.get("author") or structured.get("author") or meta.get("author_near_headline")),
            source=meta.get("source"),
            kicker=meta.get("kicker"),
            category=meta.get("category") or (structured.get("section") if target.resolved is None else None),
        )


def _splittable(url: str | None) -> str | None:
    """The URL if urlsplit accepts it: a page's canonical link like "http://[::1/x" (unbalanced
    "[") must not crash the page; it names no site, so the CMS or generic rules apply."""
    if not url:
        return None
    try:
        urlsplit(url)
    except ValueError:
        return None
    return url


def _declares_article(structured: dict) -> bool:
    return bool(ARTICLE_TYPES.search(structured.get("type", "") or ""))


def _published(meta: dict, structured: dict, formats) -> str | None:
    """The visible date the site config points at, then structured data, then a date line in the text.
    A header clock is the time the page was served: never a publication date."""
    for key in ("published", "published_text"):
        text = meta.get(key)
        if text and not is_header_clock(text):
            parsed = parse_vietnamese_date(text, formats)
            if parsed:
                return parsed
    value = structured.get("published")
    if value:
        return parse_iso_like(value) or parse_vietnamese_date(value) or None
    near = meta.get("published_near_headline")  # generic mode: the date element by the headline
    if near:
        return parse_iso_like(near) or parse_vietnamese_date(near, formats) or None
    return None
