"""Without REDIS_URL, a limit or budget counted in this process holds only while this
process is the app's only one: N processes would each let N x the promise through.

`check_workers` refuses `app serve --workers N` (or WEB_CONCURRENCY) up front; this
module makes the same guarantee hold however the processes are started (`uvicorn
--workers N` run directly, gunicorn, two `serve`s of one checkout): while a limit or a
daily budget is set and REDIS_URL is not, the running app holds an exclusive lock on
`one-process.lock` in its data folder (the folder of RESPONSE_CACHE_PATH, `.data/` by
default). A second process of the app that finds the lock held refuses to start. The
operating system drops the lock when its holder ends, however it ends: no stale lock to
clean up. Apps in one process (tests) share the process's lock.

The refusal is one line at start-up. `OneProcessGuard` (an ASGI wrapper, outermost)
answers the lifespan's start-up with `lifespan.startup.failed` and the message alone:
uvicorn logs it and ends the worker with its start-up failure code (3), on which its
supervisor stops instead of restarting the worker (uvicorn 0.55), and so does gunicorn
(3 is its boot error too). A refusal raised by `create_app` instead is a traceback per
worker, and uvicorn restarts a worker whose app factory raised, again and again.
(No lock on Windows, which has no `fcntl`: there, `check_workers` alone refuses.)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import check_workers, per_process_guarantees
from .errors import WorkersNeedRedisError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from ..settings import Settings

LOCK_NAME = "one-process.lock"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The locks this process holds: path -> (open file, apps using it).
_held: dict[Path, tuple[IO[str], int]] = {}
_mutex = threading.Lock()


def lock_path(settings: Settings) -> Path:
    return settings.response_cache_path.parent / LOCK_NAME


@contextmanager
def only_process(settings: Settings) -> Iterator[None]:
    """Hold the data folder's lock while the app runs, when a guarantee needs it; raises
    `WorkersNeedRedisError` if another process holds it."""
    guarantees = per_process_guarantees(settings)
    if settings.redis_url is not None or not guarantees or fcntl is None:
        yield
        return
    path = lock_path(settings).resolve()
    _acquire(path, guarantees)
    try:
        yield
    finally:
        _release(path)


def _acquire(path: Path, guarantees: list[str]) -> None:
    with _mutex:
        if path in _held:
            file, users = _held[path]
            _held[path] = (file, users + 1)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        file = path.open("a+")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "?"
            file.close()
            raise WorkersNeedRedisError(
                f"another process of this app (pid {holder}) already counts "
                f"{', '.join(guarantees)} on its own (lock: {path}): a second would count "
                "them again; set REDIS_URL to share them, or run one process"
            ) from None
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        _held[path] = (file, 1)


def _release(path: Path) -> None:
    with _mutex:
        file, users = _held.pop(path)
        if users > 1:
            _held[path] = (file, users - 1)
        else:
            file.close()  # and the lock with it


class OneProcessGuard:
    """The app's lifespan, refused in one line when another process counts its limits."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)
        with ExitStack() as held:
            try:
                check_workers(self.settings)  # WEB_CONCURRENCY > 1 in the environment
                held.enter_context(only_process(self.settings))
            except WorkersNeedRedisError as error:
                await receive()  # lifespan.startup
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                raise  # the server's log has the one line above; a test gets the error
            await self.app(scope, receive, send)
