"""Rate limits counted in Redis: the same count in every process.

- `SharedClientLimit`: CLIENT_RATE_LIMIT_PER_MINUTE, a moving window per client (at most
  N requests in any 60 s); the middleware (api/middleware.py) refuses beyond it.
- `SharedModelLimiter`: LLM_REQUESTS_PER_MINUTE (a moving window) and
  LLM_TOKENS_PER_MINUTE: calls wait their turn, as with the per-process
  `limits.ModelLimiter`, whose interface it has. Tokens are counted after a call (its
  real usage, known only then), even beyond the limit, which a window would refuse to
  record; so they are a counter per minute of our own (INCRBY), read as a sliding
  window (this minute plus the part of the last one still inside 60 s).
  LLM_MAX_CONCURRENCY stays a semaphore in each process: a slot is held for the length
  of a call, which a counter in Redis could not give back if the process died mid-call;
  with N processes, N x LLM_MAX_CONCURRENCY calls may be in flight.

The two moving windows are `windows.LeasedWindow`s: a process leases a share of the room
and counts requests against it in memory, one round trip per lease (near the limit, per
request), never more than N in any 60 s across processes (windows.py says how).
Any Redis failure (down, stalled past the timeout) is a `RedisUnavailableError`.
"""

from __future__ import annotations

import asyncio
import time

from .connection import KEY_PREFIX, SharedState, unavailable_as
from .windows import LeasedWindow

#: Longest single sleep while waiting for a provider window: re-checked after it.
MAX_WAIT_S = 1.0


class SharedClientLimit:
    """CLIENT_RATE_LIMIT_PER_MINUTE across processes: `await take(client)` -> 0 if the
    request may go, else seconds until one would be accepted."""

    def __init__(self, shared: SharedState, per_minute: int) -> None:
        what = "the per-client rate limit cannot be counted (refused)"
        self.window = LeasedWindow(shared, "client", per_minute, what)

    async def take(self, client: str) -> float:
        return await self.window.take(client)


def _token_keys(now: float) -> tuple[str, str]:
    minute = int(now // 60)
    return f"{KEY_PREFIX}tokens:{minute}", f"{KEY_PREFIX}tokens:{minute - 1}"


def _tokens_used(now: float, counts: list[bytes | None]) -> float:
    """This minute's tokens plus the share of the last minute's still inside 60 s."""
    current, previous = (int(count or 0) for count in counts)
    return current + previous * (1 - (now % 60) / 60)


class SharedModelLimiter:
    """The provider's limits across processes; `acquire()` before a call, `release` after."""

    def __init__(
        self,
        shared: SharedState,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self.shared = shared
        what = "the provider's rate limits cannot be counted (refused)"
        self.requests = None
        if requests_per_minute:
            self.requests = LeasedWindow(shared, "requests", int(requests_per_minute), what)
        self.tokens_per_minute = tokens_per_minute
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency) if max_concurrency else None

    async def acquire(self) -> None:
        """A slot in this process, then room in the shared token and request windows."""
        if self._slots is not None:
            await self._slots.acquire()
        try:
            while self.tokens_per_minute and (wait := await self._token_wait()) > 0:
                await asyncio.sleep(wait)
            while self.requests is not None and (wait := await self.requests.take("")) > 0:
                await asyncio.sleep(min(wait, MAX_WAIT_S))
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise

    async def _token_wait(self) -> float:
        """Seconds to wait before the next token check (0: under the limit now)."""
        now = time.time()
        what = "the provider's token limit cannot be checked (refused)"
        with unavailable_as(what):
            counts = await self.shared.async_client().mget(_token_keys(now))
        return 0.0 if _tokens_used(now, counts) < (self.tokens_per_minute or 0) else MAX_WAIT_S

    def release(self, tokens: int) -> None:
        """The slot back now; the tokens are added by `arelease` (it needs the loop)."""
        if self._slots is not None:
            self._slots.release()

    async def arelease(self, tokens: int) -> None:
        """The call is over: its slot back, its real token usage into the shared window."""
        self.release(tokens)
        if self.tokens_per_minute and tokens > 0:
            key = _token_keys(time.time())[0]
            pipeline = self.shared.async_client().pipeline(transaction=False)
            pipeline.incrby(key, tokens).expire(key, 120)  # one round trip
            with unavailable_as("the provider's token usage cannot be counted"):
                await pipeline.execute()

    def acquire_sync(self) -> None:
        """`acquire` for a synchronous call: the shared windows, no slot (asyncio's)."""
        what = "the provider's rate limits cannot be counted (refused)"
        while self.tokens_per_minute:
            now = time.time()
            with unavailable_as(what):
                counts = self.shared.client.mget(_token_keys(now))
            if _tokens_used(now, counts) < self.tokens_per_minute:
                break
            time.sleep(MAX_WAIT_S)
        while self.requests is not None and (wait := self.requests.take_sync("")) > 0:
            time.sleep(min(wait, MAX_WAIT_S))

    def release_sync(self, tokens: int) -> None:
        if self.tokens_per_minute and tokens > 0:
            key = _token_keys(time.time())[0]
            pipeline = self.shared.client.pipeline(transaction=False)
            pipeline.incrby(key, tokens).expire(key, 120)
            with unavailable_as("the provider's token usage cannot be counted"):
                pipeline.execute()
