"""The API's guards, as pure ASGI middlewares: cheaper than `BaseHTTPMiddleware` (no
extra task per request) and they work the same for streamed responses.

Order, outermost first (see `api/app.py`): request id, CORS, per-client rate limit, API
key; then FastAPI's own body limit (MAX_REQUEST_BYTES). The rate limit comes before the
key check so that failed attempts count too: guessing keys from one address gets 429s
after the allowance, like any other burst. Health checks (`/health*`) skip the key and
the rate limit, so load balancers can probe without a key.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry import trace

from ..settings import Settings
from ..shared import RedisUnavailableError, shared_state

if TYPE_CHECKING:
    from ..shared.rate_limits import SharedClientLimit

# The ASGI interface (as in starlette.types, which the app does not depend on directly).
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "x-request-id"
#: An incoming id is kept only if it is this sane; otherwise a new one is made.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEALTH_PATH = "/health"  # and /health/ready: probes need no key and are never limited
#: The playground's pages and files hold no data: they load without a key, then ask
#: for it and send it with every API call (their JSON, /playground/*, stays guarded).
#: Nor do they count toward the per-client rate limit.
PUBLIC_PAGES = ("/", "/playground", "/traces")
PUBLIC_PREFIX = "/playground/static/"
#: Rate-limit buckets kept at most (one per client seen recently).
MAX_CLIENTS = 100_000


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


async def _reply(
    send: Send, status: int, detail: str, headers: Iterable[tuple[str, str]] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestIdMiddleware:
    """Every response carries `X-Request-ID` (the client's, if sane); so does the trace span."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = incoming if incoming and SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        trace.get_current_span().set_attribute("http.request.id", request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def is_unguarded(scope: Scope) -> bool:
    """Past both guards (key, rate limit): health probes, CORS preflights (they carry no
    credentials), and the playground's pages and files."""
    path = scope["path"]
    if path == HEALTH_PATH or path.startswith(HEALTH_PATH + "/") or scope["method"] == "OPTIONS":
        return True
    return path in PUBLIC_PAGES or path.startswith(PUBLIC_PREFIX)


def presented_key(scope: Scope) -> str | None:
    """The key from `X-API-Key`, or from `Authorization: Bearer KEY`."""
    key = _header(scope, b"x-api-key")
    if key:
        return key
    auth = _header(scope, b"authorization") or ""
    scheme, _, token = auth.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def matching_key(scope: Scope, keys: list[bytes]) -> int | None:
    """Which of `keys` the request presents (its index), compared in constant time."""
    # Back to the bytes sent (headers are read as latin-1), to compare with the keys'
    # UTF-8: a key with non-ASCII characters, sent as UTF-8, matches.
    given = (presented_key(scope) or "").encode("latin-1")
    # Compare with every key, so the time taken does not tell which one nearly matched.
    matches = [hmac.compare_digest(given, key) for key in keys]
    return matches.index(True) if given and any(matches) else None


class ApiKeyMiddleware:
    """401 unless the request presents one of `keys`; compared in constant time.

    Keys are never logged or echoed: the 401 says only that a key is missing or wrong.
    """

    def __init__(self, app: ASGIApp, keys: Iterable[str]) -> None:
        self.app = app
        self.keys = [key.encode() for key in keys]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_unguarded(scope):
            return await self.app(scope, receive, send)
        if matching_key(scope, self.keys) is None:
            given = presented_key(scope)
            detail = "an API key is required" if not given else "the API key is not valid"
            return await _reply(send, 401, detail, [("www-authenticate", "Bearer")])
        await self.app(scope, receive, send)


class ClientRateLimitMiddleware:
    """At most `per_minute` requests per client, a token bucket each; beyond it a 429 with
    `Retry-After` (whole seconds until a request would be accepted).

    A client is its address, or, when it presents one of `keys` (API_KEYS), that key
    (by its place in the list: never stored). A missing or wrong key counts against the
    address:
    a made-up key is no fresh allowance, and a 401 spends the allowance like any request,
    so guessing keys is rate-limited too. The buckets live in this process; with
    REDIS_URL, `shared` counts instead, in Redis, for every process (a moving window of
    60 s), and a Redis that cannot count gets a 503 naming it: refused, not let through.
    """

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        *,
        keys: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
        shared: SharedClientLimit | None = None,
    ) -> None:
        self.app = app
        self.shared = shared
        self.keys = [key.encode() for key in keys]
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, updated)

    def client(self, scope: Scope) -> str:
        key = matching_key(scope, self.keys) if self.keys else None
        if key is not None:
            return f"key:{key}"
        host = scope.get("client") or ("unknown", 0)
        return f"addr:{host[0]}"

    def take(self, client: str) -> float:
        """0 if the request may go, else seconds until it could."""
        now = self.clock()
        tokens, updated = self.buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - updated) * self.rate)
        allowed = tokens >= 1
        self.buckets[client] = (tokens - 1 if allowed else tokens, now)
        if len(self.buckets) > MAX_CLIENTS:  # rather than grow without end
            self.forget_idle(now)
        return 0.0 if allowed else (1 - tokens) / self.rate

    def forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled: a full bucket is the same as none.

        If most clients are still limited (a flood of addresses), everyone's is dropped:
        keeping them would repeat this scan on every request.
        """
        limited = {
            client: (tokens, updated)
            for client, (tokens, updated) in self.buckets.items()
            if tokens + (now - updated) * self.rate < self.capacity
        }
        self.buckets = limited if len(limited) <= MAX_CLIENTS // 2 else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Loading the playground's page must not spend the allowance its calls need.
        if scope["type"] != "http" or is_unguarded(scope):
            return await self.app(scope, receive, send)
        if self.shared is None:
            wait = self.take(self.client(scope))
        else:
            try:
                wait = await self.shared.take(self.client(scope))
            except RedisUnavailableError as error:
                return await _reply(send, 503, str(error), [("retry-after", "5")])
        if wait > 0:
            retry_after = str(max(1, math.ceil(wait)))
            return await _reply(
                send, 429, "too many requests from this client", [("retry-after", retry_after)]
            )
        await self.app(scope, receive, send)


def cors_options(origins: list[str]) -> dict[str, Any]:
    """Starlette's CORSMiddleware arguments: these origins, the API's methods and headers."""
    return {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["authorization", "content-type", "x-api-key", "x-request-id"],
        "expose_headers": ["x-request-id", "x-trace-id", "retry-after"],
    }


def install_guards(app: FastAPI, settings: Settings) -> None:
    """Add the guards the settings switch on; the last added runs first (outermost).

    The body limit is FastAPI's own (`FastAPI(max_body_size=...)`, see `api/app.py`).
    """
    keys = [key.get_secret_value() for key in settings.api_keys]
    if keys:
        app.add_middleware(ApiKeyMiddleware, keys=keys)
    per_minute = settings.client_rate_limit_per_minute
    if per_minute:  # outside the key check: 401s count too
        shared = shared_state(settings)  # REDIS_URL: one count for every process
        counter = None
        if shared is not None:
            from ..shared.rate_limits import SharedClientLimit

            counter = SharedClientLimit(shared, per_minute)
        app.add_middleware(
            ClientRateLimitMiddleware, per_minute=per_minute, keys=keys, shared=counter
        )
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, **cors_options(settings.cors_origins))
    app.add_middleware(RequestIdMiddleware)
