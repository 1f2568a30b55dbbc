"""State that every process and replica of the app shares, in Redis (`REDIS_URL`).

With `REDIS_URL` set, four things count in Redis instead of in each process: the
per-client rate limit (`rate_limits.py`), the provider limits (requests and tokens per
minute, `rate_limits.py`; `LLM_MAX_CONCURRENCY` stays per process), the daily budget
(`spend.py`, reserve before a call, settle after) and the response cache (`cache.py`).
The windows and the budget are handed out in leases (`windows.py`, `spend.py`): a
process takes a share and counts against it in memory, one round trip for many
requests, near a limit one per request; no promise is loosened by it.
Any server that speaks Redis's protocol works: Redis, Valkey, a managed Redis
(`rediss://` for TLS; a password in the URL).

One `SharedState` (`connection.py`) per process and URL (`shared_state(settings)`), so
every part of the app uses the same connection pools. redis-py and `limits` are imported
only by an app that sets REDIS_URL (redis-py alone takes ~0.4 s to import).

Every call has a timeout (`TIMEOUT_S`) and no retry loop: a Redis that is down or
stalled fails a request in at most that long, as a `RedisUnavailableError` (a 503
naming Redis), never a hang and never a silent pass: a budget that cannot be checked is
not spent, a rate limit that cannot be counted refuses.
The pools reconnect on the next call, so the app recovers by itself when Redis is back.

Without `REDIS_URL`, each process keeps its own counters; when a limit or budget is set,
`check_workers` then refuses several workers (WEB_CONCURRENCY), and `one_process.py`
a second process however it was started (a lock in the data folder), rather than let
each of N processes spend it (see docs/scaling.md).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .errors import RedisUnavailableError, WorkersNeedRedisError

if TYPE_CHECKING:
    from ..settings import Settings
    from .connection import SharedState

__all__ = [
    "RedisUnavailableError",
    "WorkersNeedRedisError",
    "check_workers",
    "give_back_leases",
    "shared_state",
]


def shared_state(settings: Settings) -> SharedState | None:
    """The process's `SharedState` for REDIS_URL; None without it (embedded defaults)."""
    if settings.redis_url is None:
        return None
    return _shared_state(settings.redis_url.get_secret_value())


async def give_back_leases(settings: Settings) -> None:
    """The app is stopping: the shares of limits and budget this process leased and did
    not use go back to Redis, and the cost it counted goes out (windows.py, spend.py)."""
    shared = shared_state(settings)
    if shared is not None:
        await shared.give_back_leases()


@functools.cache
def _shared_state(url: str) -> SharedState:
    from .connection import SharedState

    return SharedState(url)


def per_process_guarantees(settings: Settings) -> list[str]:
    """The settings whose promise holds per process only, without REDIS_URL."""
    names = {
        "CLIENT_RATE_LIMIT_PER_MINUTE": settings.client_rate_limit_per_minute,
        "LLM_REQUESTS_PER_MINUTE": settings.llm_requests_per_minute,
        "LLM_TOKENS_PER_MINUTE": settings.llm_tokens_per_minute,
        "BUDGET_USD_PER_DAY": settings.budget_usd_per_day,
    }
    return [name for name, value in names.items() if value is not None]


def check_workers(settings: Settings, workers: int | None = None) -> None:
    """Refuse N workers without REDIS_URL when a limit or budget is set: each process would
    count it on its own, N times the promise. (The response cache, a SQLite file in WAL
    mode, is shared by the processes of one machine already; it needs no refusal.)"""
    workers = workers or settings.web_concurrency
    if workers <= 1 or settings.redis_url is not None:
        return
    guarantees = per_process_guarantees(settings)
    if guarantees:
        raise WorkersNeedRedisError(
            f"{workers} workers (WEB_CONCURRENCY) would each count {', '.join(guarantees)} "
            "on their own: set REDIS_URL to share them, or run one worker"
        )
