"""What goes wrong with shared state: Redis unreachable, or workers that need it."""

from __future__ import annotations

from ..unavailable import ServiceUnavailableError


class RedisUnavailableError(ServiceUnavailableError):
    """Redis (REDIS_URL) did not answer in time: what needed it is refused, not let through."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__(
            f"Redis (REDIS_URL) is unreachable, so {what}: {type(error).__name__}: "
            f"{error}. Retry when Redis is back (no restart needed)."
        )


class WorkersNeedRedisError(RuntimeError):
    """Several worker processes and a per-process limit or budget, without REDIS_URL."""
