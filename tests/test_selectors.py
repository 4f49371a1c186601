"""The page index answers a selector as lxml's CSSSelector does: the same elements, in the
same order, at any context node, and after elements left the tree (cleaners/selectors.py)."""

from __future__ import annotations

import pytest
from lxml import etree, html
from lxml.cssselect import CSSSelector

from cleaners.decode import decode_html
from cleaners.extract import HIDDEN_SELECTOR, _last_compound
from cleaners.selectors import class_words, css, indexed, paths
from crawler.registry import load_registry
from conftest import vietnamese_pages

EDGES = """<html><body id="top" class="page">
<div class="a">1<p class="b">2</p><section><p class="b c">3</p></section></div>
<div class="a b" id="x"><span class="b">4</span><div class="a"><i class="b">5</i></div></div>
<p class="	b
c">6</p><p class="b\u00a0c">7</p><p class=" c  b ">8</p><p class="B">9</p>
<div id="x y"><b class="b" data-role="">10</b><b class="b" data-role="author">11</b></div>
<em class="b" hidden>12</em><em class="d" style="display:none">13</em><em hidden class="">14</em>
<div class="item"><span id="lblTitle" class="t">15</span><span id="ctl00_lblTitle" class="t">16</span></div>
</body></html>"""

EDGE_SELECTORS = [
    ".b", ".a .b", ".a > .b", "div.a > p.b", ".a .a .b", ".a > .a > .b", "div .b", "body .a .b", ".c.b", ".b.c",
    "p.b", "#x", "#x .b", "div#x > span.b", "#x.b", ".a#x", "[id='x y'] .b", ".b[data-role]", ".b[data-role=author]",
    ".b[data-role='']", ".b[data-role^=aut]", ".b[data-role$=hor]", ".b[data-role*=uth]", ".b[data-role^='']",
    ".b[data-role*='']", ".t[id$=lblTitle]", ".item .t[id^=ctl00]", ".B", ".b, .a", ".a, .b", "#x, .b, .c",
    HIDDEN_SELECTOR, "[hidden]", "[style]", "em[hidden]", ".page .b", "#top > div.a", "#top", ".b c", ".nothing",
    "#nothing .b", "p.b, span.b, i.b",
    # forms the index leaves to lxml
    ":not(.a)", ".a + .b", ".a ~ div", ".a *", "* .b", "*", "p", "div p", ".b:first-child", "[data-role]",
    "p:nth-of-type(2)",
]


def _same(selector: str, context) -> tuple[list, list]:
    return css(selector)(context), CSSSelector(selector)(context)


def test_class_words_split_on_xml_whitespace_only():
    assert class_words(" a\tb\r\nc\u00a0d  ") == ["a", "b", "c\u00a0d"]


def test_the_index_answers_forms_with_a_class_id_or_indexed_attribute_last_and_leaves_the_rest():
    for selector in (".b", "#x", ".a > p.b", ".a .b, #x", "[hidden]", "[style]", ".b[data-role=author]",
                     "div#x > span.b"):
        assert paths(selector) is not None, selector
    for selector in (":not(.a)", ".a + .b", ".a *", "* .b", "p", "div p", "[data-role]", ".a .b::text", ".a, p",
                     ".b:first-child", "[data-role='a' i]"):
        assert paths(selector) is None, selector


def test_edge_cases_match_lxml_at_every_context():
    tree = html.document_fromstring(EDGES)
    contexts = [tree, tree.find("body"), *tree.iter("div"), *tree.xpath("//*[@class='b']")]
    with indexed(tree):
        served = 0
        for selector in EDGE_SELECTORS:
            for context in contexts:
                got, want = _same(selector, context)
                assert got == want, (selector, context.tag, context.get("class"))
                served += paths(selector) is not None and bool(want)
        assert served > 50  # the index answered, and found something
        # Elements leave the tree: neither they nor what they hold are found any more.
        doomed = tree.get_element_by_id("x")
        doomed.getparent().remove(doomed)
        tree.xpath("//p[@class=' c  b ']")[0].drop_tree()
        for selector in EDGE_SELECTORS:
            for context in (tree, tree.find("body")):
                got, want = _same(selector, context)
                assert got == want, ("after removal", selector)
        assert css(".b")(tree) and not any(e.text == "4" for e in css(".b")(tree))
        # A removed element as context: lxml answers, inside it.
        assert css(".b")(doomed) == CSSSelector(".b")(doomed) != []


def test_outside_indexed_lxml_answers():
    tree = html.document_fromstring(EDGES)
    assert css(".a .b")(tree) == CSSSelector(".a .b")(tree)
    other = html.document_fromstring(EDGES)
    with indexed(tree):  # an element of another tree is not answered from this tree's index
        assert css(".b")(other.find("body")) == CSSSelector(".b")(other.find("body")) != []
        assert css(".b")(etree.ElementTree(tree)) == CSSSelector(".b")(etree.ElementTree(tree))


def config_selectors() -> list[str]:
    """Every CSS selector of the shipped site configs and CMS profiles (resolved as the cleaner
    resolves them), the relaxed last compounds extraction falls back to, and the cleaner's own."""
    registry = load_registry()
    resolved = [registry.resolve(name) for name in registry.sites] + \
        [registry.resolve_profile(name) for name in registry.profiles]
    found = {HIDDEN_SELECTOR, "[style]"}
    for site in resolved:
        rules = site.extract
        for name in ("title", "lead", "body", "captions", "image_text", "remove", "body_end"):
            found.update(getattr(rules, name) or ())
        for name in ("published", "author", "source", "kicker", "category"):
            found.update(rule.css for rule in getattr(rules, name) or ())
    found.update(filter(None, (_last_compound(s) for s in list(found))))
    return sorted(found)


def test_every_configured_selector_matches_lxml_on_every_page_we_hold():
    selectors = config_selectors()
    served = [s for s in selectors if paths(s) is not None]
    assert len(selectors) > 150 and len(served) > 0.6 * len(selectors), (len(served), len(selectors))
    pages = vietnamese_pages()
    assert len(pages) >= 44
    found = 0
    for path in pages:
        tree = html.document_fromstring(decode_html(path.read_bytes()).text)
        with indexed(tree):
            contexts = [tree, *tree.xpath("//body//*[@class][count(.//*) > 20][1]")]
            for context in (c for c in contexts if c is not None):
                for selector in served:
                    got, want = _same(selector, context)
                    assert got == want, (path.name, selector, context.tag)
                    found += len(want)
            # The extraction removes elements after the index is made: every third element
            # with a class or an id leaves the tree, then everything is asked again.
            for element in tree.xpath("//body//*[@class or @id]")[::3]:
                if element.getparent() is not None:
                    element.getparent().remove(element)
            for selector in served:
                got, want = _same(selector, tree)
                assert got == want, ("after removals", path.name, selector)
    assert found > 1000  # the selectors do select on these pages: the comparison compared something


@pytest.mark.parametrize("selector", ["", ".", "a[", "::"])
def test_invalid_selectors_are_not_planned(selector):
    assert paths(selector) is None
