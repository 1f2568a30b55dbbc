"""The Redis clients of one process: built from REDIS_URL once (`shared_state`)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import redis
import redis.asyncio
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript, Script
from redis.retry import Retry

from .errors import RedisUnavailableError

log = logging.getLogger(__name__)

#: Seconds any one Redis call (and a connection attempt) may take before it fails.
TIMEOUT_S = 0.5
#: Every key this app writes starts with its package name: apps can share one Redis.
KEY_PREFIX = f"{__package__.split('.')[0]}:"

#: What redis-py raises when the server is down, stalled, or restarting.
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


@contextmanager
def unavailable_as(what: str) -> Iterator[None]:
    """Redis down or stalled -> `RedisUnavailableError` saying `what` could not be done."""
    try:
        yield
    except REDIS_ERRORS as error:
        raise RedisUnavailableError(what, error) from error


def client_options(asynchronous: bool = False) -> dict[str, Any]:
    """The same for every client: short timeouts, no retries (the caller gets a 503)."""
    retry = AsyncRetry(NoBackoff(), 0) if asynchronous else Retry(NoBackoff(), 0)
    return {
        "socket_timeout": TIMEOUT_S,
        "socket_connect_timeout": TIMEOUT_S,
        "retry": retry,
        "health_check_interval": 0,
    }


class LeaseHolder(Protocol):
    """What holds a share of a limit or budget leased from Redis (windows.py, spend.py)."""

    async def give_back(self) -> None:
        """Return what is unused, count what is spent: the process is stopping."""
        ...


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
        self._scripts: dict[str, Script] = {}
        self._lease_holders: weakref.WeakSet[LeaseHolder] = weakref.WeakSet()

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

    def script(self, source: str) -> Script:
        """A Lua script on the sync client, registered once (then EVALSHA)."""
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self.client.register_script(source)
        return script

    def hold_leases(self, holder: LeaseHolder) -> None:
        """`holder` leases from Redis: `give_back_leases` returns its leases at shutdown."""
        self._lease_holders.add(holder)

    async def give_back_leases(self) -> None:
        """The app is stopping: what this process leased and did not use goes back, and
        the cost it counted but did not yet send is sent (best effort: a Redis that is
        down gets them back as their leases expire)."""
        for holder in list(self._lease_holders):
            try:
                await holder.give_back()
            except RedisUnavailableError as error:
                log.warning("%s", error)

    def ping(self) -> None:
        """Readiness: raises `RedisUnavailableError` unless Redis answers now."""
        try:
            self.client.ping()
        except REDIS_ERRORS as error:
            raise RedisUnavailableError("the app cannot serve", error) from error
