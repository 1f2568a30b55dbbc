"""The request span: every HTTP request is the root of a trace, its model calls below it.

A pure ASGI middleware (no `BaseHTTPMiddleware`, which adds a task and a stream per
request): it opens the span, makes it current and activates tracing for the request's
context, then names it after the matched route (`POST /chat`, not the raw path) and
records the status code. A streamed response (SSE) stays inside its span to the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from ..settings import Settings
from . import attributes as attr
from .budget import BudgetExceededError
from .setup import Tracing, setup_tracing

Scope = dict[str, Any]
TRACE_ID_HEADER = b"x-trace-id"
#: The playground's pages and their files and reads: not traced, so they do not bury
#: the traces of the requests people make from it.
PLAYGROUND_PATHS = ("/", "/traces", "/playground")


#: Health probes (`/health`, `/health/ready`): not traced either. A load balancer or a
#: Docker HEALTHCHECK calls them every few seconds (one every 15 s is 5,760 traces a day),
#: and their answer is in the response. They still get a request id (api/middleware.py).
HEALTH_PATH = "/health"


def is_playground_file(path: str) -> bool:
    return path in PLAYGROUND_PATHS or path.startswith("/playground/")


def is_untraced(path: str) -> bool:
    """The playground's files and the health probes: no span, no trace id."""
    health = path == HEALTH_PATH or path.startswith(HEALTH_PATH + "/")
    return health or is_playground_file(path)


def install_tracing(app: FastAPI, settings: Settings, service_name: str) -> Tracing:
    """Trace the app's requests; flush and stop on shutdown; budgets answer 429.

    Add it after the other middlewares, so the request span is the outermost and the
    others (request id, rate limit) run inside it.
    """
    tracing = setup_tracing(settings, service_name)
    if tracing.enabled or tracing.budget is not None:
        app.add_middleware(TracingMiddleware, tracing=tracing)
    app.add_exception_handler(BudgetExceededError, budget_exceeded)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        try:
            async with inner(app) as state:
                yield state
        finally:
            tracing.shutdown()  # every queued span is written before the process ends

    app.router.lifespan_context = lifespan
    return tracing


async def budget_exceeded(request: Request, error: Exception) -> JSONResponse:
    """429 with the budget's message (and Retry-After for the daily budget)."""
    assert isinstance(error, BudgetExceededError)
    headers = {"Retry-After": str(error.retry_after_s)} if error.retry_after_s else None
    return JSONResponse({"detail": str(error)}, status_code=429, headers=headers)


class TracingMiddleware:
    def __init__(self, app: Any, tracing: Tracing) -> None:
        self.app = app
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or is_untraced(scope["path"]):
            await self.app(scope, receive, send)
            return
        tracing = self.tracing
        if not tracing.enabled:  # budgets only (TRACING=off)
            with tracing.activate():
                await self.app(scope, receive, send)
            return
        method = scope["method"]
        attributes: dict[str, Any] = {
            attr.KIND: "request",
            "http.request.method": method,
            "url.path": tracing.redact(scope["path"]),
        }
        for name, value in scope.get("headers", ()):
            if name == b"user-agent":
                attributes["user_agent.original"] = tracing.redact(value.decode("latin-1"))
        span = tracing.tracer.start_span(f"{method} {scope['path']}", attributes=attributes)
        status: list[int] = []

        trace_id = f"{span.get_span_context().trace_id:032x}".encode()

        async def send_with_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                # The client can look its request up: the playground links to the trace.
                headers = [*message.get("headers", []), (TRACE_ID_HEADER, trace_id)]
                message = {**message, "headers": headers}
            await send(message)

        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            with tracing.activate():
                await self.app(scope, receive, send_with_status)
        except Exception as error:
            span.set_attribute(attr.ERROR_TYPE, type(error).__name__)
            span.set_status(Status(StatusCode.ERROR, tracing.redact(str(error))[:2_000]))
            raise
        finally:
            otel_context.detach(token)
            route = getattr(scope.get("route"), "path", None)
            if route:
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
            if status:
                span.set_attribute("http.response.status_code", status[0])
                if status[0] >= 500:
                    span.set_status(Status(StatusCode.ERROR, f"HTTP {status[0]}"))
            span.end()
