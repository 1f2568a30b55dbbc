"""The local trace store's writer: an OpenTelemetry `SpanExporter` into SQLite.

`BatchSpanProcessor` calls `export` from its own thread with a batch of finished spans,
so the request thread only appends to a queue; here the batch is written in one
transaction (one fsync-free WAL commit per batch, not per span). Rows follow
`schema.py`: the columns reports filter on, everything else in `attributes` (JSON).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode

from . import attributes as attr
from .schema import connect

logger = logging.getLogger(__name__)

KINDS = {"request", "llm", "retrieval", "tool", "agent", "chain"}
#: One encoder for every row: `json.dumps` with options builds a new one per call.
_JSON = json.JSONEncoder(default=list, ensure_ascii=False)
INSERT = """
INSERT OR REPLACE INTO spans (
    span_id, trace_id, parent_id, name, kind, start_ns, end_ns, status, error_type,
    error_message, model, prompt_name, prompt_version, input_tokens, output_tokens,
    cost_usd, attributes
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


class SQLiteSpanExporter(SpanExporter):
    """Writes each batch of spans into the `spans` table at `path`, in one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # export (worker) and force_flush may overlap

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        rows = [span_row(span) for span in spans]
        try:
            with self._lock:
                if self._connection is None:  # opened on the worker thread, on first use
                    self._connection = connect(self.path)
                with self._connection:
                    self._connection.executemany(INSERT, rows)
        except sqlite3.Error:
            logger.exception("could not write %d spans to %s", len(rows), self.path)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True  # every export is committed before it returns


def span_row(span: ReadableSpan) -> tuple[Any, ...]:
    """One `spans` row: ids as hex, times in ns, status and the GenAI columns."""
    context = span.get_span_context()
    attributes = dict(span.attributes or {})
    kind = str(attributes.get(attr.KIND, "chain"))
    status = span.status
    error = status.status_code is StatusCode.ERROR
    error_type = attributes.get(attr.ERROR_TYPE) if error else None
    if error and error_type is None:
        error_type = next(
            (e.attributes.get("exception.type") for e in span.events if e.attributes), None
        )
    model = attributes.get(attr.RESPONSE_MODEL) or attributes.get(attr.REQUEST_MODEL)
    return (
        f"{context.span_id:016x}",
        f"{context.trace_id:032x}",
        f"{span.parent.span_id:016x}" if span.parent is not None else None,
        span.name,
        kind if kind in KINDS else "chain",
        span.start_time,
        span.end_time or span.start_time,
        "error" if error else "ok",
        error_type,
        status.description if error else None,
        model,
        attributes.get(attr.PROMPT_NAME),
        attributes.get(attr.PROMPT_VERSION),
        attributes.get(attr.INPUT_TOKENS),
        attributes.get(attr.OUTPUT_TOKENS),
        attributes.get(attr.COST_USD),
        _JSON.encode(attributes),
    )
