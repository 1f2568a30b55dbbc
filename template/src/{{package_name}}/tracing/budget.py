"""Cost budgets: once a request, or the day, has cost its budget, model calls are refused.

With tracing on, the tracing handler checks the budgets (`BudgetGuard.check`) and
counts each call's cost (`BudgetGuard.add`) itself. With TRACING=off, `BudgetGuard` is
a LangChain callback handler of its own, attached the same way (a configure hook, set
per request or command by `Tracing.activate()`). Either way, raising in
`on_chat_model_start` (with `raise_error = True`) stops the call before anything is
sent to the provider. Each finished call's cost is added to the request's spend
(a `RequestSpend` in a context variable, so concurrent requests never mix) and to the
day's.

The day's spend is kept in the process, not summed from the trace store on each call:
a counter costs nothing on the calling thread, works with TRACING=off or otlp (no local
store) and is exact for the calls this process made. At start-up it is seeded from the
local store when there is one, so a restart does not reset the day. Not shared between
worker processes: with N workers, each may spend up to the daily budget (set it to the
budget divided by N); days are UTC days.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook

from ..response_cache import answered_from_cache
from .cost import ModelPrice, cost_usd


class BudgetExceededError(RuntimeError):
    """A model call refused because a cost budget is spent; the message says which."""

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        #: Seconds until the budget renews (the daily one, at UTC midnight); None: never.
        self.retry_after_s = retry_after_s


@dataclass
class RequestSpend:
    """What one request (or CLI command) has spent so far, in USD."""

    usd: float = 0.0


#: The current request's spend; the guard is attached where this and the guard are set.
active_guard: ContextVar[BaseCallbackHandler | None] = ContextVar("budget_guard", default=None)
request_spend: ContextVar[RequestSpend | None] = ContextVar("request_spend", default=None)
register_configure_hook(active_guard, inheritable=True)


class BudgetGuard(BaseCallbackHandler):
    """Refuses a model call when a budget is spent; adds each call's cost when it ends."""

    run_inline = True
    raise_error = True  # the refusal must reach the caller

    def __init__(
        self,
        *,
        provider: str,
        per_request_usd: float | None,
        per_day_usd: float | None,
        prices: Mapping[str, ModelPrice] | None = None,
        spent_today_usd: float = 0.0,
    ) -> None:
        self.provider = provider
        self.per_request_usd = per_request_usd
        self.per_day_usd = per_day_usd
        self.prices = prices or {}
        self._day_ends = _next_midnight()  # a number to compare: cheap on every call
        self._spent_today = spent_today_usd
        self._lock = threading.Lock()
        self._models: dict[UUID, str] = {}

    @property
    def spent_today_usd(self) -> float:
        if time.time() >= self._day_ends:
            with self._lock:
                self._day_ends, self._spent_today = _next_midnight(), 0.0
        return self._spent_today

    def check(self) -> None:
        """Raise `BudgetExceededError` if this request or today has spent its budget."""
        spend = request_spend.get()
        limit = self.per_request_usd
        if limit is not None and spend is not None and spend.usd >= limit:
            raise BudgetExceededError(
                f"this request has spent ${spend.usd:.4f} of its ${limit:g} budget "
                "(BUDGET_USD_PER_REQUEST): no further model calls"
            )
        if self.per_day_usd is not None and self.spent_today_usd >= self.per_day_usd:
            raise BudgetExceededError(
                f"today's model calls have cost ${self._spent_today:.4f}, the daily budget "
                f"is ${self.per_day_usd:g} (BUDGET_USD_PER_DAY): refused until 00:00 UTC",
                retry_after_s=_seconds_to_midnight(),
            )

    def add(self, usd: float) -> None:
        spend = request_spend.get()
        if spend is not None:
            spend.usd += usd
        self.spent_today_usd  # noqa: B018 (rolls the day over first)
        with self._lock:
            self._spent_today += usd

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.check()
        metadata = kwargs.get("metadata") or {}
        self._models[run_id] = str(metadata.get("ls_model_name") or "unknown")

    def on_llm_start(
        self, serialized: dict[str, Any], prompts: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.on_chat_model_start(serialized, prompts, run_id=run_id, **kwargs)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        requested = self._models.pop(run_id, "unknown")
        generation = response.generations[0][0] if response.generations else None
        message = generation.message if isinstance(generation, ChatGeneration) else None
        usage = getattr(message, "usage_metadata", None) or {}
        metadata = getattr(message, "response_metadata", None) or {}
        if not usage or answered_from_cache(generation):  # a cached answer costs nothing
            return
        model = str(metadata.get("model_name") or requested)
        tokens = usage.get("input_tokens", 0), usage.get("output_tokens", 0)
        cost = cost_usd(model, self.provider, *tokens, self.prices)
        if cost is None and model != requested:
            cost = cost_usd(requested, self.provider, *tokens, self.prices)
        if cost:
            self.add(cost)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._models.pop(run_id, None)


def spent_today_in_store(path: Path) -> float:
    """Today's (UTC) model-call cost recorded in the local trace store; 0 without one."""
    if not path.exists():
        return 0.0
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute(
                "SELECT SUM(cost_usd) FROM spans WHERE kind = 'llm' AND start_ns >= ?",
                (int(midnight.timestamp() * 1e9),),
            ).fetchone()
    except sqlite3.Error:
        return 0.0
    return float(row[0] or 0.0)


def _next_midnight() -> float:
    """The next 00:00 UTC, in seconds since the epoch."""
    return float(int(time.time()) // 86_400 * 86_400 + 86_400)


def _seconds_to_midnight() -> int:
    return 86_400 - int(time.time()) % 86_400
