"""Pins on Scrapy internals that crawler/crawl/downloader.py relies on.

Scrapy offers no setting, slot policy or documented hook for how Downloader._process_queue
counts a request as transferring (searched 2026-12-07: DOWNLOAD_SLOTS, the slot's
concurrency and delay, the downloader-slot meta key all act after that loop), so
SlotLimitedDownloader overrides the private method with one line added. This test fails when
Scrapy's method changes, so that an upgrade re-examines the copy instead of silently keeping
an outdated one.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

from scrapy.core.downloader import Downloader

from crawler.crawl.downloader import SlotLimitedDownloader

OUR_FIX = "slot.transferring.add(request)"


def _body(method, without: str | None = None) -> str:
    """The method's body, normalized (comments, blank lines and layout do not count), with the
    statements equal to `without` left out."""
    function = ast.parse(textwrap.dedent(inspect.getsource(method))).body[0]

    class Drop(ast.NodeTransformer):
        def visit_Expr(self, node):
            return None if ast.unparse(node) == without else node

    return "\n".join(ast.unparse(Drop().visit(statement)) for statement in function.body)


def test_our_process_queue_is_scrapys_plus_the_one_line_fix():
    ours = _body(SlotLimitedDownloader._process_queue)
    assert f"\n    {OUR_FIX}\n" in ours, "the fix line is gone from crawler/crawl/downloader.py"
    assert _body(SlotLimitedDownloader._process_queue, without=OUR_FIX) == _body(Downloader._process_queue), (
        "Scrapy's Downloader._process_queue changed: check whether it still lets a delay-0 slot "
        "exceed its concurrency (tests/test_politeness.py), then copy the new method into "
        "crawler/crawl/downloader.py with the fix, or drop the override")


def test_the_pin_notices_a_one_line_difference():
    """Not vacuous: without dropping the fix, ours differs from Scrapy's."""
    assert _body(SlotLimitedDownloader._process_queue) != _body(Downloader._process_queue)
