"""Rate limits counted in Redis, with the `limits` package: the same count in every process.

- `SharedClientLimit`: CLIENT_RATE_LIMIT_PER_MINUTE, a moving window per client (at most
  N requests in any 60 s); the middleware (api/middleware.py) refuses beyond it.
- `SharedModelLimiter`: LLM_REQUESTS_PER_MINUTE (a moving window) and
  LLM_TOKENS_PER_MINUTE: calls wait their turn, as with the per-process
  `limits.ModelLimiter`, whose interface it has. Tokens are counted after a call (its
  real usage, known only then), even beyond the limit, which `limits`' windows refuse
  to record; so they are a counter per minute of our own (INCRBY), read as a sliding
  window (this minute plus the part of the last one still inside 60 s).
  LLM_MAX_CONCURRENCY stays a semaphore in each process: a slot is held for the length
  of a call, which a counter in Redis could not give back if the process died mid-call;
  with N processes, N x LLM_MAX_CONCURRENCY calls may be in flight.

`limits` keeps one storage per event loop, like `SharedState`, on the shared clients'
connection pools: one pool per loop for every Redis call of the process, with their
timeouts and no retries.
Any storage failure (Redis down, stalled past the timeout) is a `RedisUnavailableError`.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerMinute
from limits import strategies as sync_strategies
from limits.aio import strategies
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.errors import StorageError
from limits.storage import RedisStorage

from .connection import KEY_PREFIX, REDIS_ERRORS, SharedState
from .errors import RedisUnavailableError

T = TypeVar("T")
#: Longest single sleep while waiting for a provider window: re-checked after it.
MAX_WAIT_S = 1.0


class _Storages:
    """`limits`' storages on the shared clients' pools: one sync, one async per event loop."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncRedisStorage]
        self._async = weakref.WeakKeyDictionary()
        self._sync: RedisStorage | None = None

    def async_storage(self) -> AsyncRedisStorage:
        loop = asyncio.get_running_loop()
        storage = self._async.get(loop)
        if storage is None:
            storage = AsyncRedisStorage(
                f"async+{self.shared.url}",
                wrap_exceptions=True,
                implementation="redispy",
                key_prefix=KEY_PREFIX + "limits",
                connection_pool=self.shared.async_client().connection_pool,
            )
            self._async[loop] = storage
        return storage

    def sync_storage(self) -> RedisStorage:
        if self._sync is None:
            self._sync = RedisStorage(
                self.shared.url,
                wrap_exceptions=True,
                key_prefix=KEY_PREFIX + "limits",
                connection_pool=self.shared.client.connection_pool,
            )
        return self._sync


async def _guarded(what: str, call: Callable[[], Awaitable[T]]) -> T:
    try:
        return await call()
    except (StorageError, *REDIS_ERRORS) as error:
        raise RedisUnavailableError(what, error) from error


def _guarded_sync(what: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except (StorageError, *REDIS_ERRORS) as error:
        raise RedisUnavailableError(what, error) from error


class SharedClientLimit:
    """CLIENT_RATE_LIMIT_PER_MINUTE across processes: `await take(client)` -> 0 if the
    request may go, else seconds until one would be accepted."""

    def __init__(self, shared: SharedState, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self._storages = _Storages(shared)

    async def take(self, client: str) -> float:
        limiter = strategies.MovingWindowRateLimiter(self._storages.async_storage())
        what = "the per-client rate limit cannot be counted (refused)"
        if await _guarded(what, lambda: limiter.hit(self.item, "client", client)):
            return 0.0
        stats = await _guarded(what, lambda: limiter.get_window_stats(self.item, "client", client))
        return max(stats.reset_time - time.time(), 0.001)


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
        self.requests = RateLimitItemPerMinute(int(requests_per_minute or 0))
        self.tokens_per_minute = tokens_per_minute
        self.limit_requests = bool(requests_per_minute)
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency) if max_concurrency else None
        self._storages = _Storages(shared)

    async def acquire(self) -> None:
        """A slot in this process, then room in the shared token and request windows."""
        if self._slots is not None:
            await self._slots.acquire()
        try:
            storage = self._storages.async_storage()
            what = "the provider's rate limits cannot be counted (refused)"
            while self.tokens_per_minute and (wait := await self._token_wait()) > 0:
                await asyncio.sleep(wait)
            if self.limit_requests:
                requests = strategies.MovingWindowRateLimiter(storage)
                while not await _guarded(what, lambda: requests.hit(self.requests, "requests")):
                    await asyncio.sleep(await self._wait(requests, self.requests, "requests"))
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise

    async def _token_wait(self) -> float:
        """Seconds to wait before the next token check (0: under the limit now)."""
        now = time.time()
        what = "the provider's token limit cannot be checked (refused)"
        client = self.shared.async_client()
        counts = await _guarded(what, lambda: client.mget(_token_keys(now)))
        return 0.0 if _tokens_used(now, counts) < (self.tokens_per_minute or 0) else MAX_WAIT_S

    @staticmethod
    async def _wait(limiter: strategies.RateLimiter, item: RateLimitItem, name: str) -> float:
        what = "the provider's rate limits cannot be counted (refused)"
        stats = await _guarded(what, lambda: limiter.get_window_stats(item, name))
        return min(max(stats.reset_time - time.time(), 0.01), MAX_WAIT_S)

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
            await _guarded("the provider's token usage cannot be counted", pipeline.execute)

    def acquire_sync(self) -> None:
        """`acquire` for a synchronous call: the shared windows, no slot (asyncio's)."""
        storage = self._storages.sync_storage()
        what = "the provider's rate limits cannot be counted (refused)"
        while self.tokens_per_minute:
            now, client = time.time(), self.shared.client
            keys = _token_keys(now)
            counts = _guarded_sync(what, lambda: client.mget(keys))  # noqa: B023 (called now)
            if _tokens_used(now, counts) < self.tokens_per_minute:
                break
            time.sleep(MAX_WAIT_S)
        if self.limit_requests:
            requests = sync_strategies.MovingWindowRateLimiter(storage)
            while not _guarded_sync(what, lambda: requests.hit(self.requests, "requests")):
                time.sleep(MAX_WAIT_S / 4)

    def release_sync(self, tokens: int) -> None:
        if self.tokens_per_minute and tokens > 0:
            key = _token_keys(time.time())[0]
            pipeline = self.shared.client.pipeline(transaction=False)
            pipeline.incrby(key, tokens).expire(key, 120)
            _guarded_sync("the provider's token usage cannot be counted", pipeline.execute)
