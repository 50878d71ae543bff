"""The shared request queue: scrapy-redis's priority queue, entries of a closed schema, held pops.

A pop moves the entry, in the same atomic script, into the popping worker's *held* hash, so a
worker that dies mid-download loses nothing (see :mod:`newsclean.distributed.scheduler`).
Marking a request as seen and queueing it is one script too, so a crash or an outage cannot
leave a link "seen" but never queued. Entries are written and read by
:class:`~newsclean.distributed.codec.QueueCodec`, never by Scrapy's ``request_from_dict``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

from newsclean.distributed.codec import QueueCodec

_PUSH_IF_NEW = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# the held record is "SCORE ENTRY"; ids come from a shared counter, and a counter someone
# overwrote with text starts again rather than stop every worker (HSETNX: no id reused)
_POP_AND_HOLD = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local record = item[2] .. ' ' .. item[1]
local id = redis.pcall('INCR', KEYS[3])
if type(id) ~= 'number' then
  redis.call('DEL', KEYS[3])
  id = redis.call('INCR', KEYS[3])
end
while redis.call('HSETNX', KEYS[2], id, record) == 0 do id = redis.call('INCR', KEYS[3]) end
return {tostring(id), item[1]}
"""


class HeldPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop also records the request as held by this worker."""

    @property
    def codec(self) -> QueueCodec:
        codec = self.__dict__.get("_codec")
        if codec is None:
            codec = self.__dict__["_codec"] = QueueCodec(self.spider)
        return codec

    def _encode_request(self, request: Request) -> bytes:
        return self.codec.encode(request)

    def _decode_request(self, encoded_request: bytes) -> Request:
        return self.codec.decode(encoded_request)

    def _script(self, source: str):
        scripts = self.__dict__.setdefault("_scripts", {})
        if source not in scripts:
            scripts[source] = self.server.register_script(source)
        return scripts[source]

    def push_if_new(self, request: Request, fingerprint: str, dupefilter_key: str) -> bool:
        """Mark as seen and queue in one step; False when the dupefilter already had it."""
        data = self._encode_request(request)
        return bool(
            self._script(_PUSH_IF_NEW)(
                keys=[dupefilter_key, self.key], args=[fingerprint, -request.priority, data]
            )
        )

    def pop_and_hold(self, held_key: str, seq_key: str) -> tuple[bytes, bytes] | None:
        """The next request's encoded form and its id in ``held_key``, or None when empty."""
        got = self._script(_POP_AND_HOLD)(keys=[self.key, held_key, seq_key])
        if not got:
            return None
        return got[0], got[1]
