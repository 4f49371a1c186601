"""The one-walk XPath of remove_hidden selects what the readable CSS rule selects."""

from __future__ import annotations

from lxml import html

from cleaners.extract import HIDDEN_SELECTOR, _HIDDEN_XPATH, css
from conftest import SITE_FIXTURES, shared_or_skip

CASES = """<html><body>
<div class="hidden">a</div><div class="x hide y">b</div><p class="d-none">c</p><span class="sr-only">d</span>
<i class="visually-hidden">e</i><b hidden>f</b><div class="hidden-xs">not</div><div class="hider">not</div>
<div class="d-none-ish">not</div><div class="not-sr-only">not</div><div class="  hidden  ">g</div>
<div class="hid">not</div><div>not</div><div class="a	hidden">h</div><div class="unhide">not</div>
</body></html>"""


def test_the_xpath_selects_what_the_css_rule_selects_on_edge_cases():
    tree = html.document_fromstring(CASES)
    chosen = _HIDDEN_XPATH(tree)
    assert chosen == css(HIDDEN_SELECTOR)(tree)
    assert [e.text_content() for e in chosen] == list("abcdefgh")


def test_the_xpath_selects_what_the_css_rule_selects_on_real_and_fixture_pages():
    pages = sorted(shared_or_skip("benchmarks", "vn-real").glob("*.html"))
    pages += sorted(shared_or_skip("benchmarks", "vn-real-2").glob("*.html"))
    pages += sorted(SITE_FIXTURES.glob("*/*.html"))
    found = 0
    for path in pages:
        tree = html.document_fromstring(path.read_bytes())
        chosen = _HIDDEN_XPATH(tree)
        assert chosen == css(HIDDEN_SELECTOR)(tree), path.name
        found += len(chosen)
    assert found > 0  # the pages do hide things: the comparison compared something
