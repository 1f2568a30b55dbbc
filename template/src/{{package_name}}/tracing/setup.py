"""Start and stop tracing from the settings: the OpenTelemetry provider, its exporters,
the LangChain handler, and the budgets that ride on it (`budget.py`).

`setup_tracing(settings)` returns a `Tracing`; the API calls it in `create_app` (and shuts
it down, flushing every span, when the app stops), each CLI command that calls a model
wraps its work in `traced(settings, "chat")`. The provider is the app's own, not the global
one: two apps (or tests) in one process keep their spans apart.

TRACING=off gives a `Tracing` with no provider and no exporter thread. Without a budget
it attaches no handler either, so a model call costs exactly what it costs without this
module; with one, the handler is attached with no span processors, for the budget.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from ..settings import Settings
from . import attributes as attr
from .budget import Budget, BudgetExceededError, budget_from
from .callbacks import TracingCallbackHandler, active_gate, active_handler
from .redact import RedactingFilter, Redactor, secret_values

#: The batch processor's defaults where the OTEL_BSP_* variables do not say otherwise:
#: a queue deep enough that a burst of thousands of concurrent calls loses no span (the
#: SDK's 2,048 drops them), and a 1 s flush so `app traces` sees a request promptly.
BATCH_DEFAULTS = {
    "OTEL_BSP_MAX_QUEUE_SIZE": ("max_queue_size", 65_536),
    "OTEL_BSP_SCHEDULE_DELAY": ("schedule_delay_millis", 1_000),
}


@dataclass
class Tracing:
    """The app's tracing: `activate()` per request or command, `shutdown()` at the end."""

    settings: Settings
    provider: TracerProvider | None = None
    handler: TracingCallbackHandler | None = None
    budget: Budget | None = None
    redact: Redactor = field(default_factory=Redactor)
    _stopped: bool = False

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    @cached_property
    def tracer(self) -> Tracer:
        """Made once: the SDK's `get_tracer` costs ~8 µs a call, and each request needs it."""
        if self.provider is None:
            return trace.NoOpTracer()
        return self.provider.get_tracer(__name__)

    @contextmanager
    def activate(self) -> Iterator[None]:
        """Trace (and budget: one request's spend) the LangChain runs made in this
        context, and only them."""
        token = active_handler.set(self.handler)
        gate = active_gate.set(self.handler.gate if self.handler is not None else None)
        try:
            if self.budget is None:
                yield
            else:
                with self.budget.request():
                    yield
        finally:
            active_gate.reset(gate)
            active_handler.reset(token)

    def check_budget(self) -> None:
        """Refuse a request before the app invokes the model, when a budget is spent.

        The budget's gate, passed again by every model call (in the handler): there a
        refusal comes from inside LangChain's callback dispatch, which has by then made
        every other handler's coroutine and leaves them un-awaited ("coroutine
        'ahandle_event' was never awaited"). Checked first, a budget already spent (the
        day's, usually) refuses with no dispatch at all; the handler's check stays for
        one spent during a request (an agent's step).
        """
        if self.budget is None:
            return
        try:
            self.budget.check()
        except BudgetExceededError as error:  # the request's span says why it was refused
            _refused(error)
            raise

    async def acheck_budget(self) -> None:
        """`check_budget` for the API: with a budget in Redis, no round trip (it refuses on
        the spend this process last saw; each model call's gate reads Redis)."""
        if self.budget is None:
            return
        try:
            await self.budget.acheck()
        except BudgetExceededError as error:
            _refused(error)
            raise

    @contextmanager
    def span(self, name: str, kind: str = "request", **attributes: Any) -> Iterator[Span]:
        """A root span for a CLI command (or any unit of work), with tracing active in it."""
        if self.provider is None:
            with self.activate():
                yield trace.INVALID_SPAN
            return
        attributes = {attr.KIND: kind, **attributes}
        with (
            self.tracer.start_as_current_span(
                name, attributes=attributes, record_exception=False, set_status_on_exception=False
            ) as span,
            self.activate(),
        ):
            try:
                yield span
            except BaseException as error:
                span.set_attribute(attr.ERROR_TYPE, type(error).__name__)
                span.set_status(Status(StatusCode.ERROR, self.redact(str(error))[:2_000]))
                raise

    def force_flush(self) -> None:
        if self.provider is not None:
            self.provider.force_flush()

    def shutdown(self) -> None:
        """Export what is queued and stop the exporter threads."""
        if self.provider is not None and not self._stopped:
            self._stopped = True
            self.provider.shutdown()


def _refused(error: BudgetExceededError) -> None:
    """The request's span says why it was refused."""
    span = trace.get_current_span()
    span.set_attribute(attr.ERROR_TYPE, type(error).__name__)
    span.set_status(Status(StatusCode.ERROR, str(error)))


def setup_tracing(settings: Settings, service_name: str = "app") -> Tracing:
    """Tracing as the settings ask: sinks (TRACING), contents, prices and budgets."""
    redact = Redactor(secret_values(settings))
    budget = budget_from(settings)
    _redact_logs(redact)
    if not settings.tracing and budget is None:
        return Tracing(settings, redact=redact)  # nothing attached to any model call
    provider: TracerProvider | None = None
    processors: list[BatchSpanProcessor] = []
    resource = Resource.get_empty()
    if settings.tracing:  # else no sink: the handler is there for the budget alone
        name = os.environ.get("OTEL_SERVICE_NAME") or service_name
        resource = Resource.create({"service.name": name})
        provider = TracerProvider(resource=resource)
        processors = [BatchSpanProcessor(e, **_batch_options()) for e in exporters(settings)]
        for processor in processors:
            provider.add_span_processor(processor)
    handler = TracingCallbackHandler(
        processors,
        resource,
        provider=settings.llm_provider,
        record_content=settings.trace_content,
        redact=redact,
        prices=settings.llm_prices,
        budget=budget,
    )
    return Tracing(settings, provider=provider, handler=handler, budget=budget, redact=redact)


@contextmanager
def traced(settings: Settings, name: str, service_name: str = "app") -> Iterator[Tracing]:
    """Tracing for one CLI command: one trace (and one request budget), flushed at the end."""
    tracing = setup_tracing(settings, service_name)
    try:
        with tracing.span(name, **{"app.command": name}):
            yield tracing
    finally:
        tracing.shutdown()


def exporters(settings: Settings) -> list[SpanExporter]:
    """One exporter per sink; the OTLP one reads endpoint and headers from OTEL_* variables."""
    result: list[SpanExporter] = []
    if "local" in settings.tracing:
        from .store import SQLiteSpanExporter

        result.append(SQLiteSpanExporter(settings.trace_path))
    if "otlp" in settings.tracing:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        result.append(OTLPSpanExporter())
    return result


def _batch_options() -> dict[str, int]:
    return {
        option: default
        for variable, (option, default) in BATCH_DEFAULTS.items()
        if variable not in os.environ
    }


def _redact_logs(redact: Redactor) -> None:
    """Redact secrets from what the root logger's handlers (and uvicorn's) write."""
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            handler.filters = [f for f in handler.filters if not isinstance(f, RedactingFilter)]
            handler.addFilter(RedactingFilter(redact))
