"""Scrapy's downloader with each slot's concurrency held also when requests arrive together.

Under the asyncio reactor Scrapy 2.19 hands a request from a slot's queue to a task that starts
on the next turn of the event loop, and only that task counts the request as transferring. All
requests queued in the same turn therefore leave the queue at once: six article links found on
one page were six requests in flight at a site with ``concurrency = 1`` (and at
``CONCURRENT_REQUESTS_PER_DOMAIN = 1``). Here a request counts as transferring from the moment it
leaves the queue; the download task adds it again (a set) and removes it when done, as before.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from scrapy.core.downloader import Downloader as _ScrapyDownloader


class _CountingQueue(deque):
    """A slot's queue whose pops count the request as transferring at once."""

    def __init__(self, slot: Any, items: Any = ()) -> None:
        super().__init__(items)
        self.slot = slot

    def popleft(self) -> Any:
        entry = super().popleft()
        self.slot.transferring.add(entry[0])  # (request, deferred)
        return entry


class Downloader(_ScrapyDownloader):
    def _get_slot(self, request, spider=None):
        key, slot = super()._get_slot(request)
        if not isinstance(slot.queue, _CountingQueue):
            slot.queue = _CountingQueue(slot, slot.queue)
        return key, slot
