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
not spent). The gate and the adder are synchronous (they run in LangChain's callback
handler, on the caller's thread), so this store uses redis-py's sync client: one
loopback round trip (~30 us) holds the event loop that long; a stalled Redis holds it
at most the timeout.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

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
return 1
"""


class RedisSpendStore:
    """`SpendStore` with reservations, in Redis: one count for every process and replica."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self._reserve = shared.client.register_script(RESERVE)
        self._settle = shared.client.register_script(SETTLE)

    @staticmethod
    def _keys(day: str | None = None) -> list[str]:
        day = day or datetime.now(UTC).strftime("%Y-%m-%d")
        base = f"{KEY_PREFIX}budget:{day}:"
        return [base + "spent", base + "held", base + "deadlines", KEY_PREFIX + "budget:mean"]

    def spent_today(self) -> float:
        try:
            value = self.shared.client.get(self._keys()[0])
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the daily budget cannot be checked", error) from error
        return float(value or 0.0)

    def reserve(self, limit_usd: float) -> tuple[float, str | None]:
        """Today's spend, calls in flight included, and a reservation; None: refused."""
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        reservation = f"{day}/{uuid.uuid4().hex}"
        args = [time.time(), limit_usd, reservation, RESERVATION_TTL_S, KEEP_DAY_S]
        try:
            granted, spent = self._reserve(keys=self._keys(day), args=args)
        except REDIS_ERRORS as error:
            raise RedisUnavailableError(
                "the daily budget cannot be checked (a budget that cannot be checked is "
                "not spent: the call is refused)",
                error,
            ) from error
        return float(spent), reservation if granted else None

    def settle(self, reservation: str | None, usd: float) -> None:
        """The call is over: its reservation dropped, its real cost counted."""
        day = reservation.split("/")[0] if reservation else None
        try:
            self._settle(keys=self._keys(day), args=[reservation or "", usd, KEEP_DAY_S])
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("a model call's cost cannot be counted", error) from error

    def add(self, usd: float) -> None:
        self.settle(None, usd)
