"""Scrapy's downloader, with the per-site concurrency limit kept when the delay is 0.

In Scrapy 2.19 with the asyncio reactor, Downloader._process_queue hands each queued request
to a task and counts it as "transferring" only once that task starts, on a later turn of the
event loop; its `while free_transfer_slots() > 0` loop therefore empties the whole queue at
once. With a delay the loop stops after one request anyway, so only a site with `delay: 0`
suffers: its `concurrency: 2` became every queued request at once (observed: 6 in flight,
tests/test_politeness.py). Here a request counts as transferring as it leaves the queue.
Scrapy has no setting or hook for this, so the private method is copied with one line added:
tests/test_scrapy_pins.py fails when Scrapy's method changes, so an upgrade re-checks the copy.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class SlotLimitedDownloader(Downloader):
    """DOWNLOADER: the same queue processing, with the transfer counted when it is scheduled."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # the fix; _download() adds it again (a set) and removes it
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay, as Scrapy does
                self._process_queue(slot)
                break
