"""The generic mode's cheaper computations give exactly what the plain ones give.

Each shortcut in the generic path (one look at the class attributes instead of a CSS union,
...) is held here to the straightforward computation it replaces, on the saved pages of
every fixture set and on hand-made markup aimed at the edge cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.cssselect import CSSSelector

from cleaners.extract import parse_html
from cleaners.generic import GENERIC_LEAD_SELECTORS, ClassSelectors, generic_lead

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_pages() -> list[Path]:
    return sorted(FIXTURES.glob("sites/*/*.html")) + sorted(FIXTURES.glob("cms_families/**/*.html"))


LEAD_MARKUP = """<html><body class="lead">
<div class="sapo-box">one</div><div class="xSapox">two</div><div class="article__lead">three</div>
<div class="article__leader">not a word match</div><p class="description">four</p>
<div class="description">div: no</div><h2 class=" x\tdescription\ny ">five</h2>
<h3 class="description">h3: no</h3><span class="  lead  ">six</span><span class="leading">no</span>
<span class="LEAD">no: case</span><i class="a\u00a0lead">NBSP is not XML space: no</i>
<b class="chapeau">seven</b><b class="article-summary x">eight</b><b class="detail-summary">nine</b>
<b class="detail_summary">no</b><b class="">empty</b><b>none</b><b class="lead\x0bx">VT: no</b>
<section><div class="x lead"><p class="description lead">nested</p></div></section>
</body></html>"""


@pytest.mark.parametrize("selectors", [GENERIC_LEAD_SELECTORS, ("[class*=ab]", "div.x", ".y-z")])
def test_class_selectors_match_the_css_union_on_hand_made_markup(selectors):
    tree = parse_html(LEAD_MARKUP.replace("ab", "lead"))
    expected = CSSSelector(", ".join(selectors))(tree)
    assert ClassSelectors(selectors)(tree) == expected
    if selectors is GENERIC_LEAD_SELECTORS:
        assert len(expected) > 10  # the markup exercises the selectors


def test_class_selectors_match_the_css_union_on_every_fixture_page():
    css = CSSSelector(", ".join(GENERIC_LEAD_SELECTORS))
    fast = ClassSelectors(GENERIC_LEAD_SELECTORS)
    found = 0
    pages = fixture_pages()
    assert pages
    for page in pages:
        tree = parse_html(page.read_text(encoding="utf-8", errors="replace"))
        expected = css(tree)
        assert fast(tree) == expected, page
        found += len(expected)
    assert found  # some fixture page has a lead element


def test_generic_lead_is_the_first_lead_element_of_fitting_length():
    tree = parse_html("<html><body><div class='sapo'>short</div>"
                      f"<p class='description'>{'Một đoạn dẫn dài. ' * 5}</p>"
                      f"<div class='lead'>{'Another lead. ' * 5}</div></body></html>")
    assert generic_lead(tree) == " ".join(("Một đoạn dẫn dài. " * 5).split())


def test_class_selectors_refuse_forms_they_do_not_know():
    with pytest.raises(ValueError):
        ClassSelectors(("div > p",))


def test_listed_controls_are_the_ones_the_regex_strips():
    from cleaners.decode import _C0_CONTROLS, _C0_CONTROLS_RE

    listed = {c for c in map(chr, range(0x110000)) if _C0_CONTROLS_RE.match(c)}
    assert listed == set(_C0_CONTROLS)


@pytest.mark.parametrize("text", [
    "<p>clean page</p>",
    "<p>stray \x07 control</p>" + "<p>text</p>" * 20,
    "<p>too many \x07 controls</p>",
    "<p>a few \ufffd replacement \ufffd characters</p>",
    "<p>" + "Ä‘áº£ng " * 3 + "</p>",  # mojibake, repaired
    "<p>" + "x\ufffd" * 50 + "</p>",  # garbled
])
def test_decode_html_checks_as_before(text):
    """decode_html skips the second garbled scan only when the first found no mojibake."""
    from cleaners import decode
    from cleaners.vi.text import garbled_ratio

    body = text.encode("utf-8")
    try:
        decoded = decode.decode_html(body, "text/html; charset=utf-8")
    except decode.DecodeError as error:
        outcome = error.reason
    else:
        outcome = decoded.text
    # The plain sequence of checks, without the shortcut.
    try:
        plain = decode._strip_stray_controls(text)
        if decode.looks_mojibake(plain):
            plain = decode.repair_mojibake(plain)
        runs = plain.count("\ufffd")  # runs of one character each in these texts
        if runs > decode.MAX_REPLACEMENT_RUNS and runs > decode.MAX_REPLACEMENT_RUNS_PER_CHAR * len(plain):
            raise decode.DecodeError("garbled", "")
        if garbled_ratio(plain) > decode.MAX_GARBLED_RATIO:
            raise decode.DecodeError("garbled", "")
    except decode.DecodeError as error:
        plain = error.reason
    assert outcome == plain


HEAD_MARKUP = """<html><head>
<script type="application/ld+json">{"a": 1}</script><script type="APPLICATION/LD+JSON">{}</script>
<script type="text/javascript">var x;</script><script>no type</script><script type="ld+jsonp">x</script>
<meta name="a" content="1"><meta name="b"><meta property="og:url" content=""><META NAME="C" CONTENT="3">
<link rel="canonical" href="/one"><link rel=" Canonical\tnext " href="/two"><link rel="CANONICAL" href="/three">
<link rel="canonical"><link rel="noncanonical" href="/no"><link rel="canonical-x" href="/no">
<link rel="alternate canonical" href="/four"><link rel="cAnOnIcAl" href="/five"><link href="/no-rel">
<link rel="can\u00a0onical" href="/no-nbsp"><link rel="canonical\x0b" href="/vt">
</head><body><div itemscope><span itemprop="name">x</span></div>
<script type="application/ld+json">{"b": 2}</script><meta content="in body" name="d">
<link rel="canonical" href="/in-body"></body></html>"""


def test_head_elements_are_what_the_document_xpaths_select():
    from cleaners import structured

    trees = [parse_html(HEAD_MARKUP)] + [parse_html(p.read_text(encoding="utf-8", errors="replace"))
                                         for p in fixture_pages()]
    hrefs = 0
    for tree in trees:
        found = structured._HeadElements(tree)
        assert found.ld_scripts == tree.xpath(structured._LD_SCRIPTS)
        assert found.metas == tree.xpath(structured._META_CONTENT)
        assert found.canonical_hrefs == [str(h) for h in tree.xpath(structured._CANONICAL)]
        assert structured._ANY_ITEMPROP(tree) == tree.xpath("boolean(//*[@itemprop])")
        hrefs += len(found.canonical_hrefs)
    hand_made = structured._HeadElements(trees[0])
    assert len(hand_made.ld_scripts) == 4 and len(hand_made.metas) == 4  # "ld+jsonp" contains ld+json
    assert hand_made.canonical_hrefs == ["/one", "/two", "/three", "/four", "/five", "/in-body"]
    assert hrefs > len(hand_made.canonical_hrefs)  # fixture pages have canonical links too


def test_head_elements_of_a_subtree_are_the_whole_documents():
    """The XPaths are absolute (//…): they see the whole document from any element."""
    from cleaners import structured

    tree = parse_html(HEAD_MARKUP)
    body = tree.find("body")
    assert structured._HeadElements(body).metas == body.xpath(structured._META_CONTENT)


FORM_MARKUP = """<html><body><form action="/s"><label for="q">Tìm</label><input id="q" name="q">
<select name="c"><option>1</option></select><textarea name="t">x</textarea></form>
<p>Text <b>bold</b> &amp; <br>more</p><table><tr><td>c</td></tr></table><svg><circle/></svg>
<INPUT NAME="upper"><My-Tag>custom</My-Tag></body></html>"""


def test_parser_gives_every_node_the_class_lxml_html_gives():
    from lxml import html as lxml_html

    from cleaners.extract import HTML_ELEMENT_CLASSES

    assert set(lxml_html.HtmlElementClassLookup._default_element_classes) == set(HTML_ELEMENT_CLASSES)
    texts = [FORM_MARKUP] + [p.read_text(encoding="utf-8", errors="replace") for p in fixture_pages()]
    plain_parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    for text in texts:
        ours, plain = parse_html(text), lxml_html.document_fromstring(text, parser=plain_parser)
        pairs = list(zip(ours.iter(), plain.iter()))
        assert len(pairs) == sum(1 for _ in plain.iter())
        assert [(a.tag, type(a)) for a, _ in pairs] == [(b.tag, type(b)) for _, b in pairs]
    form = parse_html(FORM_MARKUP).find(".//form")
    assert isinstance(form, lxml_html.FormElement) and "q" in form.fields


def test_copies_and_new_elements_keep_the_classes():
    """trafilatura works on a copy of the tree and adds and renames elements in it."""
    from copy import copy

    from lxml import etree
    from lxml import html as lxml_html

    plain_parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    results = []
    for tree in (parse_html(FORM_MARKUP), lxml_html.document_fromstring(FORM_MARKUP, parser=plain_parser)):
        tree = copy(tree)
        body = tree.find("body")
        etree.SubElement(body, "input")
        etree.SubElement(body, "p")
        body.find("p").tag = "label"
        results.append([(e.tag, type(e)) for e in tree.iter()])
    assert results[0] == results[1]
    assert (("input", lxml_html.InputElement) in results[0]) and (("label", lxml_html.LabelElement) in results[0])


def test_no_character_normalizes_into_a_bracket():
    """is_header_clock skips lines without "[": NFC (with NFD inside it) never makes one."""
    import sys
    import unicodedata

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char in "[]" or 0xD800 <= code <= 0xDFFF:
            continue
        assert "[" not in unicodedata.normalize("NFD", char), hex(code)


def test_is_blank_agrees_with_the_regex_definition():
    import re
    import sys

    from cleaners.vi.text import _INVISIBLE_CHARS, is_blank

    def plain(s):
        return not re.sub(r"\s+", "", re.sub(f"[{_INVISIBLE_CHARS}]", "", s))

    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    samples = ["", " ", "a", " a ", "\u00a0", "\u200b", " \u200b\u00a0 ", "\u200b a", "\u00ad\u00adx",
               "\ufeff \u2060", "x\u200b", *spaces, "".join(spaces), "\u200b".join(spaces) + "y",
               *(c + "\u200b" for c in spaces), "\u180e", "\u0085", "\u001c\u001f"]
    for s in samples:
        assert is_blank(s) == plain(s), repr(s)


# --- the page walk's attribute shortcut (cleaners/region.py) -----------------------------------

MARKED_MARKUP = """<html><body>
<div class="photo-Caption">a</div><div class="CAPTION">b</div><p class="x hidden">c</p><p class="hide">d</p>
<p class="d-none d-md-block">e</p><span class="sr-only">f</span><i class="visually-hidden">g</i>
<p hidden>h</p><p style="DISPLAY: none">i</p><p style="visibility:hidden">j</p>
<span class="Author-name">k</span><span class="byline">l</span><span class="tac-gia">m</span>
<span class="tacgia">n</span><span itemprop="author">o</span><a rel="author" href="/x">p</a>
<span data-role="AUTHOR">q</span><span class="hiddenx">r</span><span class="plain" id="x">s</span>
<span title="author">t: a title attribute marks nothing</span><p class="">u</p>
</body></html>"""


def _plain_marks(element) -> tuple[bool, bool, bool]:
    """Caption, hidden and author, tested without the shortcut, on every element."""
    from cleaners import region

    classes = element.get("class")
    caption = bool(region._CAPTION_CLASS.search(element.get("class", "")))
    return caption, region._is_hidden(element, classes), region._marks_author(element, classes)


def _shortcut_lets_through(element) -> bool:
    """What page_blocks tests before it looks closer."""
    from cleaners import region

    return bool(len(element.attrib)) and region.worth_a_look(len(element.attrib), element.get("class"))


def _elements_the_shortcut_misses(tree) -> list:
    return [element for element in tree.iter() if isinstance(element.tag, str)
            and any(_plain_marks(element)) and not _shortcut_lets_through(element)]


def test_the_walk_shortcut_keeps_every_marked_element_of_hand_made_markup():
    tree = parse_html(MARKED_MARKUP)
    marked = [element for element in tree.iter() if isinstance(element.tag, str) and any(_plain_marks(element))]
    assert len(marked) == 16  # every line but e (shown on wider screens), r, s, t and u is marked
    assert _elements_the_shortcut_misses(tree) == []


def test_the_walk_shortcut_keeps_every_marked_element_of_the_fixture_pages():
    pages = fixture_pages()
    assert pages
    marked = 0
    for page in pages:
        tree = parse_html(page.read_text(encoding="utf-8", errors="replace"))
        assert _elements_the_shortcut_misses(tree) == [], page
        marked += sum(any(_plain_marks(e)) for e in tree.iter() if isinstance(e.tag, str))
    assert marked  # some fixture page has a caption, hidden or author element


# --- trafilatura's fast mode on pages that declare an article (cleaners/generic.py) -------------

def _real_pages():
    from conftest import shared_or_skip

    import json

    pages = []
    for folder in ("vn-real", "vn-real-2"):
        root = shared_or_skip("benchmarks", folder)
        for meta in sorted(root.glob("*.meta.json")):
            url = json.loads(meta.read_text(encoding="utf-8")).get("url")
            pages.append((meta.with_name(meta.name.removesuffix(".meta.json") + ".html"), url))
    return pages


def test_fast_mode_on_declared_articles_gives_the_same_documents_as_the_fallbacks(monkeypatch):
    """Every real page and every fixture page: the document (or the rejection) is the same with
    trafilatura's fallbacks always on as with them skipped on pages that declare an article."""
    from cleaners import generic
    from cleaners.cleaner import Cleaner

    cleaner = Cleaner()
    pages = [(path, url) for path, url in _real_pages()] + [(path, None) for path in fixture_pages()]

    def documents():
        found = []
        for path, url in pages:
            result = cleaner.clean(path.read_bytes(), url=url, site="generic")
            found.append((result.status, result.reason, result.document and result.document.text))
        return found

    from cleaners.structured import structured_metadata

    trees = [parse_html(path.read_text(encoding="utf-8", errors="replace")) for path, _ in pages]
    assert sum(generic.skip_fallbacks(tree, structured_metadata(tree)) for tree in trees) >= 15  # real articles
    shortcut = documents()
    monkeypatch.setattr(generic, "skip_fallbacks", lambda tree, structured: generic.too_many_blocks(tree))
    assert documents() == shortcut


def test_fallbacks_are_skipped_only_where_structured_data_declares_an_article():
    from cleaners.generic import skip_fallbacks
    from cleaners.structured import structured_metadata

    article = parse_html('<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
                         '"headline": "Tin"}</script></head><body><h1>Tin</h1><p>x</p></body></html>')
    listing = parse_html('<html><head><meta property="og:type" content="website"><script type='
                         '"application/ld+json">{"@type": "WebPage", "name": "Kinh doanh"}</script>'
                         '</head><body><h1>Kinh doanh</h1></body></html>')
    assert skip_fallbacks(article, structured_metadata(article)) is True
    assert skip_fallbacks(listing, structured_metadata(listing)) is False
