"""The eval suite's answer cache: the app's `ResponseCache` with no expiry, in its own
file (`.data/eval-cache.sqlite`), so re-running after changing only an assertion costs
no model call. The key is LangChain's: the messages and the model's parameters (for the
offline fake, its script too), so a changed prompt, model or script is a miss.

`--repeat N` asks each case N times to measure how often it passes; `for_repeat(n)` keys
repeat n apart, so repeats stay independent samples while a re-run still reuses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.outputs import Generation

from ..response_cache import ResponseCache


class EvalCache(ResponseCache):
    """Answers kept until deleted (an eval re-run wants yesterday's answers too)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, ttl_s=None)
        self.path = path

    def for_repeat(self, repeat: int) -> BaseCache:
        """This cache for repeat `repeat` of a case (the first repeat is the plain cache)."""
        return self if repeat == 0 else _Repeat(self, repeat)


class _Repeat(BaseCache):
    """The same table, with the repeat number in the model part of the key."""

    def __init__(self, cache: EvalCache, repeat: int) -> None:
        self._cache = cache
        self._tag = f"repeat={repeat};"

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        return self._cache.lookup(prompt, self._tag + llm_string)

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        self._cache.update(prompt, self._tag + llm_string, return_val)

    def clear(self, **kwargs: Any) -> None:
        self._cache.clear()
