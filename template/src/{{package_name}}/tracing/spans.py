"""`RunSpan`: a finished OpenTelemetry span made without the SDK's `Span`, the one place
this app relies on the SDK's internals.

Why: a live SDK `Span` per LangChain run (a lock, attribute validation, a sampler, its
`end()`) cost ~40 µs on the calling thread of every model call. A `RunSpan` is the
`ReadableSpan` that `Span.end()` would hand the span processors, made directly: created
at the run's start (its ids drawn at once, so children know their parent), given to the
processors at its end. What a model call's span needs of the reply (tokens, cost) and,
with TRACE_CONTENT=true, its contents as redacted JSON (~100 µs) can be filled later
(`fill_later`): the first time anything reads the span's name or attributes, which is an
exporter, on the batch processor's thread, not the caller's.

What it relies on, in opentelemetry-sdk's `ReadableSpan` (as in 1.45, the version tested),
each checked by `tests/test_tracing_spans.py`, so that an SDK upgrade changing it fails
there, by name, instead of losing spans in an exporter thread:

1. The public properties (`name`, `context`, `parent`, `kind`, `start_time`, `end_time`,
   `status`, `attributes`, `events`, `links`, `resource`, `instrumentation_scope`,
   `dropped_*`) and `to_json()` read the instance fields `ReadableSpan.__init__` sets
   (`_name`, `_context`, `_attributes`...). `RunSpan` does not call `__init__`: the
   fields every run shares are class attributes, the others are set per run.
2. `attributes`, `dropped_attributes` and `to_json()` read `self._attributes`: here a
   property, which fills what was left for later first.
3. Processors take any `ReadableSpan` in `on_end` (the batch processor queues it).

Everything else in the app uses only the methods below, never the SDK's fields.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

SCOPE = InstrumentationScope(__name__.removesuffix(".spans"))  # the package's `tracing`
UNSET = Status(StatusCode.UNSET)  # success, as OpenTelemetry instrumentations leave it

#: Held while a span's deferred attributes are filled: two exporter threads (local and
#: OTLP) may read one span at once. Rarely contended: most spans have nothing deferred.
_FILLING = threading.Lock()


class RunSpan(ReadableSpan):
    """A LangChain run's span: open while the run is (write `attrs`), then `end()`ed."""

    # What every run shares, as `ReadableSpan.__init__` would set it per span.
    _kind = SpanKind.INTERNAL
    _instrumentation_info = None
    _instrumentation_scope = SCOPE
    _events: tuple[Any, ...] = ()
    _links: tuple[Any, ...] = ()
    _status = UNSET
    _end_time: int | None = None
    #: Fills the rest of the span's name and attributes, the first time they are read.
    _fill: Callable[[RunSpan], None] | None = None

    def __init__(
        self,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        resource: Resource,
        attributes: dict[str, Any],
        start_time: int,
    ) -> None:
        self._name = name
        self._context = context
        self._parent = parent
        self._resource = resource
        #: The span's attributes, written by the handler while the run is open.
        self.attrs = attributes
        self._start_time = start_time

    @property
    def _attributes(self) -> dict[str, Any]:  # what every `ReadableSpan` reader reads
        if self._fill is not None:
            self.fill_now()
        return self.attrs

    @property
    def name(self) -> str:  # a model call's is known once its attributes are
        if self._fill is not None:
            self.fill_now()
        return self._name

    def rename(self, name: str) -> None:
        self._name = name

    def fill_later(self, fill: Callable[[RunSpan], None]) -> None:
        """Leave `fill(span)` (setting attributes, maybe `rename`) to the first reader."""
        self._fill = fill

    def fill_now(self) -> None:
        """Run what was left for later, once (two exporter threads may ask at once)."""
        with _FILLING:
            fill, self._fill = self._fill, None
            if fill is not None:
                fill(self)

    def end(self, end_time: int, status: Status = UNSET) -> None:
        """The run is over: its span is complete, ready for the processors."""
        self._end_time = end_time
        if status is not UNSET:
            self._status = status
