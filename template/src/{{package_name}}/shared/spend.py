"""The day's spend in Redis (BUDGET_USD_PER_DAY for every process): reserve, then settle.

A check-then-add counter lets every call that starts while the budget is nearly spent
through, on every replica at once. So each model call first *reserves* (one atomic Lua
script: refused if today's spend plus what calls in flight hold has reached the budget,
else it holds an estimate: the running mean cost of a call), and *settles* when it ends
(its reservation dropped, its real cost added). The budget is then exceeded by at most
what the calls in flight when it was reached cost beyond their estimates.

A reservation whose process died mid-call is forgotten after `RESERVATION_TTL_S`.
Keys are per UTC day and expire two days later. Every call has the shared timeout; a
failure is `RedisUnavailableError`: the gate refuses (a budget that cannot be checked is
not spent). Each operation exists twice, the same script and keys: `reserve`/`settle`
on redis-py's sync client (CLI commands, sync model calls in threads) and
`areserve`/`asettle` on the asyncio client, awaited on the event loop, so the API never
holds its loop for a round trip. Both scripts answer today's spend (calls in flight
included), which `aspent_seen` hands to the check before a request: no extra read.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from redis.commands.core import AsyncScript

from .connection import KEY_PREFIX, REDIS_ERRORS, SharedState
from .errors import RedisUnavailableError

#: A reservation is dropped this long after it was made, settled or not (a dead process).
RESERVATION_TTL_S = 900
KEEP_DAY_S = 2 * 86_400

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


#: What a refused reservation says: the call is not made.
UNCHECKED = (
    "the daily budget cannot be checked (a budget that cannot be checked is not spent: "
    "the call is refused)"
)
UNCOUNTED = "a model call's cost cannot be counted"


@contextmanager
def _unavailable_as(what: str) -> Iterator[None]:
    """Redis down or stalled -> `RedisUnavailableError` saying `what` could not be done."""
    try:
        yield
    except REDIS_ERRORS as error:
        raise RedisUnavailableError(what, error) from error


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class RedisSpendStore:
    """`SpendStore` with reservations, in Redis: one count for every process and replica."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self._reserve = shared.client.register_script(RESERVE)
        self._settle = shared.client.register_script(SETTLE)
        #: (UTC day, spend) as the last reservation or settlement in this process saw it.
        self._seen: tuple[str, float] | None = None

    @staticmethod
    def _keys(day: str | None = None) -> list[str]:
        base = f"{KEY_PREFIX}budget:{day or _today()}:"
        return [base + "spent", base + "held", base + "deadlines", KEY_PREFIX + "budget:mean"]

    def spent_today(self) -> float:
        with _unavailable_as("the daily budget cannot be checked"):
            value = self.shared.client.get(self._keys()[0])
        return float(value or 0.0)

    async def aspent_seen(self) -> float:
        day = _today()
        if self._seen is not None and self._seen[0] == day:
            return self._seen[1]
        with _unavailable_as("the daily budget cannot be checked"):
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
        with _unavailable_as(UNCHECKED):
            answer = self._reserve(keys=keys, args=args)
        return self._granted(reservation, answer)

    async def areserve(self, limit_usd: float) -> tuple[float, str | None]:
        reservation, keys, args = self._reservation(limit_usd)
        with _unavailable_as(UNCHECKED):
            answer = await self._script(RESERVE)(keys=keys, args=args)
        return self._granted(reservation, answer)

    def _settlement(
        self, reservation: str | None, usd: float
    ) -> tuple[str, list[str], list[object]]:
        day = reservation.split("/")[0] if reservation else _today()
        return day, self._keys(day), [reservation or "", usd, KEEP_DAY_S]

    def settle(self, reservation: str | None, usd: float) -> None:
        """The call is over: its reservation dropped, its real cost counted."""
        day, keys, args = self._settlement(reservation, usd)
        with _unavailable_as(UNCOUNTED):
            self._seen = (day, float(self._settle(keys=keys, args=args)))

    async def asettle(self, reservation: str | None, usd: float) -> None:
        day, keys, args = self._settlement(reservation, usd)
        with _unavailable_as(UNCOUNTED):
            self._seen = (day, float(await self._script(SETTLE)(keys=keys, args=args)))

    def add(self, usd: float) -> None:
        self.settle(None, usd)

    def _script(self, source: str) -> AsyncScript:
        """`source` on this event loop's client (EVALSHA; loaded on first use)."""
        return self.shared.async_script(source)
