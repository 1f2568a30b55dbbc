"""The Redis clients of one process: built from REDIS_URL once (`shared_state`)."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import redis
import redis.asyncio
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

from .errors import RedisUnavailableError

#: Seconds any one Redis call (and a connection attempt) may take before it fails.
TIMEOUT_S = 0.5
#: Every key this app writes starts with its package name: apps can share one Redis.
KEY_PREFIX = f"{__package__.split('.')[0]}:"

#: What redis-py raises when the server is down, stalled, or restarting.
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


def client_options(asynchronous: bool = False) -> dict[str, Any]:
    """The same for every client: short timeouts, no retries (the caller gets a 503)."""
    retry = AsyncRetry(NoBackoff(), 0) if asynchronous else Retry(NoBackoff(), 0)
    return {
        "socket_timeout": TIMEOUT_S,
        "socket_connect_timeout": TIMEOUT_S,
        "retry": retry,
        "health_check_interval": 0,
    }


class SharedState:
    """The Redis clients of this process: one sync client (thread-safe, its own pool) and
    one asyncio client per event loop (asyncio connections belong to the loop that made
    them; tests and the CLI run more than one loop)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, **client_options())
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis]
        self._async = weakref.WeakKeyDictionary()

    def async_client(self) -> redis.asyncio.Redis:
        """This event loop's asyncio client (made on first use)."""
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = redis.asyncio.Redis.from_url(self.url, **client_options(asynchronous=True))
            self._async[loop] = client
        return client

    def ping(self) -> None:
        """Readiness: raises `RedisUnavailableError` unless Redis answers now."""
        try:
            self.client.ping()
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the app cannot serve", error) from error
