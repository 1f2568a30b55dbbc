"""Client-side limits on model calls, so a burst waits its turn instead of collecting 429s.

`ModelLimiter` holds one provider's limits for this process:

- requests per minute: calls start at least `60 / rpm` seconds apart (no burst);
- tokens per minute: a budget that refills continuously; a call starts only while the
  budget is positive, and its real usage (reported by the provider) is taken off after
  it, so heavy answers slow the next calls down;
- concurrency: at most N calls in flight; the rest queue.

Its interface is two calls around each provider call: `await acquire()` before,
`release(tokens)` after. `limited(model, limiter)` makes a model do that: it returns the
same model (same client, same parameters) as an instance of a subclass of the model's
own class whose provider-call methods (`_agenerate`, `_astream`, and the sync pair) sit
between the two. LangChain calls those methods only after a response-cache miss, so a
cache hit waits for nothing and counts for nothing.

Why a subclass rather than LangChain's hooks or a wrapper:
- the model's `rate_limiter=` hook is awaited before a call but has no "call finished"
  hook, so it cannot release a concurrency slot or count the tokens a call used;
- a callback handler's `on_llm_end` is not called when the caller is cancelled (a
  client that hangs up) while the call runs, so a slot released there would be lost
  for good; it is also called for cache hits, which took no slot;
- a wrapper model would have to forward the provider's own `bind_tools`,
  `with_structured_output` (e.g. OpenAI's JSON-schema mode), cache key and tracing
  parameters, and would no longer be a `ChatOpenAI` to code that checks.
A subclass keeps all of that by inheritance, and a `try`/`finally` around the call
releases the slot whatever happens.

`ModelLimiter` lives in one process; with REDIS_URL, `shared.rate_limits.SharedModelLimiter`
(the same interface, `Limiter`) counts requests and tokens in Redis for every process.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol, TypeVar, runtime_checkable

from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

Model = TypeVar("Model", bound=BaseChatModel)

#: The methods through which LangChain's chat models reach the provider.
PROVIDER_CALLS = ("_agenerate", "_astream", "_generate", "_stream")


@runtime_checkable
class Limiter(Protocol):
    """What `limited()` needs: this process's `ModelLimiter` or the shared one."""

    async def acquire(self) -> None: ...

    async def arelease(self, tokens: int) -> None: ...

    def acquire_sync(self) -> None: ...

    def release_sync(self, tokens: int) -> None: ...


class ModelLimiter:
    """One provider's limits: `await acquire()` before a call, `release(tokens)` after."""

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

    async def acquire(self) -> None:
        """Wait for a free slot, then for a positive token budget, then for the next
        request start. Cancelled while waiting, it gives the slot back."""
        if self._slots is not None:
            await self._slots.acquire()
        try:
            while (wait := self._token_wait()) > 0:
                await asyncio.sleep(wait)
            if (wait := self._reserve_start()) > 0:
                await asyncio.sleep(wait)
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise

    def release(self, tokens: int) -> None:
        """The call is over: give its slot back and take its tokens off the budget."""
        if self._slots is not None:
            self._slots.release()
        self._spend(tokens)

    async def arelease(self, tokens: int) -> None:
        """`release`, awaitable, as a shared limiter's is (it writes to Redis)."""
        self.release(tokens)

    def acquire_sync(self) -> None:
        """`acquire` for a synchronous call (`invoke`, `stream`): the token budget and the
        request spacing, but no slot (the slots are asyncio's; the app calls models
        asynchronously everywhere)."""
        while (wait := self._token_wait()) > 0:
            time.sleep(wait)
        if (wait := self._reserve_start()) > 0:
            time.sleep(wait)

    def release_sync(self, tokens: int) -> None:
        """`release` for a synchronous call: its tokens come off the budget."""
        self._spend(tokens)

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
        """Book the next request start; returns how long to wait for it."""
        now = self._clock()
        start = max(now, self._next_start)
        self._next_start = start + self.interval_s
        return start - now

    def _spend(self, tokens: int) -> None:
        """Take a finished call's tokens off the budget (it may go negative)."""
        if self.tokens_per_minute:
            self._token_wait()  # refill up to now first
            self._budget -= tokens


def used_tokens(message: Any) -> int:
    """The tokens a reply (or a streamed chunk of one) reports having used; 0 if none."""
    usage = getattr(message, "usage_metadata", None) or {}
    return int(usage.get("total_tokens", 0))


def limited(model: Model, limiter: Limiter) -> Model:
    """The same model (same client, same parameters) with `limiter` around its calls.

    A copy of `model` whose class becomes `limited_class(type(model))`: copying keeps the
    provider client the model already built, which building a new instance would not.
    """
    copy = model.model_copy()
    copy.__class__ = limited_class(type(model))
    copy.limiter = limiter  # type: ignore[attr-defined]
    return copy


@functools.cache
def limited_class(model_class: type[Model]) -> type[Model]:
    """`model_class` with its provider calls between `limiter.acquire()` and
    `limiter.release(tokens)`; made once per class. It keeps the class's name, so traces
    and LangChain's cache key read as they do without limits."""

    class Limited(model_class):  # type: ignore[valid-type,misc]
        limiter: Limiter = Field(exclude=True)  # set by `limited()`

        # `run_manager` by name: LangChain hands it (the call's callbacks and metadata)
        # only to a `_generate`/`_agenerate` whose signature names it.
        async def _agenerate(
            self, *args: Any, run_manager: Any = None, **kwargs: Any
        ) -> ChatResult:
            await self.limiter.acquire()
            tokens = 0
            try:
                result = await super()._agenerate(*args, run_manager=run_manager, **kwargs)
                tokens = sum(used_tokens(generation.message) for generation in result.generations)
                return result
            finally:
                await self.limiter.arelease(tokens)

        async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
            await self.limiter.acquire()
            tokens = 0
            try:
                async for chunk in super()._astream(*args, **kwargs):
                    tokens += used_tokens(chunk.message)
                    yield chunk
            finally:
                await self.limiter.arelease(tokens)

        def _generate(self, *args: Any, run_manager: Any = None, **kwargs: Any) -> ChatResult:
            self.limiter.acquire_sync()
            tokens = 0
            try:
                result = super()._generate(*args, run_manager=run_manager, **kwargs)
                tokens = sum(used_tokens(generation.message) for generation in result.generations)
                return result
            finally:
                self.limiter.release_sync(tokens)

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            self.limiter.acquire_sync()
            tokens = 0
            try:
                for chunk in super()._stream(*args, **kwargs):
                    tokens += used_tokens(chunk.message)
                    yield chunk
            finally:
                self.limiter.release_sync(tokens)

    # A method the class leaves to LangChain's default stays that default: an async call
    # then runs the class's own sync method in a thread (limited there, once), and
    # LangChain still sees which ways of calling the class really implements.
    for name in PROVIDER_CALLS:
        if getattr(model_class, name) is getattr(BaseChatModel, name):
            setattr(Limited, name, getattr(BaseChatModel, name))
    Limited.__name__ = model_class.__name__
    Limited.__qualname__ = model_class.__qualname__
    return Limited
