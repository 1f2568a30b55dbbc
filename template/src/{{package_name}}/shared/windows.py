"""A moving window in Redis (at most N in any 60 s, for every process), handed out in
leases: one round trip per lease instead of one per request.

Why leases: a round trip costs the app about 0.15 ms of its own CPU (redis-py's asyncio
client; the wire takes 0.08 ms), and every guarded request made one per window. A
process that takes its share of the room in one lease, then counts requests against it
in memory, makes one round trip for many requests (docs/performance.md has the table).

The guarantee stays exact:
- a lease is counted in Redis when it is granted, whole, and stamped with the end of its
  life (`LEASE_S` from then; `ONE_S` for a lease of one request), so it stays in the
  window at least 60 s after any request that used it: never more than N in any 60 s,
  whichever processes used them. (A count taken when a request asks, as `limits` did,
  lets N + a few through in a 60 s that starts while the answers are on their way.)
  The price: a refused client may be told to retry up to a lease's life later;
- a lease is a share of the room left (`1 / SHARE` of it, at most `MAX_LEASE`): near the
  limit every lease is one request, the request that asked for it;
- a lease ends after `LEASE_S`, used up or not, and what it did not use is given back
  (by the next lease for the same key, or a moment after it ends), so a quiet process
  does not hold room that another needs.

`limits` (the package) counted these windows before; its moving window records each hit
at the moment it is counted and cannot give one back, which a lease needs.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from .connection import KEY_PREFIX, REDIS_ERRORS, TIMEOUT_S, SharedState, unavailable_as

#: How long a lease may be used: a process's requests within it cost no round trip.
#: Asking for the next lease stalls the requests waiting for it a round trip and an event
#: loop turn (milliseconds under load): at 0.25 s and 64 requests, two workers lost a
#: fifth of their throughput to it; at 1 s and 512, a few per cent (docs/performance.md).
LEASE_S = 1.0
#: The largest lease, in requests.
MAX_LEASE = 512
#: How long a lease of one request may be used: the longest its round trip may take
#: (past Redis's timeout the request fails), so it is used at once or not at all.
ONE_S = TIMEOUT_S
#: A lease is at most this fraction of the room left (1 / SHARE): several processes can
#: each take one and the room is not gone to the first.
SHARE = 8

log = logging.getLogger(__name__)

# KEYS: stamps (zset lease -> time it counts from), sizes (hash lease -> requests), total
# ARGV: window s, limit, largest lease (0: only give back), share, lease id, lease s,
#       given back id, count, a lease of one's s
# Returns {size, wait}: a lease of `size` requests; 0 and the seconds until room.
# Time is Redis's own (TIME): replicas whose clocks differ still share one window.
LEASE = """
local stamps, sizes, total = KEYS[1], KEYS[2], KEYS[3]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local window = tonumber(ARGV[1])
if ARGV[7] ~= '' then
  local held = tonumber(redis.call('HGET', sizes, ARGV[7]) or '0')
  local back = math.min(held, tonumber(ARGV[8]))
  if back > 0 then
    redis.call('DECRBY', total, back)
    if back == held then
      redis.call('HDEL', sizes, ARGV[7])
      redis.call('ZREM', stamps, ARGV[7])
    else
      redis.call('HINCRBY', sizes, ARGV[7], -back)
    end
  end
end
local gone = redis.call('ZRANGEBYSCORE', stamps, '-inf', now - window)
for _, id in ipairs(gone) do
  redis.call('DECRBY', total, tonumber(redis.call('HGET', sizes, id) or '0'))
  redis.call('HDEL', sizes, id)
end
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', stamps, '-inf', now - window) end
if tonumber(ARGV[3]) == 0 then return {0, '0'} end
local room = tonumber(ARGV[2]) - tonumber(redis.call('GET', total) or '0')
if room <= 0 then
  local first = redis.call('ZRANGE', stamps, 0, 0, 'WITHSCORES')
  local wait = window
  if first[2] then wait = tonumber(first[2]) + window - now end
  return {0, tostring(wait)}
end
local size = math.max(1, math.min(tonumber(ARGV[3]), math.floor(room / tonumber(ARGV[4]))))
local stamp = now + tonumber(ARGV[9])
if size > 1 then stamp = now + tonumber(ARGV[6]) end
redis.call('ZADD', stamps, stamp, ARGV[5])
redis.call('HSET', sizes, ARGV[5], size)
redis.call('INCRBY', total, size)
local keep = math.ceil(window + tonumber(ARGV[6])) + 1
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, keep) end
return {size, '0'}
"""


@dataclass
class _Lease:
    id: str
    #: Requests it may still count.
    left: int
    #: When it ends (time.monotonic()).
    ends: float

    def take(self) -> bool:
        if self.left > 0 and time.monotonic() < self.ends:
            self.left -= 1
            return True
        return False

    def unused(self) -> int:
        """What it did not use, now handed back (0 the second time)."""
        left, self.left = self.left, 0
        return left


class LeasedWindow:
    """At most `limit` in any `window_s` per key, counted in Redis for every process.

    `await take(key)` -> 0.0: one request counted, it may go; else the seconds until one
    could. Redis unreachable: `RedisUnavailableError` saying `what` (refused, never let
    through). `window_s` (60) and `lease_s` (`LEASE_S`) as the app runs; tests shorten
    them.
    """

    def __init__(
        self,
        shared: SharedState,
        name: str,
        limit: int,
        what: str,
        window_s: float = 60.0,
        lease_s: float = LEASE_S,
    ) -> None:
        self.shared = shared
        self.name = name
        self.limit = limit
        self.what = what
        self.window_s = window_s
        self.lease_s = lease_s
        self._leases: dict[str, _Lease] = {}
        #: key -> the round trip under way for it: a process asks for one lease at a time.
        self._asking: dict[str, asyncio.Task[float]] = {}
        self._giving_back: set[asyncio.Task[None]] = set()
        shared.hold_leases(self)

    def _keys(self, key: str) -> list[str]:
        # One hash slot ({...}) per window: the script's keys may live on a Redis Cluster.
        base = f"{KEY_PREFIX}window:{{{self.name}:{key}}}:"
        return [base + "stamps", base + "sizes", base + "total"]

    async def take(self, key: str) -> float:
        loop = asyncio.get_running_loop()
        while True:
            lease = self._leases.get(key)
            if lease is not None and lease.take():
                if not lease.left:  # used up: a key not asked for again is forgotten
                    del self._leases[key]
                return 0.0
            asking = self._asking.get(key)
            if asking is None or asking.done() or asking.get_loop() is not loop:
                asking = self._asking[key] = loop.create_task(self._ask(key, lease))
            # Shielded: a request that gives up (cancelled) leaves the lease to the others.
            wait = await asyncio.shield(asking)
            if wait > 0:
                return wait

    async def _ask(self, key: str, previous: _Lease | None) -> float:
        """One round trip: `previous`'s unused requests back, a new lease (or the wait)."""
        given_back = previous.unused() if previous is not None else 0
        asked = time.monotonic()
        lease = _Lease(uuid.uuid4().hex, 0, asked)
        args = [self.window_s, self.limit, MAX_LEASE, SHARE, lease.id, self.lease_s]
        args += [previous.id if given_back else "", given_back, ONE_S]
        try:
            with unavailable_as(self.what):
                script = self.shared.async_script(LEASE)
                size, wait = await script(keys=self._keys(key), args=args)
        finally:
            if self._asking.get(key) is asyncio.current_task():
                del self._asking[key]
        if not int(size):
            self._leases.pop(key, None)
            return max(float(wait), 0.001)
        # It ends its life after it was asked for, so before its stamp (Redis's time when
        # the ask reached it, plus its life), however long the answer took.
        lease.left = int(size)
        lease.ends = asked + (self.lease_s if lease.left > 1 else ONE_S)
        self._leases[key] = lease
        if lease.left > 1:  # its unused part goes back soon after it ends
            ends_in = max(lease.ends - time.monotonic(), 0.0)
            asyncio.get_running_loop().call_later(ends_in, self._ended, key, lease)
        return 0.0

    def _ended(self, key: str, lease: _Lease) -> None:
        if self._leases.get(key) is lease:
            del self._leases[key]  # a key not asked for again is forgotten
        if lease.left > 0:
            task = asyncio.get_running_loop().create_task(self._give_back(key, lease))
            self._giving_back.add(task)
            task.add_done_callback(self._giving_back.discard)

    async def _give_back(self, key: str, lease: _Lease) -> None:
        """A lease's unused requests, back into the window (a request with none asked)."""
        count = lease.unused()
        if not count:
            return
        args = [self.window_s, self.limit, 0, SHARE, "", self.lease_s, lease.id, count, ONE_S]
        try:
            await self.shared.async_script(LEASE)(keys=self._keys(key), args=args)
        except REDIS_ERRORS as error:  # they leave the window within 60 s anyway
            log.warning(
                "%d leased requests not given back to Redis (%s): they count until they "
                "leave the window",
                count,
                type(error).__name__,
            )

    async def give_back(self) -> None:
        """Every lease's unused requests back now (the app is stopping)."""
        leases, self._leases = self._leases, {}
        await asyncio.gather(*(self._give_back(key, lease) for key, lease in leases.items()))

    def take_sync(self, key: str) -> float:
        """`take` without the event loop (a synchronous model call): a lease of one, on
        the sync client."""
        args = [self.window_s, self.limit, 1, SHARE, uuid.uuid4().hex, self.lease_s, "", 0, ONE_S]
        with unavailable_as(self.what):
            size, wait = self.shared.script(LEASE)(keys=self._keys(key), args=args)
        return 0.0 if int(size) else max(float(wait), 0.001)
