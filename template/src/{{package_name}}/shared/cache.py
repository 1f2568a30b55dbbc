"""The response cache in Redis: an answer cached by one replica is a hit on every other.

The same rules as `response_cache.ResponseCache` (the SQLite cache of one machine), and
the same keys: LangChain's serialised messages without earlier answers' token usage
(`request_key`) and the model's parameters (`llm_string`), hashed into one Redis key;
RESPONSE_CACHE_TTL_S is the key's Redis expiry, so Redis forgets stale answers by
itself. A hit is marked exactly as there (`llm.cache.hit` on the span, and on the reply
for the tracing handler and the budget, which then price it at 0).

A small `BaseCache` on redis-py rather than `langchain-redis`: that package's cache
keys on the raw prompt (an agent's later steps would never hit), does not mark hits for
tracing, and pulls in RedisVL. Lookups that fail (Redis down) raise
`RedisUnavailableError`: the call is refused with a 503, like the budget it would
otherwise skip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.messages import message_to_dict, messages_from_dict
from langchain_core.outputs import ChatGeneration, Generation
from opentelemetry import trace

from ..response_cache import CACHE_HIT_ATTRIBUTE, request_key
from .connection import KEY_PREFIX, REDIS_ERRORS, SharedState
from .errors import RedisUnavailableError

CACHE_PREFIX = KEY_PREFIX + "cache:"


class RedisResponseCache(BaseCache):
    """Answers in Redis under one key per (request, model parameters); `ttl_s=None`: kept."""

    def __init__(self, shared: SharedState, ttl_s: float | None = None) -> None:
        self.shared = shared
        self.ttl_s = ttl_s
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(prompt: str, llm_string: str) -> str:
        digest = hashlib.sha256(f"{request_key(prompt)}\0{llm_string}".encode()).hexdigest()
        return CACHE_PREFIX + digest

    def _answer(self, raw: bytes | None) -> Sequence[Generation] | None:
        trace.get_current_span().set_attribute(CACHE_HIT_ATTRIBUTE, raw is not None)
        if raw is None:
            self.misses += 1
            return None
        self.hits += 1
        hit = {CACHE_HIT_ATTRIBUTE: True}
        messages = messages_from_dict(json.loads(raw))
        return [ChatGeneration(message=m, generation_info=hit) for m in messages]

    @staticmethod
    def _value(return_val: Sequence[Generation]) -> str:
        messages = [message_to_dict(g.message) for g in return_val if isinstance(g, ChatGeneration)]
        return json.dumps(messages)

    def _expiry(self) -> int | None:
        return max(1, round(self.ttl_s * 1000)) if self.ttl_s is not None else None

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        try:
            raw = self.shared.client.get(self.key(prompt, llm_string))
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the response cache cannot be read", error) from error
        return self._answer(raw)

    async def alookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        try:
            raw = await self.shared.async_client().get(self.key(prompt, llm_string))
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the response cache cannot be read", error) from error
        return self._answer(raw)

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        key, value = self.key(prompt, llm_string), self._value(return_val)
        try:
            self.shared.client.set(key, value, px=self._expiry())
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the answer cannot be cached", error) from error

    async def aupdate(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        key, value = self.key(prompt, llm_string), self._value(return_val)
        try:
            await self.shared.async_client().set(key, value, px=self._expiry())
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the answer cannot be cached", error) from error

    def clear(self, **kwargs: Any) -> None:
        """Deletes this app's cached answers (its keys only; other apps' stay)."""
        for key in self.shared.client.scan_iter(match=CACHE_PREFIX + "*", count=1000):
            self.shared.client.delete(key)
