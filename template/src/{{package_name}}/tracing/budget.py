"""Cost budgets: once a request, or the day, has cost its budget, model calls are refused.

Everything about budgets is here; two places use it:

- the gate, `Budget.check()`: called before the app invokes the model (a dependency of
  the routes that call it, and each CLI command's start: `Tracing.check_budget`) and
  again at the start of every model call (by the LangChain handler in
  `tracing/callbacks.py`, so that a budget spent mid-request, by an agent's step, stops
  the next call before anything is sent to the provider);
- the adder, `Budget.add(usd)`: called once per finished model call, by the same
  handler, with the cost it computes for the call's span (`app.cost_usd`): a call is
  priced once, and with TRACING=off that handler runs with no span processors, for
  the budget alone.

A request's spend lives in a context variable (`Budget.request()` opens one per request
or CLI command), so concurrent requests never mix. The day's spend lives in a
`SpendStore`: `InProcessSpendStore`, a counter in this process, seeded at start-up from
the local trace store (`spent_today_in_store`) so a restart does not reset the day. It
costs nothing per call and works with TRACING=off or otlp, but it is not shared between
worker processes, so without REDIS_URL the app refuses to start several workers with a
daily budget (`shared.check_workers`, `shared.one_process`). With REDIS_URL the store is
`shared.spend.RedisSpendStore`, one count for every process, which also *reserves*: the
gate at a model call's start is `check(reserve=True)` (a reservation held while the call
runs, so concurrent calls on several replicas cannot all pass a nearly spent budget) and
its adder settles it, `add(usd, reservation)`. Days are UTC days.

On the event loop a Redis round trip is awaited, never waited for: `acheck` and `aadd`
are the same gate and adder for async code (the API's dependency, and the handler's
awaited twin, `callbacks.AwaitedBudget`); with a store in this process they are `check`
and `add` (no I/O). Before a request, `acheck()` refuses on the spend this process last
saw (`aspent_seen`: no extra round trip); the gate at each call reads Redis itself.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    from ..settings import Settings


class BudgetExceededError(RuntimeError):
    """A model call refused because a cost budget is spent; the message says which."""

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        #: Seconds until the budget renews (the daily one, at UTC midnight); None: never.
        self.retry_after_s = retry_after_s


class SpendStore(Protocol):
    """Where the day's spend (UTC) is counted, in USD.

    `spent_today` is read by the gate before each model call, `add` by the adder after
    each one: both on the caller's thread, so an implementation must be quick (and
    thread-safe: sync model calls run in worker threads).
    """

    def spent_today(self) -> float: ...

    def add(self, usd: float) -> None: ...


class ReservingSpendStore(SpendStore, Protocol):
    """A store shared by processes: a call reserves before it starts, settles after."""

    def reserve(self, limit_usd: float) -> tuple[float, str | None]:
        """Today's spend (calls in flight included) and a reservation; None: refused."""
        ...

    def settle(self, reservation: str | None, usd: float) -> None: ...


@runtime_checkable
class AsyncSpendStore(ReservingSpendStore, Protocol):
    """A reserving store in another process (Redis): its round trips, awaitable."""

    async def aspent_seen(self) -> float:
        """Today's spend as this process last saw it (read when it saw none today)."""
        ...

    async def areserve(self, limit_usd: float) -> tuple[float, str | None]: ...

    async def asettle(self, reservation: str | None, usd: float) -> None: ...


class InProcessSpendStore:
    """The day's spend as a counter in this process; it starts again at 00:00 UTC."""

    def __init__(self, spent_today_usd: float = 0.0) -> None:
        self._day_ends = _next_midnight()  # a number to compare: cheap on every call
        self._spent = spent_today_usd
        self._lock = threading.Lock()

    def spent_today(self) -> float:
        if time.time() >= self._day_ends:
            self._roll_over()
        return self._spent

    def add(self, usd: float) -> None:
        with self._lock:
            if time.time() >= self._day_ends:  # a call that ended after midnight
                self._day_ends, self._spent = _next_midnight(), 0.0
            self._spent += usd

    def _roll_over(self) -> None:
        with self._lock:
            if time.time() >= self._day_ends:
                self._day_ends, self._spent = _next_midnight(), 0.0


@dataclass
class RequestSpend:
    """What one request (or CLI command) has spent so far, in USD."""

    usd: float = 0.0


#: The current request's spend; None outside a request (nothing counted per request).
_request_spend: ContextVar[RequestSpend | None] = ContextVar("request_spend", default=None)


class Budget:
    """The budgets (`BUDGET_USD_PER_REQUEST`, `BUDGET_USD_PER_DAY`): a gate and an adder."""

    def __init__(
        self,
        *,
        per_request_usd: float | None,
        per_day_usd: float | None,
        store: SpendStore | None = None,
    ) -> None:
        self.per_request_usd = per_request_usd
        self.per_day_usd = per_day_usd
        self.store: SpendStore = store if store is not None else InProcessSpendStore()
        #: Whether the day's store does I/O to await on the event loop (Redis).
        self.awaited = isinstance(self.store, AsyncSpendStore)

    @contextmanager
    def request(self) -> Iterator[RequestSpend]:
        """A request's (or CLI command's) own spend, for the calls made in this context."""
        spend = RequestSpend()
        token = _request_spend.set(spend)
        try:
            yield spend
        finally:
            _request_spend.reset(token)

    def check(self, *, reserve: bool = False) -> str | None:
        """The gate: raise `BudgetExceededError` if this request or today spent its budget.

        With `reserve` (at a model call's start) and a store that reserves, the call
        holds a reservation, returned, until `add(usd, reservation)` settles it.
        """
        self._check_request()
        if self.per_day_usd is None:
            return None
        reservation = None
        if reserve and hasattr(self.store, "reserve"):
            spent, reservation = self.store.reserve(self.per_day_usd)
        else:
            spent = self.store.spent_today()
        self._check_day(spent)
        return reservation

    async def acheck(self, *, reserve: bool = False) -> str | None:
        """`check` on the event loop: Redis's round trip awaited. Without `reserve` (before
        a request) it refuses on the spend this process last saw; the gate at each model
        call, with `reserve`, reads Redis itself."""
        if not self.awaited:
            return self.check(reserve=reserve)  # in this process: nothing to wait for
        store = cast(AsyncSpendStore, self.store)
        self._check_request()
        if self.per_day_usd is None:
            return None
        reservation = None
        if reserve:
            spent, reservation = await store.areserve(self.per_day_usd)
        else:
            spent = await store.aspent_seen()
        self._check_day(spent)
        return reservation

    def _check_request(self) -> None:
        limit = self.per_request_usd
        if limit is not None:
            spend = _request_spend.get()
            if spend is not None and spend.usd >= limit:
                raise BudgetExceededError(
                    f"this request has spent ${spend.usd:.4f} of its ${limit:g} budget "
                    "(BUDGET_USD_PER_REQUEST): no further model calls"
                )

    def _check_day(self, spent: float) -> None:
        if self.per_day_usd is not None and spent >= self.per_day_usd:
            raise BudgetExceededError(
                f"today's model calls have cost ${spent:.4f}, the daily budget "
                f"is ${self.per_day_usd:g} (BUDGET_USD_PER_DAY): refused until 00:00 UTC",
                retry_after_s=_seconds_to_midnight(),
            )

    def add(self, usd: float, reservation: str | None = None) -> None:
        """The adder: a finished model call's cost, to the request's and the day's spend
        (settling the call's reservation, if it holds one; a failed call settles 0)."""
        self._add_to_request(usd)
        if reservation is not None:
            self.store.settle(reservation, usd)  # type: ignore[attr-defined]
        elif usd:
            self.store.add(usd)

    async def aadd(self, usd: float, reservation: str | None = None) -> None:
        """`add` on the event loop: Redis's round trip awaited."""
        if not self.awaited:
            return self.add(usd, reservation)
        store = cast(AsyncSpendStore, self.store)
        self._add_to_request(usd)
        if reservation is not None or usd:
            await store.asettle(reservation, usd)

    @staticmethod
    def _add_to_request(usd: float) -> None:
        spend = _request_spend.get()
        if spend is not None:
            spend.usd += usd


def budget_from(settings: Settings) -> Budget | None:
    """The settings' budgets, the day seeded from the local trace store, or counted in
    Redis with REDIS_URL; None: no budget."""
    if settings.budget_usd_per_request is None and settings.budget_usd_per_day is None:
        return None
    from ..shared import shared_state  # Redis clients only for apps that set REDIS_URL

    shared = shared_state(settings)
    if shared is not None:
        from ..shared.spend import RedisSpendStore

        return Budget(
            per_request_usd=settings.budget_usd_per_request,
            per_day_usd=settings.budget_usd_per_day,
            store=RedisSpendStore(shared),
        )
    seeded = spent_today_in_store(settings.trace_path) if "local" in settings.tracing else 0.0
    return Budget(
        per_request_usd=settings.budget_usd_per_request,
        per_day_usd=settings.budget_usd_per_day,
        store=InProcessSpendStore(seeded),
    )


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
