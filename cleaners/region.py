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

from .extract import _DISPLAY_NONE as HIDDEN_STYLE
from .extract import _SHOWN_ON_WIDER_SCREENS as SHOWN_ON_WIDER_SCREENS
from .extract import BLOCK_TAGS, HEADING_TAGS, HIDDEN_CLASSES, SKIP_TAGS
from .vi.text import collapse_whitespace

BOLD_TAGS = frozenset(("b", "strong"))
# figcaption, and the class word every CMS gives a caption holder it builds from divs, tds or ps.
_CAPTION_CLASS = re.compile(r"caption", re.IGNORECASE)
# The word every CMS uses for the element holding the writer's name (class, itemprop, data-role, rel).
_AUTHOR_MARK = re.compile(r"author|byline|tac-?gia", re.IGNORECASE)
# The hidden classes of configured mode (extract.HIDDEN_CLASSES), as whole class words.
_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:" + "|".join(map(re.escape, HIDDEN_CLASSES)) + r")(?:\s|$)")
# Every class attribute _CAPTION_CLASS, _HIDDEN_CLASS or _AUTHOR_MARK matches holds one of these.
_CLASS_HINT = re.compile("|".join(("caption", "author", "byline", "tac", *map(re.escape, HIDDEN_CLASSES))),
                         re.IGNORECASE)
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
    return (len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")
            - text.count("\xa0"))


def page_blocks(root) -> list[PageBlock]:
    """The visible text of `root` cut into blocks at block-level elements and <br>, in document
    order. Iterative (lxml's iterwalk), so a deeply nested page cannot exhaust the stack."""
    blocks: list[PageBlock] = []
    buffer: list[str] = []
    # The block being filled: solid characters, of which in links, in bold; the leading link's.
    chars = link = bold = lead = links = 0
    started = False
    datetime = author = None
    seen = 0  # solid characters added so far on the whole page: tells whether a link showed text
    stack: list = [root]  # open block-level elements
    in_link = in_bold = in_caption = hidden = 0
    link_start: list[tuple[int, int]] = []  # for each open <a>: (-1 or chars when it opened a block, seen)

    def add(text):  # called for text that is there and not hidden (hidden text is not on the page)
        nonlocal chars, link, bold, started, seen
        buffer.append(text)
        solid = _solid(text)
        if solid:
            started = True
            chars += solid
            seen += solid
            if in_link:
                link += solid
            if in_bold:
                bold += solid

    def flush():
        nonlocal chars, link, bold, lead, started, datetime, author, links
        if buffer:
            text = collapse_whitespace("".join(buffer))
            buffer.clear()
            if text:
                element = stack[-1]
                kind = "caption" if in_caption else ("heading" if element.tag in HEADING_TAGS else "body")
                blocks.append(PageBlock(text, element, chars, link, lead, bold, kind, bool(hidden), datetime,
                                        author, links))
        chars = link = bold = lead = links = 0
        started = False
        datetime = author = None

    flags: dict = {}  # element -> what it opened, to close on its end event
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if event == "start":
            if element is root:
                if element.text:
                    add(element.text)
                continue
            if not isinstance(tag, str):
                continue
            if tag in SKIP_TAGS:  # its end event only adds its tail
                walker.skip_subtree()
                continue
            if tag == "br":
                flush()
                continue
            opened = 0
            if tag in BLOCK_TAGS:
                flush()
                stack.append(element)
                opened |= _BLOCK
            if tag == "a":
                link_start.append((-1 if started else chars, seen))
                in_link += 1
                opened |= _LINK
            elif tag in BOLD_TAGS:
                in_bold += 1
                opened |= _BOLD
            elif tag == "time" and datetime is None and element.get("datetime"):
                datetime = element.get("datetime")
            if tag == "figcaption":
                in_caption += 1
                opened |= _CAPTION
            attributes = len(element.attrib)
            if attributes:  # most elements have none, or a class that names nothing of these
                classes = element.get("class")
                if worth_a_look(attributes, classes):
                    if classes and tag != "figcaption" and _CAPTION_CLASS.search(classes):
                        in_caption += 1
                        opened |= _CAPTION
                    if _is_hidden(element, classes):
                        hidden += 1
                        opened |= _HIDDEN
                    if author is None and _marks_author(element, classes):
                        author = collapse_whitespace(element.text_content()) or None
            if opened:
                flags[element] = opened
            if not hidden:
                text = element.text
                if text:
                    add(text)
        else:
            if element is root:
                break
            if not isinstance(tag, str):
                if not hidden:
                    text = element.tail
                    if text:
                        add(text)
                continue
            opened = flags.pop(element, 0)
            if opened & _LINK:
                in_link -= 1
                started_at, seen_at = link_start.pop()
                # Text shown inside the link; else any text at all (hidden, in a script) counts too.
                if seen > seen_at or element.text_content().strip():
                    links += 1
                if started_at == 0 and not lead:
                    lead = chars
            if opened & _BOLD:
                in_bold -= 1
            if opened & _BLOCK:
                flush()
                stack.pop()
            if opened & _CAPTION:
                in_caption -= 1
            if opened & _HIDDEN:
                hidden -= 1
            if not hidden:
                text = element.tail
                if text:
                    add(text)
    flush()
    return blocks


_BLOCK, _LINK, _BOLD, _CAPTION, _HIDDEN = 1, 2, 4, 8, 16  # what an element opened, closed at its end


def _marks_author(element, classes: str | None) -> bool:
    if classes and _AUTHOR_MARK.search(classes):
        return True
    for name in ("itemprop", "data-role", "rel"):
        value = element.get(name)
        if value and _AUTHOR_MARK.search(value):
            return True
    return False


def worth_a_look(attributes: int, classes: str | None) -> bool:
    """An element with `attributes` attributes and this class value may be a caption holder,
    hidden or an author element: its class holds a hint word, or it has other attributes.
    The walk tests the exact rules on these elements only."""
    return bool(classes is not None and _CLASS_HINT.search(classes)) or attributes > (classes is not None)


def _is_hidden(element, classes: str | None) -> bool:
    if element.get("hidden") is not None:
        return True
    if classes and _HIDDEN_CLASS.search(classes) and not SHOWN_ON_WIDER_SCREENS.search(classes):
        return True
    style = element.get("style")
    return bool(style and HIDDEN_STYLE.search(style))


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
        subtree = set(element.iter())  # one C walk, instead of every block's ancestors
        inside = [i for i, b in enumerate(self.blocks) if b.element in subtree]
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


# --- chapters of a media player --------------------------------------------------------------
# A podcast or video page lists the parts of its recording as controls that seek the page's
# player: "00:17 Cháy bãi rác …" as a link that goes nowhere (javascript:, #) or an element
# carrying the time (data-time="17"). The titles are the article's text (the recording's table of
# contents); the times, the player and the hint above the list are the player's chrome. Known by
# shape only: a time at the start (or end) of the line, and a control that seeks instead of
# navigating. Trafilatura drops such a list (all links), and a list of links reads as teasers.
_TIME = r"(?:\d{1,2}:)?\d{1,2}:[0-5]\d"
_TIME_FIRST = re.compile(rf"[(\[]?({_TIME})[)\]]?(?:\s*[-–—:|.]\s*|\s+)(.+)")
_TIME_LAST = re.compile(rf"(.+?)(?:\s*[-–—|]\s*|\s+)[(\[]?({_TIME})[)\]]?")
_TIME_ALONE = re.compile(rf"[(\[]?({_TIME})[)\]]?")
# data-time="17", data-seek="1:02", data-start-time="69.5": the time a control moves the player to.
_SEEK_ATTRIBUTE = re.compile(r"data-(?:seek(?:-?to)?|time(?:-?start)?|start(?:-?time)?|timestamp|seconds?|t)")
_SEEK_VALUE = re.compile(rf"\d+(?:\.\d+)?s?|{_TIME}")
# A link that stays on the page (javascript:, an empty or bare fragment) or jumps in the recording (?t=17).
_SEEK_HREF = re.compile(r"^\s*(?:javascript:|#?\s*$)|[#?&]t=\d", re.IGNORECASE)
_SEEK_SCRIPT = re.compile(r"seek|currentTime|jump", re.IGNORECASE)
SEEK_LEVELS = 2  # block-level wrappers between a chapter's text and the control holding it
SEEK_SLACK = 12  # characters a control may hold besides its chapter's time and title
CHAPTER_GAP = 1  # blocks (a chapter's one-line summary) that may stand between two chapters


@dataclass
class Chapter:
    """One entry of a player's chapter list: where it stands in the page's blocks, its title
    without the time, and the time in seconds."""

    start: int
    end: int  # last block of the entry (a layout may put the time and the title in two blocks)
    title: str
    seconds: int
    element: object  # the control that seeks the player


def _seconds(text: str) -> int:
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part)
    return total


def _split_time(text: str) -> tuple[int, str] | None:
    """(seconds, title) of a line that starts or ends with a time; the title must hold words."""
    for pattern, time_group, title_group in ((_TIME_FIRST, 1, 2), (_TIME_LAST, 2, 1)):
        match = pattern.fullmatch(text)
        if match:
            title = match.group(title_group).strip()
            if sum(c.isalpha() for c in title) >= 2:
                return _seconds(match.group(time_group)), title
    return None


def _attribute_seconds(value: str) -> float | None:
    value = value.strip()
    if _SEEK_VALUE.fullmatch(value):
        return _seconds(value) if ":" in value else float(value.rstrip("s"))
    return None


def _is_seek_control(node, seconds: int) -> bool:
    """An element that moves the player to `seconds` (the time it shows): a time attribute
    saying the same time (not a publication timestamp), a link that stays on the page, or a
    click handler that seeks."""
    for name, value in node.attrib.items():
        if _SEEK_ATTRIBUTE.fullmatch(name):
            moved_to = _attribute_seconds(value)
            if moved_to is not None and abs(moved_to - seconds) <= 1:
                return True
    if node.tag == "a":
        return _SEEK_HREF.search(node.get("href") or "") is not None
    return _SEEK_SCRIPT.search(node.get("onclick") or "") is not None


def _seek_control(element, text: str, seconds: int):
    """The element that seeks the player, holding `text` (a chapter's time and title) and
    little else: the block's element, a link inside it, or a wrapper just above it. A control
    holding a link to another page is a teaser (a 'latest news' line with its time), not a chapter."""
    solid = _solid(text)
    candidates = [element, *element.iterdescendants("a")]
    for level, ancestor in enumerate(element.iterancestors()):
        if level >= SEEK_LEVELS:
            break
        candidates.append(ancestor)
    for node in candidates:
        if not isinstance(node.tag, str) or not _is_seek_control(node, seconds):
            continue
        if abs(_solid(node.text_content()) - solid) > SEEK_SLACK:
            continue  # holds more than this one chapter, or only part of it
        if any(not _SEEK_HREF.search(a.get("href") or "") for a in node.iter("a")):
            continue
        return node
    return None


def chapter_runs(blocks: list[PageBlock], after: int = -1) -> list[list[Chapter]]:
    """The chapter lists of media players after block `after`: two or more seek controls, each a
    time and a title, one under the other, the times rising."""
    entries: list[Chapter] = []
    index = after + 1
    while index < len(blocks):
        found = _chapter_at(blocks, index)
        if found is not None:
            entries.append(found)
            index = found.end + 1
        else:
            index += 1
    runs: list[list[Chapter]] = []
    for entry in entries:
        if runs and entry.start - runs[-1][-1].end <= CHAPTER_GAP + 1 and entry.seconds > runs[-1][-1].seconds:
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return [run for run in runs if len(run) >= 2]


def holds(ancestor, element) -> bool:
    """`element` is `ancestor` or inside it (lxml elements compare by identity here)."""
    return element is ancestor or any(a is ancestor for a in element.iterancestors())


def _chapter_at(blocks: list[PageBlock], index: int) -> Chapter | None:
    """The chapter entry starting at block `index`, if one does."""
    block = blocks[index]
    text = block.text
    if block.hidden or not (text[0] in "0123456789([" or text[-1].isdigit() or text[-1] in ")]"):
        return None  # the cheap test: no time at either end
    split, end = _split_time(text), index
    alone = _TIME_ALONE.fullmatch(text)
    if split is None and alone and index + 1 < len(blocks) and not blocks[index + 1].hidden:
        # The time and the title in two blocks of one control.
        title = blocks[index + 1].text
        if sum(c.isalpha() for c in title) >= 2:
            split, end = (_seconds(alone.group(1)), title), index + 1
    if split is None:
        return None
    whole = text if end == index else f"{text} {blocks[end].text}"
    control = _seek_control(block.element, whole, split[0])
    if control is None or (end > index and not holds(control, blocks[end].element)):
        return None
    return Chapter(index, end, split[1], split[0], control)
