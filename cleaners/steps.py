"""The text half of cleaning: small named steps over the blocks of one page.

Each step keeps, changes or drops blocks, records every removal (step, rule, text) for
--explain, and counts what it did. Steps use block kinds and whole-line shapes only;
site knowledge comes in through the rules (drop_lines, trailing_byline), generic
Vietnamese knowledge from cleaners/vi.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .document import Removal
from .extract import Block
from .vi import boilerplate
from .vi.bylines import ROLE_SUFFIX
from .vi.dates import is_date_line, is_header_clock
from .vi.text import fold_for_compare, is_blank, normalize_text, similarity

NEAR_DUPLICATE = 0.8  # share of words two paragraphs have in common to count as one pasted twice
CAPTION_ECHO = 0.6  # an image title is dropped when the caption repeats this much of it


@dataclass
class PageState:
    """What the steps work on: the headline, the blocks, found metadata and the record."""

    title: str | None
    blocks: list[Block]
    metadata: dict[str, str] = field(default_factory=dict)
    removed: list[Removal] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    drop_line_patterns: list[re.Pattern] = field(default_factory=list)
    trailing_byline: bool = False
    # What the gates (cleaners/gates.py) judge besides the text, and what they find.
    url: str | None = None
    not_article: str | None = None  # the extraction's structural verdict (generic mode)
    min_chars: int | None = None  # the site's minimum body length; None: the default
    expect_lang: str | None = None
    any_page: bool = False  # measuring extraction on any page: no article or length gates
    lang: str | None = None
    lang_prob: float | None = None

    def drop(self, step: str, rule: str, block: Block) -> None:
        self.removed.append(Removal(step, rule, block.text))
        self.counts[step] = self.counts.get(step, 0) + 1

    def keep_metadata(self, name: str, value: str) -> None:
        if value and not self.metadata.get(name):
            self.metadata[name] = value


class Step:
    name = "step"

    def __call__(self, page: PageState) -> None:
        raise NotImplementedError


class NormalizeText(Step):
    """NFC, Đ for Ð, no zero-width characters, single spaces; blank blocks go."""

    name = "normalize"

    def __call__(self, page):
        kept = []
        for block in page.blocks:
            if is_blank(block.text):
                page.drop(self.name, "blank (whitespace or NBSP only)", block)
                continue
            block.text = normalize_text(block.text)
            kept.append(block)
        page.blocks = kept
        if page.title:
            page.title = normalize_text(page.title)


class DropDateLines(Step):
    """Date lines become `published` (the first one); header clocks are dropped, never used."""

    name = "date-lines"

    def __call__(self, page):
        kept = []
        for block in page.blocks:
            if is_header_clock(block.text):
                page.drop(self.name, "header clock [GMT+7]", block)
            elif block.kind != "caption" and len(block.text) < 80 and is_date_line(block.text):
                page.keep_metadata("published_text", block.text)
                page.drop(self.name, "date line", block)
            else:
                kept.append(block)
        page.blocks = kept


class DropBoilerplateLines(Step):
    """Whole lines shaped like widgets, labels and chrome (cleaners/vi/boilerplate.py)."""

    name = "boilerplate-lines"

    def __call__(self, page):
        kept = []
        for block in page.blocks:
            match = boilerplate.classify_line(block.text)
            if match is None:
                kept.append(block)
                continue
            if match.field:
                page.keep_metadata(match.field, match.value)
            page.drop(self.name, match.group, block)
        page.blocks = kept


class DropSiteLines(Step):
    """Lines the site's or profile's drop_lines patterns describe."""

    name = "site-lines"

    def __call__(self, page):
        if not page.drop_line_patterns:
            return
        kept = []
        for block in page.blocks:
            pattern = next((p for p in page.drop_line_patterns if p.fullmatch(block.text)), None)
            if pattern is None:
                kept.append(block)
            else:
                page.drop(self.name, pattern.pattern, block)
        page.blocks = kept


class CutTail(Step):
    """A comments/related-list heading in the last part of the page ends the article."""

    name = "tail"

    def __call__(self, page):
        start = len(page.blocks) // 2
        for index in range(start, len(page.blocks)):
            if page.blocks[index].kind != "caption" and boilerplate.is_tail_heading(page.blocks[index].text):
                for block in page.blocks[index:]:
                    page.drop(self.name, f"after {page.blocks[index].text!r}", block)
                page.blocks = page.blocks[:index]
                return


class DropTeasers(Step):
    """Related-article teasers at the end: a short title line, then a summary cut with '...'."""

    name = "teasers"

    def __call__(self, page):
        blocks = page.blocks
        headline = fold_for_compare(page.title) if page.title else None
        # A "title" that is the page's own headline is the headline echoed before the lead, not a teaser.
        while (len(blocks) >= 3 and _is_cut_summary(blocks[-1].text) and _is_teaser_title(blocks[-2].text)
               and fold_for_compare(blocks[-2].text) != headline):
            for block in blocks[-2:]:
                page.drop(self.name, "teaser (title + summary cut with ...)", block)
            blocks = blocks[:-2]
        page.blocks = blocks


def _is_cut_summary(text: str) -> bool:
    return text.endswith(("...", "…")) and len(text) > 60


def _is_teaser_title(text: str) -> bool:
    return len(text) < 150 and not text.endswith((".", "...", "…", ":", ";"))


class DropLeadCopy(Step):
    """The lead pasted again as the first body paragraph (exactly or nearly): keep the lead."""

    name = "lead-copy"

    def __call__(self, page):
        leads = [b for b in page.blocks if b.kind == "lead"]
        if not leads:
            return
        lead_text = " ".join(b.text for b in leads)
        for index, block in enumerate(page.blocks):
            if block.kind in ("lead", "caption", "image_text"):
                continue
            if _same_paragraph(lead_text, block.text) or any(_same_paragraph(b.text, block.text) for b in leads):
                page.drop(self.name, "copy of the lead", block)
                del page.blocks[index]
            return  # only the first body paragraph can be the pasted lead


class DropTitleEcho(Step):
    """A body line that is the headline again (an image's alt or title line)."""

    name = "title-echo"

    def __call__(self, page):
        if not page.title:
            return
        key = fold_for_compare(page.title)
        kept = []
        for block in page.blocks:
            if block.kind != "caption" and fold_for_compare(block.text) == key:
                page.drop(self.name, "repeats the headline", block)
            else:
                kept.append(block)
        page.blocks = kept


class DropImageTextEcho(Step):
    """An image's title line next to a caption that says nearly the same: keep the caption's wording."""

    name = "caption-echo"

    def __call__(self, page):
        captions = [b.text for b in page.blocks if b.kind == "caption"]
        kept = []
        for block in page.blocks:
            if block.kind == "image_text" and any(similarity(block.text, c) >= CAPTION_ECHO for c in captions):
                page.drop(self.name, "image text repeated by its caption", block)
            else:
                kept.append(block)
        page.blocks = kept


class DropRepeats(Step):
    """The same paragraph (or caption) twice in one page: keep the first."""

    name = "repeats"
    min_chars = 60  # short lines (an interviewer's question, list items) may repeat legitimately

    def __call__(self, page):
        seen: set[str] = set()
        kept = []
        for block in page.blocks:
            key = fold_for_compare(block.text)
            if key in seen and (block.kind == "caption" or len(block.text) >= self.min_chars):
                page.drop(self.name, "repeated paragraph", block)
                continue
            seen.add(key)
            kept.append(block)
        page.blocks = kept


class TrailingByline(Step):
    """Where the site puts a bare byline after the article, the last short name line is the author."""

    name = "byline"

    def __call__(self, page):
        if len(page.blocks) < 2:
            return
        last = page.blocks[-1]
        # Where the site is known to sign this way any name line counts; elsewhere only a short one.
        strict = not page.trailing_byline
        if last.kind == "body" and looks_like_byline(last.text, strict):
            # The signature's role ("Hà Thu (tổng hợp)") is not part of the name.
            page.keep_metadata("author", ROLE_SUFFIX.sub("", last.text))
            page.drop(self.name, "trailing byline", last)
            page.blocks.pop()


_PARENTHETICAL = re.compile(r"\s*\([^)]{1,40}\)$")  # "Duy Khánh (thực hiện)"


def looks_like_byline(text: str, strict: bool = False) -> bool:
    """A short line of capitalized words (a Vietnamese name, or several joined by dashes)."""
    if strict and (len(text) > 30 or not 2 <= len(text.split()) <= 4 or any(c in text for c in ",:")):
        return False
    if len(text) > 60 or any(ch.isdigit() for ch in text) or text.endswith((".", "!", "?", ":", ";", ",")):
        return False
    words = [w for w in re.split(r"[\s–-]+", _PARENTHETICAL.sub("", text)) if w]
    return 1 <= len(words) <= 8 and all(w[0].isupper() for w in words)


class KeepTextBlocks(Step):
    """Image texts that nothing repeated stay as ordinary paragraphs."""

    name = "finalize"

    def __call__(self, page):
        for block in page.blocks:
            if block.kind == "image_text":
                block.kind = "body"


def _same_paragraph(a: str, b: str) -> bool:
    if fold_for_compare(a) == fold_for_compare(b):
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) < 0.6 * len(longer):
        return False
    return similarity(a, b) >= NEAR_DUPLICATE


# The order matters: widgets and dates go before duplicates are compared,
# the byline is looked for once the tail is gone.
DEFAULT_STEPS: tuple[Step, ...] = (
    NormalizeText(),
    DropDateLines(),
    CutTail(),
    DropBoilerplateLines(),
    DropSiteLines(),
    DropTeasers(),
    DropLeadCopy(),
    DropTitleEcho(),
    DropImageTextEcho(),
    DropRepeats(),
    TrailingByline(),
    KeepTextBlocks(),
)


def run_steps(page: PageState, steps=DEFAULT_STEPS) -> PageState:
    for step in steps:
        step(page)
    return page
