"""Client-side limits on model calls, so a burst waits its turn instead of collecting 429s.

LangChain's `InMemoryRateLimiter` (the model's `rate_limiter=` hook) spaces requests
per second only: it knows nothing of tokens, cannot cap calls in flight (it has no
"call finished" hook) and polls with sleeps. `ModelLimiter` is a `BaseRateLimiter`
too, so the model awaits it before every call that is not a cache hit, and adds:

- requests per minute: calls start at least `60 / rpm` seconds apart (no burst);
- tokens per minute: a budget that refills continuously; a call starts only while the
  budget is positive, and its real usage (reported by the provider) is taken off after
  it, so heavy answers slow the next calls down;
- concurrency: at most N calls in flight; the rest queue.

The last two need the end of each call, so `limited(model, limiter)` gives the model a
subclass whose `_agenerate`/`_astream` hold a slot and report usage. The limiter lives
in one process: with several workers or replicas, divide the provider's limits by
their number (see docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.rate_limiters import BaseRateLimiter

Model = TypeVar("Model", bound=BaseChatModel)


class ModelLimiter(BaseRateLimiter):
    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        max_concurrency: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval_s = 60.0 / requests_per_minute if requests_per_minute else 0.0
        self.tokens_per_minute = tokens_per_minute
        self.max_concurrency = max_concurrency
        self._clock = clock
        self._next_start = 0.0
        self._budget = tokens_per_minute or 0.0
        self._budget_at = clock()
        self._slots = asyncio.Semaphore(max_concurrency) if max_concurrency else None

    def _token_wait(self) -> float:
        """Seconds until the token budget is positive again (0: it is now)."""
        if not self.tokens_per_minute:
            return 0.0
        now = self._clock()
        rate = self.tokens_per_minute / 60.0
        self._budget = min(self.tokens_per_minute, self._budget + (now - self._budget_at) * rate)
        self._budget_at = now
        return 0.0 if self._budget > 0 else (1 - self._budget) / rate

    def _reserve_start(self) -> float:
        """Book the next request slot; returns how long to wait for it."""
        now = self._clock()
        start = max(now, self._next_start)
        self._next_start = start + self.interval_s
        return start - now

    def acquire(self, *, blocking: bool = True) -> bool:
        while (wait := self._token_wait()) > 0:
            if not blocking:
                return False
            time.sleep(wait)
        if not blocking and self._next_start > self._clock():
            return False
        time.sleep(self._reserve_start())
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        while (wait := self._token_wait()) > 0:
            if not blocking:
                return False
            await asyncio.sleep(wait)
        if not blocking and self._next_start > self._clock():
            return False
        await asyncio.sleep(self._reserve_start())
        return True

    def spend(self, tokens: int) -> None:
        """Take a finished call's tokens off the budget (it may go negative)."""
        if self.tokens_per_minute:
            self._token_wait()  # refill up to now first
            self._budget -= tokens


def _tokens(message: Any) -> int:
    usage = getattr(message, "usage_metadata", None) or {}
    return int(usage.get("total_tokens", 0))


class _Limited:
    """Mixed in before the provider's class: holds a concurrency slot around each call."""

    rate_limiter: BaseRateLimiter | None

    async def _agenerate(self, *args: Any, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        # `run_manager` by name: LangChain passes it only to an `_agenerate` that names it,
        # and the model needs it (its callbacks, the call's metadata).
        limiter = self.rate_limiter
        assert isinstance(limiter, ModelLimiter)
        kwargs["run_manager"] = run_manager
        if limiter._slots is None:
            result = await super()._agenerate(*args, **kwargs)  # type: ignore[misc]
        else:
            async with limiter._slots:
                result = await super()._agenerate(*args, **kwargs)  # type: ignore[misc]
        limiter.spend(sum(_tokens(g.message) for g in result.generations))
        return result

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        limiter = self.rate_limiter
        assert isinstance(limiter, ModelLimiter)
        tokens = 0
        if limiter._slots is not None:
            await limiter._slots.acquire()
        try:
            async for chunk in super()._astream(*args, **kwargs):  # type: ignore[misc]
                tokens += _tokens(chunk.message)
                yield chunk
        finally:
            if limiter._slots is not None:
                limiter._slots.release()
            limiter.spend(tokens)


_limited_classes: dict[type, type] = {}


def limited(model: Model, limiter: ModelLimiter) -> Model:
    """The same model (same client, same parameters) with `limiter` applied to its calls."""
    cls = type(model)
    if cls not in _limited_classes:
        _limited_classes[cls] = type(f"Limited{cls.__name__}", (_Limited, cls), {})
    copy = model.model_copy(update={"rate_limiter": limiter})
    copy.__class__ = _limited_classes[cls]
    return copy
