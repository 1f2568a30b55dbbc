"""The Redis clients of one process: built from REDIS_URL once (`shared_state`)."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import redis
import redis.asyncio
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
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


class _LoopClient:
    """One event loop's asyncio client, and the scripts registered on it."""

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.client = client
        self.scripts: dict[str, AsyncScript] = {}


class SharedState:
    """The Redis clients of this process: one sync client (thread-safe, its own pool) and
    one asyncio client per event loop (asyncio connections belong to the loop that made
    them; tests and the CLI run more than one loop)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, **client_options())
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClient]
        self._async = weakref.WeakKeyDictionary()

    def _loop_client(self) -> _LoopClient:
        loop = asyncio.get_running_loop()
        found = self._async.get(loop)
        if found is None:
            client = redis.asyncio.Redis.from_url(self.url, **client_options(asynchronous=True))
            found = self._async[loop] = _LoopClient(client)
        return found

    def async_client(self) -> redis.asyncio.Redis:
        """This event loop's asyncio client (made on first use)."""
        return self._loop_client().client

    def async_script(self, source: str) -> AsyncScript:
        """A Lua script on this event loop's client, registered once (then EVALSHA)."""
        found = self._loop_client()
        script = found.scripts.get(source)
        if script is None:
            script = found.scripts[source] = found.client.register_script(source)
        return script

    def ping(self) -> None:
        """Readiness: raises `RedisUnavailableError` unless Redis answers now."""
        try:
            self.client.ping()
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the app cannot serve", error) from error
