"""A second opinion for `--explain`: trafilatura's view of the page, set against ours.

Our cleaner decides what an article is by selectors and structure; trafilatura decides by
its own whole-page heuristics. Where the two disagree, one of them is wrong, and a
maintainer tuning a site config (or the generic rules) wants to see those places:

* the paragraphs we keep that trafilatura drops (a caption, a lead, a box we took for text),
* the paragraphs trafilatura keeps that we drop, with where they sit in the page (element
  path) and, when one of our steps removed them, which step and rule did,
* the headline, when trafilatura reads another one,
* one agreement figure: the share of our characters that trafilatura also has.

Trafilatura runs twice, as "bare trafilatura" runs in benchmarks/quality.py (its default
settings; comments are not article text, so include_comments is off): once on the article
region (the element holding our headline and our paragraphs, cut out of a fresh parse of the
page) and once on the whole page. A paragraph counts as kept by trafilatura when either view
has it: the region view says whether the region's own paragraphs are text, the page view
whether trafilatura would have chosen text elsewhere.

Only for explanation: the cleaner never calls this; `vnnews clean --explain` and
`vnnews try --explain` do, after cleaning. Crawls and `clean --batch` never run it.
Scrapy-free, like the rest of cleaners/.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import asdict, dataclass, field

from .decode import DecodeError, decode_html
from .document import CleanResult
from .extract import css, parse_html
from .generic import too_many_blocks
from .region import PageMap, holds
from .vi.text import collapse_whitespace, fold_for_compare, similarity

SAME_PARAGRAPH = 0.8  # word-level similarity from which two paragraphs are one (vi.text.similarity)
MIN_CONTAINED_CHARS = 20  # a shorter paragraph found inside a longer one is a coincidence, not a match
METADATA_RULE = "[structure] metadata "  # the removal of an element read into a document field
SHOWN = 20  # disagreements printed per list; --format json carries them all
SHOWN_REJECTED = 5  # on a page we rejected
# List markers and table bars of trafilatura's text rendering: not words of the paragraph.
_MARKERS = "-–—•*|> "
_CELL_BAR = re.compile(r"(?<!\\)\|")


@dataclass
class Paragraph:
    """One paragraph one side keeps and the other does not."""

    text: str
    where: str | None = None  # the element path of the block holding it in the page
    in_region: bool | None = None  # inside our article region (None: no region or not placed)
    views: list[str] = field(default_factory=list)  # trafilatura's views that keep it (only_theirs)
    removed_by: str | None = None  # our step and rule that removed it (only_theirs, when known)
    closest: float = 0.0  # similarity with the closest paragraph of the other side
    position: int | None = field(default=None, repr=False)  # its block in region.PageMap (not reported)


@dataclass
class SecondOpinion:
    version: str  # trafilatura's
    region: str | None  # element path of the article region trafilatura was given, None: page only
    ours_chars: int
    agreement: float | None  # share of our characters trafilatura also has (either view)
    agreement_region: float | None
    agreement_page: float | None
    coverage: float | None  # share of trafilatura's characters (its two views, once each) we have
    only_ours: list[Paragraph] = field(default_factory=list)
    only_theirs: list[Paragraph] = field(default_factory=list)
    title_ours: str | None = None
    title_theirs: str | None = None
    # Lines of trafilatura's that we read into a document field (date, author, source, category):
    # kept, as metadata, so no disagreement.
    as_metadata: list[Paragraph] = field(default_factory=list)
    rejected: str | None = None  # our rejection reason: we keep nothing
    errors: list[str] = field(default_factory=list)  # a view trafilatura could not extract

    @property
    def title_differs(self) -> bool:
        if not self.title_ours or not self.title_theirs:
            return False
        return fold_for_compare(self.title_ours) != fold_for_compare(self.title_theirs)

    @property
    def agrees(self) -> bool:
        return not (self.only_ours or self.only_theirs or self.title_differs or self.errors)

    def to_dict(self) -> dict:
        record = asdict(self)
        for name in ("only_ours", "only_theirs", "as_metadata"):
            for paragraph in record[name]:
                paragraph.pop("position", None)
        record["title_differs"] = self.title_differs
        record["agrees"] = self.agrees
        return record

    def lines(self, shown: int = SHOWN) -> list[str]:
        """The text `--explain` prints: a heading with the agreement figure, then only the
        disagreements (nothing more when the two agree)."""
        head = f"second opinion (trafilatura {self.version})"
        where = f"on the article region {self.region} and the whole page" if self.region else "on the whole page"
        if self.rejected and not self.only_theirs:
            finds = "trafilatura finds no text in it" if not self.errors else "trafilatura failed"
            out = [f"{head} {where}: {'agrees' if self.agrees else 'disagrees'}: we rejected the page "
                   f"({self.rejected}), {finds}"]
        elif self.rejected:
            kept = sum(len(p.text) for p in self.only_theirs)
            out = [f"{head} {where}: disagrees: we rejected the page ({self.rejected}); trafilatura keeps "
                   f"{len(self.only_theirs)} paragraphs ({kept} characters)"]
        else:
            figure = f"{self.agreement:.0%}" if self.agreement is not None else "-"
            parts = [f"agreement {figure} of our {self.ours_chars} characters"]
            if self.coverage is not None:
                parts.append(f"{self.coverage:.0%} of trafilatura's are ours")
            verdict = "agrees" if self.agrees else "disagrees"
            out = [f"{head} {where}: {verdict}: {', '.join(parts)}"]
        for error in self.errors:
            out.append(f"  trafilatura: {error}")
        if self.title_differs:
            out.append(f"  title: ours {self.title_ours!r}; trafilatura {self.title_theirs!r}")
        if self.only_ours:
            out.append(f"  we keep, trafilatura drops ({len(self.only_ours)}):")
            out.extend(_listed(self.only_ours, shown, ours=True))
        if self.only_theirs:
            out.append(f"  trafilatura keeps, we drop ({len(self.only_theirs)}):")
            # A page we rejected: the first few say what trafilatura would take for its text.
            if self.rejected:
                out.extend(_listed(self.only_theirs, SHOWN_REJECTED, ours=None))
            else:
                out.extend(_listed(self.only_theirs, shown, ours=False))
        return out


def _listed(paragraphs: list[Paragraph], shown: int, ours: bool | None) -> list[str]:
    """`ours`: True for our paragraphs, False for trafilatura's, None for trafilatura's on a page
    we rejected as a whole (no step removed them one by one)."""
    out = []
    for paragraph in paragraphs[:shown]:
        place = paragraph.where or "not placed in the page"
        if paragraph.in_region is False:
            place += " (outside our article region)"
        detail = []
        if ours is not True:
            views = " and ".join(paragraph.views)
            detail.append(f"in its {views} view{'s' if len(paragraph.views) > 1 else ''}")
        if ours is False:
            detail.append(f"we removed it: {paragraph.removed_by}" if paragraph.removed_by
                          else "no step of ours removed it: we never took it")
        out.append(f"    - {place}: {_short(paragraph.text)}")
        if detail:
            out.append(f"      ({'; '.join(detail)})")
    if len(paragraphs) > shown:
        out.append(f"    … and {len(paragraphs) - shown} more (--format json lists them all)")
    return out


def _short(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def second_opinion(body: bytes | str, result: CleanResult, content_type: str | None = None) -> SecondOpinion:
    """Trafilatura's view of the page `result` came from, set against `result`.

    `body`: the page as the cleaner got it (bytes are decoded as the cleaner decodes them).
    `result`: the cleaner's result; with `explain=True` its removals name the step that
    removed a paragraph trafilatura keeps."""
    import trafilatura

    version = getattr(trafilatura, "__version__", "?")
    document = result.document
    ours = [p for p in (document.paragraphs if document else []) if p.strip()]
    title = document.title if document else None
    tree = _parse(body, content_type)
    report = SecondOpinion(version=version, region=None, ours_chars=sum(len(p) for p in ours),
                           agreement=None, agreement_region=None, agreement_page=None, coverage=None,
                           title_ours=title, rejected=None if result.ok else result.reason)
    if tree is None:
        report.errors.append("the page could not be decoded or parsed")
        return report
    pages = PageMap(tree)
    headline = pages.find_headline(title)
    region = _region(pages, ours, headline)
    report.region = element_path(region) if region is not None else None

    page_lines, report.title_theirs, error = _trafilatura(tree, result.url, with_metadata=True)
    if error:
        report.errors.append(f"whole page: {error}")
    views = {"page": _without_title(page_lines, title, report.title_theirs)}
    if region is not None:
        region_lines, _, error = _trafilatura(_standalone(region), result.url, with_metadata=False)
        if error:
            report.errors.append(f"article region: {error}")
        views = {"region": _without_title(region_lines, title, report.title_theirs), **views}

    # Our paragraphs, each checked against every view of trafilatura's.
    found_in = {name: [_match(p, lines) for p in ours] for name, lines in views.items()}
    if ours:
        total = report.ours_chars
        for name, matches in found_in.items():
            share = sum(len(p) for p, (hit, _) in zip(ours, matches) if hit) / total
            setattr(report, f"agreement_{name}", share)
        either = [any(found_in[name][i][0] for name in views) for i in range(len(ours))]
        report.agreement = sum(len(p) for p, hit in zip(ours, either) if hit) / total
        for index, (paragraph, hit) in enumerate(zip(ours, either)):
            if not hit:
                closest = max((found_in[name][index][1] for name in views), default=0.0)
                report.only_ours.append(_placed(Paragraph(paragraph, closest=closest), pages, headline, region))

    # Trafilatura's paragraphs (each once, the region's first), checked against ours.
    theirs: dict[str, Paragraph] = {}
    seen: set[str] = set()
    theirs_chars = ours_of_theirs = 0.0
    our_keys = [k for k in (_key(p) for p in ours) if len(k) >= MIN_CONTAINED_CHARS]
    removals = _Removals(result, tree)
    for name, lines in views.items():
        for line in lines:
            key = _key(line)
            if not key:
                continue
            if key in seen:
                if key in theirs and name not in theirs[key].views:
                    theirs[key].views.append(name)
                continue
            seen.add(key)
            theirs_chars += len(line)
            hit, closest = _match(line, ours)
            # A line that glued our paragraphs with a little more (a category, a date): ours by its share.
            share = 1.0 if hit else min(1.0, sum(len(k) for k in our_keys if k in key) / len(key))
            if share < SAME_PARAGRAPH:
                paragraph = _placed(Paragraph(line, views=[name], closest=max(closest, share)), pages, headline, region)
                paragraph.removed_by = removals.find(line, pages.blocks[paragraph.position].element
                                                     if paragraph.position is not None else None)
                if paragraph.removed_by and paragraph.removed_by.startswith(METADATA_RULE):
                    report.as_metadata.append(paragraph)
                    share = 1.0  # we keep it, as a field of the document
                else:
                    theirs[key] = paragraph
            ours_of_theirs += share * len(line)
    report.coverage = ours_of_theirs / theirs_chars if theirs_chars else None
    # Those no step of ours took away, in our region, first: where we most likely lose text.
    report.only_theirs = sorted(theirs.values(), key=lambda p: (p.removed_by is not None, p.in_region is False))
    return report


def _parse(body: bytes | str, content_type: str | None):
    """A fresh tree of the page, decoded as the cleaner decodes it (the cleaner's own tree has
    lost the elements its steps removed)."""
    if isinstance(body, bytes):
        try:
            body = decode_html(body, content_type).text
        except DecodeError:
            return None
    return parse_html(body)


def _region(pages: PageMap, ours: list[str], headline: int | None):
    """The article region of our result in the fresh tree: the nearest element holding the
    headline and the container of most of our paragraphs (region.PageMap's rule)."""
    if not ours:
        return None
    positions = [pages.locate(p, headline) for p in ours]
    located = [p for p in positions if p is not None]
    if not located:
        return None
    container = pages.container(located)
    if container is None:
        return None
    if headline is None:
        return container
    for element in (pages.blocks[headline].element, *pages.blocks[headline].element.iterancestors()):
        if holds(element, container):
            return element
    return container


def _standalone(region):
    """The region alone as a page, for trafilatura (a copy: the fresh tree stays whole)."""
    from lxml import html as lxml_html

    root = lxml_html.Element("html")
    body = lxml_html.Element("body")
    root.append(body)
    if region.tag in ("html", "body"):
        for child in region:
            body.append(deepcopy(child))
    else:
        copy = deepcopy(region)
        copy.tail = None
        body.append(copy)
    return root


def _trafilatura(tree, url: str | None, with_metadata: bool) -> tuple[list[str], str | None, str | None]:
    """Bare trafilatura's paragraphs (the lines of its text output) and its title; an error
    message when it extracted nothing or failed."""
    import trafilatura

    fast = too_many_blocks(tree)  # as generic mode: jusText's time is quadratic on huge pages
    try:  # bare_extraction copies a tree it is given: the fresh tree is not pruned
        found = trafilatura.bare_extraction(tree, url=url, include_comments=False, with_metadata=with_metadata,
                                            fast=fast)
    except Exception as exc:  # a second opinion that fails must not hide the first one
        return [], None, f"failed: {type(exc).__name__}: {exc}"
    if found is None:  # its opinion: no main text here (a redirect, an empty page)
        return [], None, None
    text = getattr(found, "text", None) or ""
    lines = [_table_row(collapse_whitespace(line)) for line in text.splitlines()]
    return [line for line in lines if line.strip(_MARKERS)], getattr(found, "title", None), None


def _table_row(line: str) -> str:
    """A table row of trafilatura's text ("| a | b |", "\\|" inside a cell) as its cells' text."""
    if len(line) < 2 or not (line.startswith("|") and line.endswith("|")):
        return line
    cells = [c.replace("\\|", "|").strip() for c in _CELL_BAR.split(line[1:-1])]
    return " | ".join(c for c in cells if c)


def _without_title(lines: list[str], *titles: str | None) -> list[str]:
    """Trafilatura may keep the headline as a line; ours is the document's title, not a paragraph."""
    keys = {fold_for_compare(t) for t in titles if t}
    return [line for line in lines if fold_for_compare(line) not in keys]


def _key(text: str) -> str:
    return fold_for_compare(text.strip(_MARKERS))


def _match(text: str, others: list[str]) -> tuple[bool, float]:
    """Whether `others` hold `text`: the same paragraph (folded: case, punctuation, tone style,
    list markers), inside one of them or inside their run (one side glued paragraphs the other
    split), or one at least SAME_PARAGRAPH similar by words. Also the best similarity seen."""
    key = _key(text)
    if not key:
        return True, 1.0
    keys = [_key(o) for o in others]
    if key in keys:
        return True, 1.0
    if len(key) >= MIN_CONTAINED_CHARS and key in " ".join(keys):
        return True, 1.0
    best = 0.0
    for other in others:
        if abs(len(other) - len(text)) > max(len(other), len(text)) * (1 - SAME_PARAGRAPH) * 2:
            continue  # too different in length to reach SAME_PARAGRAPH
        best = max(best, similarity(text, other))
        if best >= SAME_PARAGRAPH:
            return True, best
    return False, best


class _Removals:
    """Which step and rule of ours removed a paragraph: by its text (the removals `explain=True`
    records hold the first 200 characters of what they removed; a field's value comes without
    its label), or by its element, inside an element a configured selector removed ("remove:
    SELECTOR", "metadata NAME: SELECTOR"), matched again in the fresh tree."""

    def __init__(self, result: CleanResult, tree):
        self.removals = list(result.removed)
        self.tree = tree
        self._matched: dict[str, list] = {}

    def find(self, text: str, element) -> str | None:
        key = _key(text)
        if not key:
            return None
        for removal in self.removals:
            removed = _key(removal.text)
            if not removed:
                continue
            # The removed piece inside the line (its first 200 characters, a value without its
            # label), or the line inside the removed piece (a box removed whole).
            holds = removed in key and (key.startswith(removed) or len(removed) >= 0.5 * len(key))
            held = key in removed
            if removed == key or (len(key) >= MIN_CONTAINED_CHARS and (holds or held)) \
                    or similarity(text, removal.text) >= SAME_PARAGRAPH:
                return f"[{removal.step}] {removal.rule}"
        if element is None:
            return None
        held = [element, *element.iterancestors()]
        for removal in self.removals:
            matched = self._elements(removal.rule)
            if any(e is m for e in held for m in matched):
                return f"[{removal.step}] {removal.rule}"
        return None

    def _elements(self, rule: str) -> list:
        if rule not in self._matched:
            selector = _RULE_SELECTOR.match(rule)
            found = []
            if selector:
                try:
                    found = css(selector.group(1))(self.tree)
                except Exception:  # not a selector after all (a rule named in words)
                    found = []
            self._matched[rule] = found
        return self._matched[rule]


_RULE_SELECTOR = re.compile(r"(?:remove|metadata \w+): (.+)$")


def _placed(paragraph: Paragraph, pages: PageMap, headline: int | None, region) -> Paragraph:
    position = None
    for text in (paragraph.text, paragraph.text.strip(_MARKERS), paragraph.text.split(" | ")[0]):
        position = pages.locate(text, headline)  # as it is, without a list marker, a table row's first cell
        if position is not None:
            break
    paragraph.position = position
    if position is None:
        return paragraph
    element = pages.blocks[position].element
    paragraph.where = element_path(element)
    if region is not None:
        paragraph.in_region = holds(region, element)
    return paragraph


def element_path(element, depth: int = 4) -> str:
    """A short CSS-like path of an element, for people: up to `depth` steps, from the nearest
    ancestor with an id (ids name a place in a page), e.g. `div#main > div.detail > p`."""
    steps = []
    node = element
    while node is not None and isinstance(node.tag, str) and node.tag != "html":
        steps.append(_step(node))
        if node.get("id") or len(steps) >= depth:
            break
        node = node.getparent()
    path = " > ".join(reversed(steps))
    parent = node.getparent() if node is not None else None
    if parent is not None and parent.tag != "html" and not node.get("id"):
        path = "… > " + path  # cut short: more ancestors above
    return path


def _step(element) -> str:
    tag = element.tag
    ident = (element.get("id") or "").strip()
    if ident and " " not in ident:
        return f"{tag}#{ident}"
    classes = (element.get("class") or "").split()
    return tag + "".join(f".{c}" for c in classes[:2])
