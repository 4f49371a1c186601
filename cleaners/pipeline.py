"""The cleaning core: page bytes (and URL, site) in, one corpus document or a rejection out.

    decode -> parse -> choose rules (site config, detected CMS profile, or generic)
           -> structural extraction (selectors, or trafilatura in generic mode)
           -> text steps (cleaners/steps.py) -> metadata -> gates (article, length, language)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .decode import DecodeError, decode_html
from .document import CleanResult, Document, Rejected, Removal
from .extract import Block, DomExtraction, Removed, css, extract_with_rules, parse_html
from .language import detect_language
from .siteconfig import ConfigRegistry, ResolvedSite
from .steps import DEFAULT_STEPS, PageState, run_steps
from .structured import structured_metadata
from .vi import boilerplate
from .vi.dates import is_date_line, is_header_clock, parse_iso_like, parse_vietnamese_date
from .vi.bylines import clean_author
from .vi.text import collapse_whitespace

GENERIC = "generic"
DEFAULT_MIN_CHARS = 120  # a two-paragraph brief is longer; a listing stub or error page is not
MIN_TEASER_CHARS = 20
MAX_BLOCKS_FOR_FALLBACK = 3000  # a long article has a few hundred paragraphs and boxes
MAX_LINK_SHARE = 0.6
LISTING_SHARE = 0.5  # link lines above this share of the text make the page a listing  # an article links a few words; a listing or home page is mostly links
ARTICLE_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)


@dataclass
class Target:
    """The rules chosen for a page: a configured site, a detected CMS, or generic mode."""

    site: str
    cms: str
    resolved: ResolvedSite | None


class Cleaner:
    """Holds the configs (loaded and compiled once) and cleans pages with them."""

    def __init__(self, registry: ConfigRegistry | None = None, steps=DEFAULT_STEPS):
        self.registry = registry if registry is not None else ConfigRegistry()
        self.steps = steps
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
        if extraction.link_share > MAX_LINK_SHARE and not any_page:
            raise Rejected("not-article", f"listing page: {extraction.link_share:.0%} of the text is link text")
        page = self._run_steps(extraction, target)
        result.removed.extend(page.removed)
        result.counts.update(page.counts)
        document = self._document(page, structured, target, url)
        if any_page:
            self._gate_any_page(document, expect_lang)
        else:
            self._gate(document, page, target, expect_lang, url)
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
            if not all(css(s)(tree) for s in detect.selectors):
                continue
            if detect.url_patterns and path and not any(re.search(p, path) for p in detect.url_patterns):
                continue
            chain_depth = len(self.registry.profile_chain(name))
            if chain_depth > depth:
                best, depth = name, chain_depth
        return best

    def _extract(self, tree, url, target: Target, structured, result) -> DomExtraction:
        if target.resolved is not None:
            extraction = extract_with_rules(tree, target.resolved.extract)
            if extraction.body_found:
                return extraction
            if not _declares_article(structured):
                selectors = ", ".join(target.resolved.extract.body or []) or "none configured"
                raise Rejected("not-article", f"no article body: body selectors ({selectors}) matched nothing")
            result.counts["fallback/generic"] = 1
            fallback = extract_generic(tree, url, structured)
            fallback.metadata = {**extraction.metadata, **fallback.metadata}
            fallback.title = extraction.title or fallback.title
            return fallback
        return extract_generic(tree, url, structured)

    def _run_steps(self, extraction: DomExtraction, target: Target) -> PageState:
        rules = target.resolved.extract if target.resolved else None
        page = PageState(
            title=extraction.title,
            blocks=extraction.blocks,
            metadata=dict(extraction.metadata),
            removed=[Removal("structure", r.rule, r.text) for r in extraction.removed],
            drop_line_patterns=self._drop_lines(target),
            trailing_byline=bool(rules and rules.trailing_byline),
        )
        if extraction.removed:
            page.counts["structure"] = len(extraction.removed)
        return run_steps(page, self.steps)

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
            author=clean_author(meta.get("author") or structured.get("author")),
            source=meta.get("source"),
            kicker=meta.get("kicker"),
            category=meta.get("category") or (structured.get("section") if target.resolved is None else None),
        )

    def _gate(self, document: Document, page: PageState, target: Target, expect_lang, url) -> None:
        if not document.title and not document.paragraphs:
            raise Rejected("not-article", "no headline and no text")
        if not document.title:
            raise Rejected("not-article", "no headline found")
        if url and _is_home_page(url):
            raise Rejected("not-article", f"home page: {url}")
        if boilerplate.NOT_FOUND_TITLES.search(document.title):
            raise Rejected("not-article", f"error page: {document.title!r}")
        body_chars = sum(len(p) for p in document.paragraphs)
        minimum = _min_chars(target)
        if body_chars < minimum:
            reason = "not-article" if body_chars == 0 else "too-short"
            raise Rejected(reason, f"{body_chars} characters of text, at least {minimum} needed")
        wanted = expect_lang or (target.resolved.site.language if target.resolved else "vi")
        self._gate_language(document, wanted)

    def _gate_any_page(self, document: Document, expect_lang) -> None:
        if not document.paragraphs:
            raise Rejected("not-article", "no text found")
        self._gate_language(document, expect_lang or "vi")

    @staticmethod
    def _gate_language(document: Document, wanted: str) -> None:
        lang, prob = detect_language(document.text)
        document.lang, document.lang_prob = lang, prob
        if wanted != "any" and lang != wanted:
            raise Rejected("not-vietnamese" if wanted == "vi" else "not-article",
                           f"language {lang} (p={prob}), expected {wanted}")


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


HOME_PATHS = ("", "index.php", "index.html", "index.htm", "default.aspx", "vi", "en", "vn")


def _is_home_page(url: str) -> bool:
    """The site's front page; '/?p=3289' (WordPress) or '/index.php?nv=news&op=…' are articles."""
    parts = urlsplit(url)
    return not parts.query and parts.path.strip("/").lower() in HOME_PATHS


def _min_chars(target: Target) -> int:
    if target.resolved is not None and target.resolved.extract.min_chars is not None:
        return target.resolved.extract.min_chars
    return DEFAULT_MIN_CHARS


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
    return None


# --- generic mode -------------------------------------------------------------------------

# Elements of trafilatura's output tree that are paragraphs of ours.
_TEXT_ELEMENTS = {"p": "body", "head": "heading", "item": "body", "quote": "body", "cell": "body", "code": "body"}
# Elements that hold the lead (sapo) on Vietnamese news sites, which whole-page heuristics often drop.
GENERIC_LEAD_SELECTORS = ("[class*=sapo]", "[class*=Sapo]", ".article__lead", "p.description", "h2.description",
                          ".lead", ".chapeau", ".article-summary", ".detail-summary")


def extract_generic(tree, url, structured) -> DomExtraction:
    """Trafilatura finds the main text; the Vietnamese steps clean it afterwards."""
    import trafilatura

    # include_images keeps captions (they are content on Vietnamese news pages);
    # include_links stays off: it changes trafilatura's link-density pruning for the worse.
    out = DomExtraction(title=generic_title(tree, structured))
    # No hidden-element removal here: on unknown sites "hidden" often marks content that
    # scripts reveal (tabs, responsive layouts); trafilatura judges visibility itself.
    lead = generic_lead(tree)
    anchors = link_texts(tree)  # before trafilatura, which prunes the tree it is given
    # output_format "txt": the same extraction, but the Document carries the body tree without
    # the plain-text rendering ("python" would also build), which nothing here reads.
    found = trafilatura.bare_extraction(tree, url=url, include_comments=False, include_tables=True,
                                        include_images=True, include_links=False, deduplicate=False,
                                        with_metadata=False, fast=_too_many_blocks(tree),
                                        output_format="txt")
    body = getattr(found, "body", None)
    out.blocks = _blocks_from_extraction(body) if body is not None else []
    if lead and not any(lead in b.text or b.text in lead for b in out.blocks[:3]):
        out.blocks.insert(0, Block(lead, "lead"))
    out.blocks = _drop_link_lines(out.blocks, anchors, out.removed)
    out.body_found = bool(out.blocks)
    out.link_share = link_share([a for a in anchors if len(a) >= MIN_TEASER_CHARS], out.blocks)
    return out


def _too_many_blocks(tree) -> bool:
    """Trafilatura's fallback (jusText) takes time quadratic in the number of short paragraphs:
    beyond a few thousand, skip it rather than let one page stall a crawl."""
    return tree.xpath("count(//p|//div|//li|//br|//td)") > MAX_BLOCKS_FOR_FALLBACK


def link_texts(tree) -> set[str]:
    """The texts of the page's links (menus, teasers, related articles)."""
    return {t for t in (collapse_whitespace(a.text_content()) for a in tree.iter("a")) if t}


def _drop_link_lines(blocks, anchors, removed) -> list[Block]:
    """A paragraph that is one of the page's links (or part of one) is a teaser, menu or
    'read also' line: prose is not written inside a link."""
    long_anchors = [a for a in anchors if len(a) >= MIN_TEASER_CHARS]

    def is_link(block) -> bool:
        text = block.text
        return block.kind != "caption" and (
            text in anchors or (len(text) >= MIN_TEASER_CHARS and any(text in a for a in long_anchors)))

    # A teaser's own date line ("00:12 , 20/07/2026") neither breaks nor makes a run.
    teaser_dates = [len(b.text) < 40 and is_date_line(b.text) for b in blocks]
    flags = [is_link(b) for b in blocks]
    runs = [i for i in range(len(blocks)) if not teaser_dates[i]]  # the blocks that count
    # Teasers come in runs or close the page; one linked line between paragraphs is a
    # linked heading or a reference that belongs to the text.
    last_prose = max((p for p, i in enumerate(runs) if not flags[i]), default=-1)
    doomed = set()
    for position, index in enumerate(runs):
        if not flags[index]:
            continue
        before = position > 0 and flags[runs[position - 1]]
        after = position + 1 < len(runs) and flags[runs[position + 1]]
        closing = position > last_prose
        if before or after or closing:
            doomed.add(index)
    total = sum(len(b.text) for b in blocks)
    if sum(len(blocks[i].text) for i in doomed) > LISTING_SHARE * total:
        return blocks  # a page made of links is a listing: its links are its text (the gate decides)
    kept = []
    for index, block in enumerate(blocks):
        if index in doomed:
            removed.append(Removed("link line", block.text[:200]))
        else:
            kept.append(block)
    return kept


def link_share(anchors, blocks) -> float:
    """How much of the remaining text is link text: a listing glued into paragraphs is mostly links."""
    text = "\n".join(b.text for b in blocks)
    if not text:
        return 0.0
    # Each distinct link text once: a name linked many times is not a listing.
    return min(1.0, sum(len(a) for a in anchors if a in text) / len(text))


def generic_lead(tree) -> str | None:
    """The first lead-like element in document order."""
    for element in _LEAD_MATCHER(tree):
        text = " ".join(element.text_content().split())
        if 40 <= len(text) <= 1000:
            return text
    return None


class ClassSelectors:
    """What CSSSelector(", ".join(selectors)) returns, for selectors of the forms
    `[class*=text]`, `.name` and `tag.name`, found with one look at each class attribute.

    The CSS union is an XPath union: one walk of the tree per selector, evaluating string
    functions on every element. Here the class attributes are listed once, in document
    order, and tested in Python with the CSS meaning: `[class*=x]` is a substring of the
    attribute, `.x` one of its words split on XML whitespace (space, tab, CR, LF), as the
    translated XPath's normalize-space does; tag names are lower case in a parsed HTML tree."""

    _FORM = re.compile(r"\[class\*=([\w-]+)\]|([a-z0-9]*)\.([\w-]+)")
    _ATTRIBUTES = None  # compiled on first use
    _XML_SPACE = str.maketrans("\t\r\n", "   ")

    def __init__(self, selectors):
        self.substrings: list[str] = []
        self.words: list[tuple[str, str]] = []  # (" word ", tag or "")
        for selector in selectors:
            form = self._FORM.fullmatch(selector)
            if form is None:
                raise ValueError(f"unsupported selector {selector!r}")
            if form.group(1):
                self.substrings.append(form.group(1))
            else:
                self.words.append((f" {form.group(3)} ", form.group(2)))
        # Every match contains one of these: the other attributes need no closer look.
        self._hint = re.compile("|".join(re.escape(s.strip()) for s in
                                         self.substrings + [w for w, _ in self.words]))

    def __call__(self, tree) -> list:
        if ClassSelectors._ATTRIBUTES is None:
            from lxml import etree

            ClassSelectors._ATTRIBUTES = etree.XPath("descendant-or-self::*/@class")
        found = []
        for value in ClassSelectors._ATTRIBUTES(tree):
            if self._hint.search(value) and self._matches(value.getparent().tag, value):
                found.append(value.getparent())
        return found

    def _matches(self, tag, value: str) -> bool:
        if any(s in value for s in self.substrings):
            return True
        padded = f" {value.translate(self._XML_SPACE)} "
        return any(word in padded and (not want or tag == want) for word, want in self.words)


_LEAD_MATCHER = ClassSelectors(GENERIC_LEAD_SELECTORS)


def _blocks_from_extraction(body) -> list[Block]:
    """Paragraph blocks from trafilatura's output tree, in document order; text standing
    between elements (after an image, say) is a paragraph too; lists made only of links go."""
    blocks = [Block(t, "body") for t in [collapse_whitespace(body.text or "")] if t]
    for child in body:
        for element in child.iter("p", "head", "list", "quote", "table", "code"):
            blocks.extend(_element_blocks(element))
        tail = collapse_whitespace(child.tail or "")
        if tail:
            blocks.append(Block(tail, "body"))
    return blocks


def _element_blocks(element) -> list[Block]:
    if element.tag == "list":
        items = [(item, _flat(item)) for item in element.iter("item")]
        if _is_link_list(items):
            return []
        return [Block(text, "body") for _, text in items if text]
    if element.tag == "table":
        rows = (" ".join(t for t in map(_flat, row.iter("cell")) if t) for row in element.iter("row"))
        return [Block(text, "body") for text in rows if text]
    if _inside(element, ("list", "table", "quote")):
        return []
    text = _flat(element)
    if not text or _is_link_line(element, text):
        return []
    return [Block(text, _TEXT_ELEMENTS.get(element.tag, "body"))]


def _flat(element) -> str:
    return collapse_whitespace("".join(element.itertext()))


def _inside(element, tags) -> bool:
    return any(a.tag in tags for a in element.iterancestors())


def _link_share(element, text: str) -> float:
    """How much of an element's text (`text`, its _flat) is in links."""
    return sum(len(_flat(r)) for r in element.iter("ref")) / len(text) if text else 0.0


def _is_link_line(element, text: str) -> bool:
    """A short paragraph that is all link: a teaser or 'see more' line, not prose."""
    return len(text) < 200 and _link_share(element, text) >= 0.8


def _is_link_list(items) -> bool:
    """`items`: (item element, its text) of a list."""
    if not items:
        return False
    return all(_link_share(item, text) >= 0.8 for item, text in items if text)


def generic_title(tree, structured) -> str | None:
    """The article's headline element when there is one; <title> is only the last resort."""
    hint = structured.get("title") or ""
    headings = [" ".join(h.text_content().split()) for h in css("h1")(tree)]
    headings = [h for h in headings if 10 <= len(h) <= 300]
    if hint:
        for heading in headings:
            if heading in hint or hint in heading:
                return heading
    if len(headings) == 1:
        return headings[0]
    if hint:
        return hint
    titles = css("title")(tree)
    if titles:
        parts = re.split(r"\s+[-|–—]\s+", " ".join(titles[0].text_content().split()))
        return max(parts, key=len) if parts else None
    return None
