"""The day's spend in Redis (BUDGET_USD_PER_DAY for every process): reserve, then settle.

A check-then-add counter lets every call that starts while the budget is nearly spent
through, on every replica at once. So each model call first *reserves* (one atomic Lua
script: refused if today's spend plus what calls in flight hold has reached the budget,
else it holds an estimate: the running mean cost of a call), and *settles* when it ends
(its reservation dropped, its real cost added). The budget is then exceeded by at most
what the calls in flight when it was reached cost beyond their estimates.

On the event loop (the API), a process reserves for many calls at once: a *lease* of up
to `MAX_LEASE` calls' estimates, at most `1 / SHARE` of what is left of the budget, for
`LEASE_S`. Its calls start and settle in memory; their real cost goes to Redis with the
next lease, or a moment after the lease ends, and the estimates of its calls still in
flight stay held until then. Near the budget a lease is one call: a reservation settled
by its call, exactly as without leases. So the promise is the same, with one round trip
for many calls instead of two per call. Until some call has cost something (the running
mean is unknown), every call reserves on its own.

A reservation whose process died mid-call is forgotten after `RESERVATION_TTL_S`.
Keys are per UTC day and expire two days later. Every call has the shared timeout; a
failure is `RedisUnavailableError`: the gate refuses (a budget that cannot be checked is
not spent). Synchronous callers (CLI commands, sync model calls in threads) reserve and
settle each call on redis-py's sync client (`reserve`/`settle`); the API awaits
`areserve`/`asettle` on the asyncio client, never holding its loop for a round trip. The
scripts answer today's spend (calls in flight included), which `aspent_seen` hands to
the check before a request: no extra read.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.commands.core import AsyncScript

from .connection import KEY_PREFIX, SharedState, unavailable_as
from .errors import RedisUnavailableError
from .windows import LEASE_S, MAX_LEASE, SHARE  # the same leases as the rate limits'

#: A reservation is dropped this long after it was made, settled or not (a dead process).
RESERVATION_TTL_S = 900
KEEP_DAY_S = 2 * 86_400
#: What a call started on a lease holds instead of a reservation of its own.
LEASED = "leased"

# KEYS: spent, held (hash id -> usd), deadlines (zset id -> expiry), mean cost
# ARGV: now, limit, id, reservation ttl, keep
RESERVE = """
local now = tonumber(ARGV[1])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('HDEL', KEYS[2], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
for _, usd in ipairs(redis.call('HVALS', KEYS[2])) do spent = spent + tonumber(usd) end
if spent >= tonumber(ARGV[2]) then return {0, tostring(spent)} end
redis.call('HSET', KEYS[2], ARGV[3], redis.call('GET', KEYS[4]) or '0')
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[5])
return {1, tostring(spent)}
"""
# KEYS: spent, held, deadlines, mean cost; ARGV: id ('' for none), usd, keep
# Returns today's spend, calls in flight included.
SETTLE = """
if ARGV[1] ~= '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
local usd = tonumber(ARGV[2])
if usd > 0 then
  redis.call('INCRBYFLOAT', KEYS[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  local mean = tonumber(redis.call('GET', KEYS[4]) or ARGV[2])
  redis.call('SET', KEYS[4], tostring(mean * 0.8 + usd * 0.2))
end
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
for _, held in ipairs(redis.call('HVALS', KEYS[2])) do spent = spent + tonumber(held) end
return tostring(spent)
"""

# KEYS: spent, held, deadlines, mean cost
# ARGV: now, limit, lease id, reservation ttl, keep, previous lease id ('' none),
#       usd settled on leases since the last send, how many of those calls were priced,
#       in-flight id, calls in flight on leases, most calls (0: only send), share
# Returns {calls, today's spend with what is held, mean cost}: a lease of `calls`
# (0: refused, or only sent).
LEASE = """
local now, keep = tonumber(ARGV[1]), ARGV[5]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('HDEL', KEYS[2], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if ARGV[6] ~= '' then
  redis.call('HDEL', KEYS[2], ARGV[6])
  redis.call('ZREM', KEYS[3], ARGV[6])
end
local usd, priced = tonumber(ARGV[7]), tonumber(ARGV[8])
if usd > 0 then
  redis.call('INCRBYFLOAT', KEYS[1], ARGV[7])
  redis.call('EXPIRE', KEYS[1], keep)
end
if priced > 0 then
  local mean = tonumber(redis.call('GET', KEYS[4]) or tostring(usd / priced))
  local kept = 0.8 ^ priced
  redis.call('SET', KEYS[4], tostring(mean * kept + usd / priced * (1 - kept)))
end
local mean = tonumber(redis.call('GET', KEYS[4]) or '0')
local flying = tonumber(ARGV[10]) * mean
if flying > 0 then
  redis.call('HSET', KEYS[2], ARGV[9], tostring(flying))
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[9])
else
  redis.call('HDEL', KEYS[2], ARGV[9])
  redis.call('ZREM', KEYS[3], ARGV[9])
end
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
for _, held in ipairs(redis.call('HVALS', KEYS[2])) do spent = spent + tonumber(held) end
local limit = tonumber(ARGV[2])
if tonumber(ARGV[11]) == 0 or spent >= limit then return {0, tostring(spent), tostring(mean)} end
local calls = 1
if mean > 0 then
  local share = math.floor((limit - spent) / (tonumber(ARGV[12]) * mean))
  calls = math.max(1, math.min(tonumber(ARGV[11]), share))
end
redis.call('HSET', KEYS[2], ARGV[3], tostring(calls * mean))
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[3])
redis.call('EXPIRE', KEYS[2], keep)
redis.call('EXPIRE', KEYS[3], keep)
return {calls, tostring(spent), tostring(mean)}
"""


@dataclass
class _Lease:
    """Calls this process may start without a round trip, until `ends` (monotonic)."""

    day: str
    id: str
    left: int
    ends: float
    #: Today's spend as Redis answered with the lease (under the budget: it was granted).
    spent: float = 0.0

    def take(self, day: str) -> bool:
        if self.left > 0 and self.day == day and time.monotonic() < self.ends:
            self.left -= 1
            return True
        return False


#: What a refused reservation says: the call is not made.
UNCHECKED = (
    "the daily budget cannot be checked (a budget that cannot be checked is not spent: "
    "the call is refused)"
)
UNCOUNTED = "a model call's cost cannot be counted"


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class RedisSpendStore:
    """`SpendStore` with reservations, in Redis: one count for every process and replica."""

    def __init__(self, shared: SharedState, lease_s: float = LEASE_S) -> None:
        self.shared = shared
        #: How long a lease may be used (`LEASE_S` as the app runs; tests shorten it).
        self.lease_s = lease_s
        self._reserve = shared.script(RESERVE)
        self._settle = shared.script(SETTLE)
        #: (UTC day, spend) as the last reservation or settlement in this process saw it.
        self._seen: tuple[str, float] | None = None
        #: The read of today's spend under way, when this process has seen none today.
        self._reading: asyncio.Task[float] | None = None
        #: The lease calls start on; None: the next call asks for one.
        self._lease: _Lease | None = None
        #: The round trip under way for a lease (or to send what is unsent): one at a time.
        self._asking: asyncio.Task[tuple[float, str | None, str]] | None = None
        #: Calls started on a lease and not settled yet: their estimates stay held.
        self._in_flight = 0
        #: The real cost of calls settled on leases, not yet in Redis, and how many of
        #: them were priced (for the running mean).
        self._unsent_usd = 0.0
        self._unsent_priced = 0
        self._limit_usd = 0.0
        #: The send scheduled for when the lease ends, and the loop it runs on.
        self._send_due: tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle] | None = None
        #: Names this process's calls in flight in Redis (their estimates, held).
        self._process = uuid.uuid4().hex
        shared.hold_leases(self)

    @staticmethod
    def _keys(day: str | None = None) -> list[str]:
        base = f"{KEY_PREFIX}budget:{day or _today()}:"
        return [base + "spent", base + "held", base + "deadlines", KEY_PREFIX + "budget:mean"]

    def spent_today(self) -> float:
        """Today's spend: Redis's count, and what this process has not sent yet."""
        with unavailable_as("the daily budget cannot be checked"):
            value = self.shared.client.get(self._keys()[0])
        return float(value or 0.0) + self._unsent_usd

    async def aspent_seen(self) -> float:
        day = _today()
        if self._seen is not None and self._seen[0] == day:
            return self._seen[1]
        loop = asyncio.get_running_loop()
        reading = self._reading
        if reading is None or reading.done() or reading.get_loop() is not loop:
            # One read for the first wave of concurrent requests, not one each.
            reading = self._reading = loop.create_task(self._read_spent(day))
        return await asyncio.shield(reading)

    async def _read_spent(self, day: str) -> float:
        with unavailable_as("the daily budget cannot be checked"):
            value = await self.shared.async_client().get(self._keys(day)[0])
        self._seen = (day, float(value or 0.0))
        return self._seen[1]

    def _reservation(self, limit_usd: float) -> tuple[str, list[str], list[object]]:
        day = _today()
        reservation = f"{day}/{uuid.uuid4().hex}"
        args = [time.time(), limit_usd, reservation, RESERVATION_TTL_S, KEEP_DAY_S]
        return reservation, self._keys(day), args

    def _granted(self, reservation: str, answer: list[object]) -> tuple[float, str | None]:
        granted, spent = answer
        self._seen = (reservation.split("/")[0], float(spent))  # type: ignore[arg-type]
        return float(spent), reservation if granted else None  # type: ignore[arg-type]

    def reserve(self, limit_usd: float) -> tuple[float, str | None]:
        """Today's spend, calls in flight included, and a reservation; None: refused."""
        reservation, keys, args = self._reservation(limit_usd)
        with unavailable_as(UNCHECKED):
            answer = self._reserve(keys=keys, args=args)
        return self._granted(reservation, answer)

    async def areserve(self, limit_usd: float) -> tuple[float, str | None]:
        """`reserve` on the event loop: a call on this process's lease (`LEASED`), or a
        reservation of its own near the budget; None: refused."""
        self._limit_usd = limit_usd
        loop = asyncio.get_running_loop()
        while True:
            lease = self._lease
            if lease is not None and lease.take(_today()):
                self._in_flight += 1
                return lease.spent, LEASED
            asking, mine = self._asking_on(loop), False
            if asking is None:
                asking = self._asking = loop.create_task(self._ask(limit_usd, MAX_LEASE))
                mine = True
            # Shielded: a call that gives up (cancelled) leaves the lease to the others.
            spent, reservation, outcome = await asyncio.shield(asking)
            if outcome == "refused":
                return spent, None
            if outcome == "reserved" and mine:
                return spent, reservation  # near the budget: a reservation of its own
            # A lease to take a call from; or another call's reservation, or a send: ask.

    async def _ask(self, limit_usd: float, calls: int) -> tuple[float, str | None, str]:
        """One round trip: what calls on leases cost, sent, and a lease of up to `calls`
        (0: only send). -> (today's spend, a one-call reservation, what happened:
        "leased", "reserved", "refused" or "sent")."""
        previous, self._lease = self._lease, None
        day = _today()
        lease = _Lease(day, f"{day}/{uuid.uuid4().hex}", 0, time.monotonic() + self.lease_s)
        try:
            if previous is not None and previous.day != day:  # midnight: yesterday's, sent
                await self._send(previous.day, limit_usd, 0, previous.id)
                previous = None
            given_back = previous.id if previous else ""
            granted = await self._send(day, limit_usd, calls, given_back, lease.id)
        except BaseException:
            if previous is not None:  # still held in Redis: dropped by the next send
                previous.left, self._lease = 0, previous
            raise
        finally:
            if self._asking is asyncio.current_task():
                self._asking = None
        spent = self._seen[1]  # type: ignore[index]
        if granted > 1:
            lease.left, lease.spent = granted, spent
            self._lease = lease
            self._send_later()
            return spent, None, "leased"
        if granted == 1:
            return spent, lease.id, "reserved"
        return spent, None, "sent" if calls == 0 else "refused"

    async def _send(
        self, day: str, limit_usd: float, calls: int, previous: str, lease_id: str = ""
    ) -> int:
        """The LEASE script for `day`; -> the calls granted (0: refused, or only sent)."""
        usd, priced = self._unsent_usd, self._unsent_priced
        args = [time.time(), limit_usd, lease_id, RESERVATION_TTL_S, KEEP_DAY_S, previous]
        args += [usd, priced, f"{day}/{self._process}", self._in_flight, calls, SHARE]
        with unavailable_as(UNCHECKED):
            granted, spent, _ = await self._script(LEASE)(keys=self._keys(day), args=args)
        self._unsent_usd -= usd  # sent (calls settled meanwhile wait for the next send)
        self._unsent_priced -= priced
        self._seen = (day, float(spent))
        return int(granted)

    def _asking_on(self, loop: asyncio.AbstractEventLoop) -> asyncio.Task[Any] | None:
        """The round trip under way on `loop` (one left on another, ended loop: none)."""
        asking = self._asking
        if asking is None or asking.done() or asking.get_loop() is not loop:
            return None
        return asking

    def _send_later(self) -> None:
        """What calls on leases cost reaches Redis at most `LEASE_S` after they end."""
        loop = asyncio.get_running_loop()
        if self._send_due is None or self._send_due[0] is not loop:
            self._send_due = loop, loop.call_later(self.lease_s, self._send_if_idle, loop)

    def _send_if_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        self._send_due = None
        lease = self._lease
        if lease is not None and lease.left > 0 and time.monotonic() < lease.ends:
            self._send_later()  # the lease is in use: the next one sends
        elif self._unsent_usd or self._unsent_priced or lease is not None:
            if self._asking_on(loop) is None:
                self._asking = loop.create_task(self._ask(self._limit_usd, 0))
                self._asking.add_done_callback(_sent)
            else:
                self._send_later()  # a round trip under way: it sends; check again after

    async def give_back(self) -> None:
        """The app is stopping: the lease's unused calls back, the unsent cost sent."""
        asking = self._asking_on(asyncio.get_running_loop())
        if asking is not None:  # one send at a time: never the same cost twice
            with suppress(RedisUnavailableError):
                await asking
        if self._lease is not None or self._unsent_usd or self._unsent_priced:
            await self._ask(self._limit_usd, 0)

    def _settlement(
        self, reservation: str | None, usd: float
    ) -> tuple[str, list[str], list[object]]:
        day = reservation.split("/")[0] if reservation else _today()
        return day, self._keys(day), [reservation or "", usd, KEEP_DAY_S]

    def _settled_on_lease(self, usd: float) -> None:
        self._in_flight = max(self._in_flight - 1, 0)
        self._unsent_usd += usd
        self._unsent_priced += usd > 0

    def settle(self, reservation: str | None, usd: float) -> None:
        """The call is over: its reservation dropped, its real cost counted."""
        if reservation == LEASED:
            self._settled_on_lease(usd)  # sent with the loop's next lease
            return
        day, keys, args = self._settlement(reservation, usd)
        with unavailable_as(UNCOUNTED):
            self._seen = (day, float(self._settle(keys=keys, args=args)))

    async def asettle(self, reservation: str | None, usd: float) -> None:
        if reservation == LEASED:
            self._settled_on_lease(usd)
            self._send_later()
            return
        day, keys, args = self._settlement(reservation, usd)
        with unavailable_as(UNCOUNTED):
            self._seen = (day, float(await self._script(SETTLE)(keys=keys, args=args)))

    def add(self, usd: float) -> None:
        self.settle(None, usd)

    def _script(self, source: str) -> AsyncScript:
        """`source` on this event loop's client (EVALSHA; loaded on first use)."""
        return self.shared.async_script(source)


def _sent(task: asyncio.Task[object]) -> None:
    """A send nobody awaits: if it failed, the cost stays unsent, for the next send."""
    if not task.cancelled():
        task.exception()  # retrieved: not "never retrieved" at exit
