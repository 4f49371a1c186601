"""The article region of a page, found from its structure rather than from selectors.

Generic mode (cleaners/generic.py) gets its paragraphs from trafilatura, which judges the
whole page. This module gives the second, structural view of the same page:

* the page's text blocks in document order (one walk of the tree), each with how much of
  it is link text, whether it starts with a link, whether it is a caption or a heading;
* the headline element (the block whose text is the headline);
* the body container (the deepest element holding most of the extracted text);
* teaser runs: prose that sits under a linked title, which is what a listing is made of.

With these the generic path keeps what lies in the article region (headline to end of body),
adds the captions and subheadings of that region that trafilatura dropped, drops what lies
outside it (source boxes, footers, sidebars), takes the date next to the headline, and tells
an article from a listing by the article region, not by the link share of the whole page.
Nothing here knows a site: only tags, class words every CMS uses ("caption") and text shapes.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from lxml import etree

from .extract import _SHOWN_ON_WIDER_SCREENS as SHOWN_ON_WIDER_SCREENS
from .extract import BLOCK_TAGS, HEADING_TAGS, SKIP_TAGS
from .vi.text import collapse_whitespace

BOLD_TAGS = frozenset(("b", "strong"))
# figcaption, and the class word every CMS gives a caption holder it builds from divs, tds or ps.
_CAPTION_CLASS = re.compile(r"caption", re.IGNORECASE)
# The word every CMS uses for the element holding the writer's name (class, itemprop, data-role, rel).
_AUTHOR_MARK = re.compile(r"author|byline|tac-?gia", re.IGNORECASE)
_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:hidden|hide|d-none|sr-only|visually-hidden)(?:\s|$)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
BODY_SHARE = 0.8  # the body container holds at least this share of the extracted text
TEASER_TITLE_CHARS = 20  # a linked teaser title is at least this long
CARD_BLOCKS = 4  # a teaser card holds its title, a date or label, a summary: a few blocks
LOCATE_PREFIX = 30  # characters that place a paragraph the extractor glued from several blocks


@dataclass
class PageBlock:
    """One paragraph-sized piece of the page's visible text, where it sits and what it looks like."""

    text: str
    element: object  # the innermost block-level element holding the text
    chars: int  # non-space characters
    link_chars: int  # of which in links
    lead_link: int  # non-space characters of the link the block starts with (0: no leading link)
    bold_chars: int
    kind: str  # "body", "heading" (h1-h6) or "caption"
    hidden: bool
    datetime: str | None = None  # the datetime attribute of a <time> in the block
    author: str | None = None  # the text of an author element (class or role "author") in the block
    links: int = 0  # links with text in the block

    @property
    def link_share(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0

    @property
    def is_link(self) -> bool:
        """A whole line that is a link (a teaser title, a menu item)."""
        return self.link_share >= 0.8

    @property
    def is_link_bar(self) -> bool:
        """Several links side by side and little else: a menu row, a print/send/share toolbar."""
        return self.links >= 2 and self.link_share >= 0.8

    @property
    def looks_like_heading(self) -> bool:
        return self.kind == "heading" or (self.chars > 0 and self.bold_chars >= self.chars)


def _solid(text: str) -> int:
    return len(text) - sum(text.count(c) for c in " \t\r\n\xa0")


def page_blocks(root) -> list[PageBlock]:
    """The visible text of `root` cut into blocks at block-level elements and <br>, in document
    order. Iterative (lxml's iterwalk), so a deeply nested page cannot exhaust the stack."""
    blocks: list[PageBlock] = []
    buffer: list[str] = []
    state = {"chars": 0, "link": 0, "bold": 0, "lead": 0, "started": False, "datetime": None, "author": None,
             "links": 0}
    stack: list = [root]  # open block-level elements
    depth = {"a": 0, "bold": 0, "caption": 0, "hidden": 0, "skip": 0}
    link_start: list[int] = []  # for each open <a>: -1, or the chars count when it opened a block

    def add(text):
        if not text or depth["skip"] or depth["hidden"]:  # hidden text is not on the page
            return
        solid = _solid(text)
        buffer.append(text)
        if not solid:
            return
        state["started"] = True
        state["chars"] += solid
        if depth["a"]:
            state["link"] += solid
        if depth["bold"]:
            state["bold"] += solid

    def flush():
        text = collapse_whitespace("".join(buffer))
        if text:
            element = stack[-1]
            tag = element.tag if isinstance(element.tag, str) else ""
            kind = "caption" if depth["caption"] else ("heading" if tag in HEADING_TAGS else "body")
            blocks.append(PageBlock(text, element, state["chars"], state["link"], state["lead"],
                                    state["bold"], kind, bool(depth["hidden"]), state["datetime"],
                                    state["author"], state["links"]))
        buffer.clear()
        state.update(chars=0, link=0, bold=0, lead=0, started=False, datetime=None, author=None, links=0)

    flags: dict = {}  # element -> what it opened, to close on its end event
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else None
        if event == "start":
            if element is root:
                add(element.text)
                continue
            if tag is None:
                continue
            opened = []
            if tag in SKIP_TAGS:
                walker.skip_subtree()
                flags[element] = ("skip",)
                continue
            if tag == "br":
                flush()
                flags[element] = ()
                continue
            if tag in BLOCK_TAGS:
                flush()
                stack.append(element)
                opened.append("block")
            if tag == "figcaption" or _CAPTION_CLASS.search(element.get("class", "")):
                depth["caption"] += 1
                opened.append("caption")
            if _is_hidden(element):
                depth["hidden"] += 1
                opened.append("hidden")
            if tag == "a":
                link_start.append(-1 if state["started"] else state["chars"])
                depth["a"] += 1
                opened.append("a")
            if tag in BOLD_TAGS:
                depth["bold"] += 1
                opened.append("bold")
            if tag == "time" and state["datetime"] is None and element.get("datetime"):
                state["datetime"] = element.get("datetime")
            if state["author"] is None and _marks_author(element):
                state["author"] = collapse_whitespace(element.text_content()) or None
            flags[element] = tuple(opened)
            add(element.text)
        else:
            if element is root:
                break
            if tag is None:
                add(element.tail)
                continue
            opened = flags.pop(element, ())
            if opened == ("skip",):
                add(element.tail)
                continue
            if "a" in opened:
                depth["a"] -= 1
                started_at = link_start.pop()
                if element.text_content().strip():
                    state["links"] += 1
                if started_at == 0 and not state["lead"]:
                    state["lead"] = state["chars"]
            if "bold" in opened:
                depth["bold"] -= 1
            if "block" in opened:
                flush()
                stack.pop()
            if "caption" in opened:
                depth["caption"] -= 1
            if "hidden" in opened:
                depth["hidden"] -= 1
            add(element.tail)
    flush()
    return blocks


def _marks_author(element) -> bool:
    return any(_AUTHOR_MARK.search(element.get(name) or "")
               for name in ("class", "itemprop", "data-role", "rel"))


def _is_hidden(element) -> bool:
    if element.get("hidden") is not None:
        return True
    classes = element.get("class")
    if classes and _HIDDEN_CLASS.search(classes) and not SHOWN_ON_WIDER_SCREENS.search(classes):
        return True
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


class PageMap:
    """The page's blocks with a way to find where a piece of extracted text came from."""

    def __init__(self, tree):
        body = tree.find("body") if tree.tag == "html" else tree
        self.blocks = page_blocks(body if body is not None else tree)
        self._index: dict[str, list[int]] = {}
        for position, block in enumerate(self.blocks):
            self._index.setdefault(block.text, []).append(position)
        # Joined with spaces: a paragraph the extractor glued from neighbouring blocks (the
        # cells of a layout row, a teaser's title and summary) is found where it starts.
        self._joined = " ".join(b.text for b in self.blocks)
        self._starts: list[int] = []
        offset = 0
        for block in self.blocks:
            self._starts.append(offset)
            offset += len(block.text) + 1

    def locate(self, text: str, after: int | None = None) -> int | None:
        """The index of the block holding `text` (equal, or containing it), None if not found.
        Where the text occurs more than once (a paragraph quoted again by a teaser), the first
        occurrence from block `after` on is taken."""
        found = self._index.get(text)
        if found is not None:
            if after is not None:
                return next((p for p in found if p >= after), found[0])
            return found[0]
        if len(text) < 12:
            return None
        # Not one block: a paragraph the extractor glued from several (a teaser's title and
        # summary), or one whose spacing differs. Its opening words name where it starts.
        start = self._starts[after] if after is not None and 0 <= after < len(self._starts) else 0
        for needle in (text, text[:LOCATE_PREFIX]):
            offset = self._joined.find(needle, start)
            if offset < 0 and start:
                offset = self._joined.find(needle)
            if offset >= 0:
                return bisect.bisect_right(self._starts, offset) - 1
        return None

    def find_headline(self, title: str | None) -> int | None:
        """The block that is the headline: a heading with the title's text first, any block after."""
        if not title:
            return None
        key = collapse_whitespace(title).casefold()
        equal = [i for i, b in enumerate(self.blocks) if b.text.casefold() == key and not b.hidden]
        for position in equal:
            if self.blocks[position].kind == "heading":
                return position
        return equal[0] if equal else None

    def container(self, positions: list[int]):
        """The deepest element that holds at least BODY_SHARE of the text at `positions`."""
        weights: dict = {}
        total = 0
        for position in positions:
            block = self.blocks[position]
            total += block.chars
            for element in (block.element, *block.element.iterancestors()):
                weights[element] = weights.get(element, 0) + block.chars
        if not total:
            return None
        best, best_depth = None, -1
        for element, weight in weights.items():
            if weight >= BODY_SHARE * total:
                depth = sum(1 for _ in element.iterancestors())
                if depth > best_depth:
                    best, best_depth = element, depth
        return best

    def span(self, element) -> tuple[int, int] | None:
        """First and last block index inside `element` (blocks of a subtree are contiguous)."""
        inside = [i for i, b in enumerate(self.blocks)
                  if b.element is element or any(a is element for a in b.element.iterancestors())]
        return (inside[0], inside[-1]) if inside else None

    def in_teaser_card(self, position: int, headline: int | None) -> bool:
        """Under a linked title, and alone with it (and its date) in their own container: a card,
        not a paragraph of an article body that follows a 'read also' link."""
        title = self._teaser_title(position, headline)
        if title is None:
            return False
        ancestors = [self.blocks[title].element, *self.blocks[title].element.iterancestors()]
        for element in (self.blocks[position].element, *self.blocks[position].element.iterancestors()):
            if any(element is a for a in ancestors):
                span = self.span(element)
                return span is not None and span[1] - span[0] <= CARD_BLOCKS
        return False

    def _teaser_title(self, position: int, headline: int | None) -> int | None:
        for back in range(position - 1, max(-1, position - 4), -1):
            previous = self.blocks[back]
            if back == headline:
                return None
            if previous.is_link and previous.chars >= TEASER_TITLE_CHARS:
                return back
            if previous.chars >= 40 or previous.is_link:
                return None
        return None

    def under_teaser_title(self, position: int, headline: int | None) -> bool:
        """Prose placed under a linked title (or starting with one): a teaser's summary.
        Short unlinked lines between (a date, a category label) are skipped."""
        block = self.blocks[position]
        if TEASER_TITLE_CHARS <= block.lead_link < 0.8 * block.chars:
            return True
        for back in range(position - 1, max(-1, position - 4), -1):
            previous = self.blocks[back]
            if back == headline:
                return False
            if previous.is_link and previous.chars >= TEASER_TITLE_CHARS:
                return True
            if previous.chars >= 40 or previous.is_link:
                return False
        return False

    def headline_run(self, headline: int) -> list[int]:
        """The blocks right under the headline up to the first linked title or row of links:
        where a short article's own text stands when the extraction took the teasers below it."""
        run = []
        for index in range(headline + 1, len(self.blocks)):
            block = self.blocks[index]
            if block.link_share >= 0.5 and (block.chars >= TEASER_TITLE_CHARS or block.links >= 2):
                break
            if block.kind == "heading" and index + 1 < len(self.blocks) and self.blocks[index + 1].is_link:
                break  # "Tin liên quan" above a list of links
            run.append(index)
        return run
