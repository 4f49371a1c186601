"""Generic mode: the main text of a page nobody configured, found by trafilatura and
checked against the page's structure (headline, article region, teaser runs).

Used when no site config or CMS profile applies, and as the fallback of configured mode
when a profile's body selectors match nothing on a page that declares itself an article.
"""

from __future__ import annotations

import re

from .extract import Block, DomExtraction, Removed, css
from .region import TEASER_TITLE_CHARS, PageMap, chapter_runs, holds
from .selectors import spaced_class
from .vi import boilerplate
from .steps import looks_like_byline
from .vi.bylines import clean_author
from .vi.dates import is_date_line, is_header_clock
from .vi.text import collapse_whitespace, fold_for_compare

MIN_TEASER_CHARS = 20
MAX_BLOCKS_FOR_FALLBACK = 3000  # a long article has a few hundred paragraphs and boxes
LISTING_SHARE = 0.5  # link lines above this share of the text make the page a listing
OUTSIDE_SHARE = 0.3  # more text than this outside the region: the region is wrong, not the text
MAX_LINK_SHARE = 0.6  # an article links a few words; a list of links is mostly links
HEADLESS_MIN_CHARS = 500  # without a headline element, less text than this is an error or stub page
RESCUE_MIN_CHARS = 200  # prose under a headline that makes an article of a page the extraction misread
MIN_LEAD_CHARS = 40  # a lead is a sentence, not a label
RESTORE_CAPTIONS = True
# Class words of the lead (sapo) holder: "sapo" (Vietnamese CMSs), "desc"/"description", "lead", "chapeau".
_LEAD_CLASS = re.compile(r"sapo|desc|lead|chapeau", re.IGNORECASE)
TEASER_SHARE = 0.5  # teaser summaries above this share of the text make the page a listing
DATE_WINDOW = 8  # blocks around the headline where the article's own date element sits
MAX_CHAPTER_LABELS = 2  # lines above a player's chapter list that label it or say how to use it
MAX_LABEL_CHARS = 100

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
                                        with_metadata=False, fast=skip_fallbacks(tree, structured),
                                        output_format="txt")
    body = getattr(found, "body", None)
    out.blocks = _blocks_from_extraction(body) if body is not None else []
    if lead and not any(lead in b.text or b.text in lead for b in out.blocks[:3]):
        out.blocks.insert(0, Block(lead, "lead"))
    pages = PageMap(tree)
    headline = pages.find_headline(out.title)
    out.blocks = _unglue_headline(out.blocks, out.title, out.removed)
    out.blocks = _fit_to_region(out, pages, headline, structured.get("description"))
    out.blocks = _drop_link_lines(out.blocks, anchors, out.removed)
    out.body_found = bool(out.blocks)
    positions = [pages.locate(b.text, headline) for b in out.blocks]
    long_anchors = [a for a in anchors if len(a) >= MIN_TEASER_CHARS]
    out.link_share = _text_link_share(out.blocks, positions, pages, long_anchors)
    out.not_article = _listing_verdict(out.blocks, positions, pages, headline)
    # Nothing extracted from below the headline (a page glued into one paragraph, teasers only):
    # the text right under the headline is the article if it is one.
    missed_article = headline is not None and not any(p is not None and p > headline for p in positions)
    if (out.not_article or missed_article) and headline is not None:
        rescued = _article_under_headline(pages, headline)
        if rescued:
            # The extraction took the teasers under a short article: the article is the text
            # right under its headline. Never reject a headline over real paragraphs.
            why = "teasers taken for the article" if out.not_article else "nothing extracted under the headline"
            for block in out.blocks:
                out.removed.append(Removed(why, block.text[:200], "region"))
            out.blocks, out.not_article = rescued, None
            out.body_found = True
    if out.not_article is None and out.link_share > MAX_LINK_SHARE:
        out.not_article = f"the extracted text is link text ({out.link_share:.0%}): a list of links, not an article"
    if out.not_article is None and headline is not None:
        _add_chapters(out, pages, headline)
    chars = sum(len(b.text) for b in out.blocks)
    if out.not_article is None and headline is None and chars < HEADLESS_MIN_CHARS:
        # An error or stub page: the <title> names the site, no element shows a headline.
        out.not_article = (f"no headline element on the page (title {out.title!r} is not shown) "
                           f"and only {chars} characters of text")
    return out


def _unglue_headline(blocks: list[Block], title: str | None, removed: list) -> list[Block]:
    """A paragraph the extraction glued from the article's header (a date line, the headline, the
    lead) while giving the lead on its own as well: a copy with the headline and date in it. Only
    when every piece besides the headline is a date line or another extracted paragraph: a
    paragraph that merely starts with the headline's words ("API documentation is …") stays."""
    if not title:
        return blocks
    present = {fold_for_compare(b.text) for b in blocks}
    kept = []
    for block in blocks:
        before, found, after = block.text.partition(title)
        pieces = [p for p in (before.strip(" -–|,:"), after.strip(" -–|,:")) if p]
        if found and pieces and all((len(p) < 80 and is_date_line(p)) or fold_for_compare(p) in present
                                    for p in pieces):
            removed.append(Removed("the headline glued to its date and lead", block.text[:200], "region"))
            continue
        kept.append(block)
    return kept


def _add_chapters(out: DomExtraction, pages: PageMap, headline: int) -> None:
    """The chapter titles of the article's media player (a podcast's or video's "Nội dung chính":
    controls that seek the player, see region.chapter_runs), in the page's order, without their
    times. Added after the article/listing verdicts, which rightly read a run of short links as
    teasers anywhere else; trafilatura drops such a list as links."""
    runs = [run for run in chapter_runs(pages.blocks, headline) if _chapters_in_article(pages, headline, run)]
    if not runs:
        return
    positions = [pages.locate(b.text, headline) for b in out.blocks]
    labels = {i for run in runs for i in _chapter_list_labels(pages, headline, run)}
    for i in reversed(range(len(out.blocks))):
        if positions[i] in labels and len(out.blocks[i].text) <= len(pages.blocks[positions[i]].text):
            out.removed.append(Removed("the label of a player's chapter list", out.blocks[i].text[:200], "region"))
            del out.blocks[i], positions[i]
    present = {fold_for_compare(b.text) for b in out.blocks}
    extra = []
    for chapter in (c for run in runs for c in run):
        # A list the extraction kept gives "00:17 Title": the title alone, as for the others.
        copies = [i for i, p in enumerate(positions) if p is not None and chapter.start <= p <= chapter.end
                  and len(out.blocks[i].text) <= len(pages.blocks[p].text) + len(pages.blocks[chapter.end].text) + 1]
        for i in copies:
            out.removed.append(Removed("a player chapter's time", out.blocks[i].text[:200], "region"))
        if copies:
            out.blocks[copies[0]] = Block(chapter.title, "heading")
            for i in reversed(copies[1:]):
                del out.blocks[i], positions[i]
            present.add(fold_for_compare(chapter.title))
            continue
        key = fold_for_compare(chapter.title)
        if key not in present:
            present.add(key)
            # A heading: the title of a part of the recording (and no step takes it for a byline).
            extra.append((chapter.start, Block(chapter.title, "heading")))
    out.blocks, _ = _merge_in_order(out.blocks, positions, extra)


def _chapter_list_labels(pages: PageMap, headline: int, run) -> list[int]:
    """The short lines right above a chapter list, in the list's own wrapper: its label or the
    player's hint ("Bấm để chuyển tới nội dung bạn muốn nghe"), chrome like the times."""
    controls = [c.element for c in run]
    wrapper = next((a for a in controls[0].iterancestors() if all(holds(a, c) for c in controls[1:])), None)
    outer = wrapper.getparent() if wrapper is not None else None
    if outer is None or outer.tag in ("body", "html"):
        return []
    labels = []
    for index in range(run[0].start - 1, max(headline, run[0].start - 1 - MAX_CHAPTER_LABELS), -1):
        block = pages.blocks[index]
        if (not holds(outer, block.element) or holds(wrapper, block.element) or block.chars > MAX_LABEL_CHARS
                or block.text.endswith((".", "!", "?", "…"))):
            break
        labels.append(index)
    return labels


def _chapters_in_article(pages: PageMap, headline: int, run) -> bool:
    """The chapter list belongs to the article's player: under the headline, in the same wrapper
    (not only the page's <body>), with no related-list heading or teaser titles in between."""
    between = [b for b in pages.blocks[headline + 1:run[0].start] if not b.hidden]
    if any(boilerplate.is_tail_heading(b.text) for b in between):
        return False
    if sum(1 for b in between if b.is_link and b.chars >= TEASER_TITLE_CHARS) >= 2:
        return False
    ancestors = set(pages.blocks[headline].element.iterancestors())
    common = next((a for a in run[0].element.iterancestors() if a in ancestors), None)
    return common is not None and common.tag not in ("body", "html")


def _merge_in_order(blocks, positions, extra):
    """`extra` ((page position, block), in page order) merged into `blocks` (at `positions`,
    None where the page map cannot place one) by their place in the page."""
    if not extra:
        return blocks, positions
    merged_blocks, merged_positions = [], []
    pending = list(extra)
    current = -1
    for block, position in zip(blocks, positions):
        if position is not None:
            while pending and pending[0][0] < position and pending[0][0] > current:
                index, added = pending.pop(0)
                merged_blocks.append(added)
                merged_positions.append(index)
            current = position
        merged_blocks.append(block)
        merged_positions.append(position)
    for index, added in pending:
        merged_blocks.append(added)
        merged_positions.append(index)
    return merged_blocks, merged_positions


def _article_under_headline(pages: PageMap, headline: int) -> list[Block]:
    """The prose right under the headline, when it is an article's text: at least two paragraphs
    of sentences, not summaries under linked titles."""
    run = pages.headline_run(headline)
    prose = [i for i in run if pages.blocks[i].chars >= MIN_LEAD_CHARS and pages.blocks[i].link_share < 0.2
             and not pages.under_teaser_title(i, headline)]
    if len(prose) < 2 or sum(pages.blocks[i].chars for i in prose) < RESCUE_MIN_CHARS:
        return []
    blocks = []
    for index in run:
        block = pages.blocks[index]
        blocks.append(Block(block.text, "caption" if block.kind == "caption" else
                            "heading" if block.kind == "heading" else "body"))
    return blocks


def _text_link_share(blocks, positions, pages: PageMap, long_anchors) -> float:
    """How much of the extracted text is link text, judged where each paragraph sits in the page
    (a paragraph the page map cannot place is judged by the page's long link texts in it)."""
    total = linked = 0.0
    for block, position in zip(blocks, positions):
        total += len(block.text)
        if position is not None and len(block.text) <= 1.5 * len(pages.blocks[position].text):
            linked += len(block.text) * pages.blocks[position].link_share
        else:
            linked += len(block.text) * link_share(long_anchors, [block])
    return linked / total if total else 0.0


def _fit_to_region(out: DomExtraction, pages: PageMap, headline: int | None,
                   description: str | None = None) -> list[Block]:
    """Trafilatura's paragraphs checked against the page's structure.

    The article region runs from the headline element to the end of the body container (the
    deepest element holding most of the extracted text). Paragraphs before the headline or
    after the body container go (source boxes, "tin tức sự kiện" boxes, footers, sidebars);
    captions of the region and subheadings inside the body that trafilatura dropped come back
    in document order. Also decides whether the page is a listing (teaser runs) and takes the
    date element next to the headline."""
    blocks = out.blocks
    positions = [pages.locate(b.text, headline) for b in blocks]
    located = [p for p in positions if p is not None]
    if not located:
        if headline is None:
            out.region_notes.append("no headline element and no body found in the page")
        return blocks
    container = pages.container(located)
    span = pages.span(container) if container is not None else None
    if span is None:
        return blocks
    first, last = span
    start = headline if headline is not None and headline <= last else first
    total = sum(len(b.text) for b in blocks) or 1
    outside = [i for i, p in enumerate(positions) if p is not None and (p > last or p < start)]
    if sum(len(blocks[i].text) for i in outside) <= OUTSIDE_SHARE * total:
        for i in outside:
            where = "before the headline" if positions[i] < start else "after the body"
            out.removed.append(Removed(where, blocks[i].text[:200], "region"))
        bars = [i for i, p in enumerate(positions) if p is not None and i not in outside
                and pages.blocks[p].is_link_bar and len(blocks[i].text) <= 1.5 * len(pages.blocks[p].text)]
        for i in bars:
            out.removed.append(Removed("a row of links (menu, print/send toolbar)",
                                       blocks[i].text[:200], "region"))
        outside = set(outside) | set(bars)
        keep = [i for i in range(len(blocks)) if i not in set(outside)]
        blocks = [blocks[i] for i in keep]
        positions = [positions[i] for i in keep]
    blocks, positions = _in_document_order(blocks, positions)
    blocks, positions = _add_missed(blocks, positions, pages, start, first, last, headline, description)
    blocks, positions = _drop_closing_teasers(out, blocks, positions, pages, headline)
    date = _date_near(pages, headline, first)
    if date:
        out.metadata["published_near_headline"] = date
    author = _author_near(pages, headline, first, last)
    if author:
        out.metadata["author_near_headline"] = author
    return blocks


def _drop_closing_teasers(out, blocks, positions, pages: PageMap, headline):
    """Teaser cards (linked title, date, summary) after the article's last paragraph of prose,
    inside the region ("tin liên quan" boxes in the article wrapper). Only when prose precedes
    them: a page of nothing but teasers is a listing, which the listing verdict decides."""
    end = len(blocks)
    while end > 0:
        block, position = blocks[end - 1], positions[end - 1]
        if position is None or block.kind == "caption":
            break
        source = pages.blocks[position]
        title = source.is_link and source.chars >= TEASER_TITLE_CHARS and len(block.text) <= 1.5 * len(source.text)
        date = len(block.text) < 40 and is_date_line(block.text)
        if not (title or date or pages.in_teaser_card(position, headline)):
            break
        end -= 1
    total = sum(len(b.text) for b in blocks)
    if (end == len(blocks) or not any(len(b.text) >= MIN_LEAD_CHARS for b in blocks[:end])
            or sum(len(b.text) for b in blocks[end:]) >= TEASER_SHARE * total):
        return blocks, positions  # mostly teasers: the listing verdict (and its rescue) decide
    for block in blocks[end:]:
        out.removed.append(Removed("teaser after the article's last paragraph", block.text[:200], "region"))
    return blocks[:end], positions[:end]


def _in_document_order(blocks, positions):
    """The paragraphs in the page's order: trafilatura puts a nested table (a photo with its
    caption in a table-layout body) after the text around it. A paragraph it cannot place
    stays after the one before it."""
    keys, current = [], -1
    for position in positions:
        current = position if position is not None else current
        keys.append(current)
    order = sorted(range(len(blocks)), key=lambda i: keys[i])
    return [blocks[i] for i in order], [positions[i] for i in order]


def _add_missed(blocks, positions, pages: PageMap, start: int, first: int, last: int, headline,
                description: str | None = None):
    """Captions between the headline and the end of the body, and subheadings standing between
    two extracted paragraphs of the body, that the extraction left out."""
    present = {fold_for_compare(b.text) for b in blocks}
    joined = fold_for_compare(" ".join(b.text for b in blocks))
    located = sorted(p for p in positions if p is not None)
    if not located:
        return blocks, positions
    inner_last = located[-1]
    taken = set(located)
    body_start = next((p for p in located if headline is None or p > headline), located[0])
    extra = []
    lead_found = False
    for index in range(start + 1, last + 1):
        block = pages.blocks[index]
        if block.hidden or block.link_share >= 0.5 or index in positions or index == headline:
            continue
        # The lead (sapo): the first paragraph of prose between the headline and the body.
        lead = (not lead_found and headline is not None and headline < index < body_start
                and block.kind == "body" and block.chars >= MIN_LEAD_CHARS and block.link_share < 0.2
                and (_lead_classed(block.element) or _is_description(block.text, description))
                and not is_date_line(block.text) and not pages.under_teaser_title(index, headline))
        if lead:
            lead_found = True
            key = fold_for_compare(block.text)
            if key not in present and key not in joined and not boilerplate.classify_line(block.text):
                present.add(key)
                extra.append((index, Block(block.text, "lead")))
            continue
        caption = RESTORE_CAPTIONS and block.kind == "caption" and 3 <= block.chars <= 600
        # A subheading introduces the extracted paragraph right after it.
        heading = (block.looks_like_heading and block.kind != "caption" and first <= index < inner_last
                   and index + 1 in taken and 5 <= len(block.text) <= 200)
        if not (caption or heading):
            continue
        key = fold_for_compare(block.text)
        # A caption the extraction glued into a paragraph is there already; a subheading's words
        # may well recur in the paragraph it introduces.
        if key in present or (caption and key in joined) or boilerplate.classify_line(block.text) \
                or boilerplate.is_tail_heading(block.text):
            continue
        present.add(key)
        extra.append((index, Block(block.text, "caption" if caption else "heading")))
    return _merge_in_order(blocks, positions, extra)


def _is_description(text: str, description: str | None) -> bool:
    """The page's own summary (og:description / meta description) shown under the headline."""
    if not description:
        return False
    a, b = fold_for_compare(text), fold_for_compare(description)
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= MIN_LEAD_CHARS and longer.startswith(shorter[:max(MIN_LEAD_CHARS, len(shorter) - 3)])


def _lead_classed(element) -> bool:
    """The element (or its parent) carries one of the class words CMSs give the lead (sapo)."""
    for node in (element, element.getparent()):
        if node is not None and _LEAD_CLASS.search(node.get("class") or ""):
            return True
    return False


def _listing_verdict(blocks, positions, pages: PageMap, headline) -> str | None:
    """A listing's text is teaser summaries, each under its linked title; an article's is prose."""
    total = sum(len(b.text) for b in blocks)
    teasers = [b for b, p in zip(blocks, positions)
               if p is not None and b.kind != "caption" and _is_teaser(b, pages.blocks[p], p, pages, headline)]
    share = sum(len(b.text) for b in teasers) / total if total else 0.0
    if teasers and share >= TEASER_SHARE:
        return (f"listing page: {len(teasers)} of {len(blocks)} paragraphs ({share:.0%} of the text) "
                "are teaser summaries under linked titles")
    return None


def _is_teaser(block: Block, source, position: int, pages: PageMap, headline) -> bool:
    """Under a linked title, or a linked title glued to its summary by the extraction."""
    if source.is_link and source.chars >= TEASER_TITLE_CHARS and len(block.text) > 1.5 * len(source.text):
        return True
    return pages.under_teaser_title(position, headline)


def _date_near(pages: PageMap, headline, first) -> str | None:
    """The date element next to the headline (a <time datetime>, or a date line): the article's
    own date, not a teaser's, a 'tin khác' list's or a header clock."""
    if headline is None:
        return None
    window = range(max(0, headline - DATE_WINDOW), min(len(pages.blocks), max(first, headline) + DATE_WINDOW))
    candidates = []
    for index in window:
        block = pages.blocks[index]
        if block.hidden or block.is_link:
            continue
        text = block.text
        if block.author and text.startswith(block.author):  # "Nguyên Minh - 07/03/2026 08:47"
            text = text[len(block.author):].strip(" -–|,")
        if block.datetime:
            candidates.append((abs(index - headline), block.datetime))
        elif len(text) < 80 and is_date_line(text) and not is_header_clock(text):
            candidates.append((abs(index - headline), text))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _author_near(pages: PageMap, headline, first, last) -> str | None:
    """The text of an author element by the headline or at the end of the body."""
    if headline is None:
        return None
    near = range(max(0, headline - DATE_WINDOW), min(len(pages.blocks), max(first, headline) + DATE_WINDOW))
    end = range(max(first, last - DATE_WINDOW), min(len(pages.blocks), last + DATE_WINDOW))
    for index in (*near, *end):
        block = pages.blocks[index]
        if block.author and not block.hidden and looks_like_byline(clean_author(block.author) or ""):
            return block.author
    return None


def skip_fallbacks(tree, structured) -> bool:
    """Trafilatura's fast mode: its main extractor without the second and third opinions
    (readability, jusText) it asks when its result looks short.

    On a page whose structured data declares an article (schema.org NewsArticle, BlogPosting,
    PodcastEpisode … in JSON-LD or microdata), the article region checks here do what the
    fallbacks were for, and the fallbacks are a third of trafilatura's time on real Vietnamese
    pages. Measured with `make bench` (docs/benchmarks.md): no set moved by more than 0.001 F1
    (ScrapingHub up 0.003) and every real and fixture page gives the same document. Pages that
    declare nothing (listings, home pages, error pages, most of the public sets' pages) keep
    the fallbacks: in fast mode on every page a category listing was taken for an article and
    WCXB fell from 0.863 to 0.821."""
    return bool(structured.get("type")) or too_many_blocks(tree)


def too_many_blocks(tree) -> bool:
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
            removed.append(Removed("link line", block.text[:200], "link-lines"))
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


def generic_lead(tree, outside=None) -> str | None:
    """The first lead-like element in document order (not inside `outside`, the body)."""
    for element in _LEAD_MATCHER(tree):
        if outside is not None and (element is outside or any(a is outside for a in element.iterancestors())):
            continue
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
        padded = spaced_class(value)
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
        blocks = []
        for row in element.iter("row"):
            cells = list(row.iter("cell"))
            if any(c.find(t) is not None for c in cells for t in _PARAGRAPH_CHILDREN):
                blocks.extend(Block(t, "body") for c in cells for t in _cell_paragraphs(c))
            else:  # a data row: its cells belong together
                text = " ".join(t for t in map(_flat, cells) if t)
                if text:
                    blocks.append(Block(text, "body"))
        return blocks
    if _inside(element, ("list", "table", "quote")):
        return []
    text = _flat(element)
    if not text or _is_link_line(element, text):
        return []
    return [Block(text, _TEXT_ELEMENTS.get(element.tag, "body"))]


_PARAGRAPH_CHILDREN = ("p", "head", "list", "quote")


def _cell_paragraphs(cell) -> list[str]:
    """A layout table's cell holding a whole body (table-layout pages): one block a paragraph,
    not the cell's paragraphs glued into one line."""
    pieces = [cell.text or ""]
    for child in cell:
        if child.tag in _PARAGRAPH_CHILDREN:
            pieces.extend(["\n", _flat(child), "\n"])
        else:
            pieces.append("".join(child.itertext()))
        pieces.append(child.tail or "")
    return [t for t in (collapse_whitespace(x) for x in "".join(pieces).split("\n")) if t]


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
