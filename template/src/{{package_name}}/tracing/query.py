"""Read the local trace store: recent traces, one trace as a tree, cost, the worst calls.

The one reader of the store: `app traces` (trace_commands.py, text), the HTML report
(report.py, a page) and the playground's traces JSON (api/routes/playground.py) each
take what they show from here and only lay it out. Plain sqlite3 over the table in
`schema.py`, opened read-only, so the readers never block (or create) the store the app
writes to. Cost and tokens are summed over model-call spans (`kind = 'llm'`) only, so a
total that a writer also puts on a parent span is never counted twice. Days are UTC days.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

NO_TRACES = "no traces yet: run the app with TRACING=local"

CostBy = Literal["model", "prompt", "day"]


class TraceQueryError(Exception):
    """A reader's failure, worded for the user: the CLI prints it as one line."""


class NoTracesError(TraceQueryError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"{NO_TRACES} (nothing in {path})")


@dataclass(frozen=True)
class TraceSummary:
    """One trace as `app traces list` shows it."""

    trace_id: str
    name: str
    start_ns: int
    end_ns: int
    spans: int
    errors: int
    calls: int  #: model calls
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  #: None when no model call in it was priced
    unpriced: int  #: model calls that used tokens but have no price

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def status(self) -> str:
        return "error" if self.errors else "ok"


@dataclass
class Span:
    """One stored span; `children` is filled by `trace_tree`, ordered by start time."""

    span_id: str
    trace_id: str
    parent_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    status: str
    error_type: str | None
    error_message: str | None
    model: str | None
    prompt_name: str | None
    prompt_version: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    attributes: dict[str, Any]
    children: list[Span] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def unpriced(self) -> bool:
        """A model call that used tokens but has no cost: its model's price is unknown."""
        return self.cost_usd is None and bool((self.input_tokens or 0) + (self.output_tokens or 0))

    @property
    def error(self) -> str:
        """`Type: message`, or what there is of it."""
        parts = [part for part in (self.error_type, self.error_message) if part]
        return ": ".join(parts)


class SpanRow(NamedTuple):
    """A span of a trace in tree order: how deep it sits, and when it started, in ms
    after the trace's first span."""

    depth: int
    span: Span
    offset_ms: float


@dataclass(frozen=True)
class Trace:
    """One trace: its summary and its spans as a tree (`find_trace`, `recent_trace_trees`)."""

    summary: TraceSummary
    roots: list[Span]  #: usually one: the request's (or the command's) span

    @property
    def complete(self) -> bool:
        """Whether every span is in: spans are written as they end, the request's own
        last, so until it is stored a root still names a parent the store lacks."""
        return all(root.parent_id is None for root in self.roots)

    def offset_ms(self, span: Span) -> float:
        """When `span` started, in ms after the trace's first span."""
        return (span.start_ns - self.summary.start_ns) / 1e6

    def rows(self) -> list[SpanRow]:
        """Every span, parents before children, each child list in start order."""
        return [SpanRow(depth, span, self.offset_ms(span)) for depth, span in walk(self.roots)]


@dataclass(frozen=True)
class CostRow:
    key: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    unpriced: int  #: calls that used tokens but have no price


_SPAN_COLUMNS = (
    "span_id, trace_id, parent_id, name, kind, start_ns, end_ns, status, error_type, "
    "error_message, model, prompt_name, prompt_version, input_tokens, output_tokens, "
    "cost_usd, attributes"
)


def _span(row: tuple[Any, ...]) -> Span:
    try:
        attributes = json.loads(row[-1] or "{}")
    except json.JSONDecodeError:
        attributes = {"attributes": row[-1]}  # shown as stored rather than lost
    return Span(*row[:-1], attributes=attributes if isinstance(attributes, dict) else {})


def open_store(path: Path) -> sqlite3.Connection:
    """The store, read-only; `NoTracesError` when it is missing or holds no span."""
    if not path.is_file():
        raise NoTracesError(path)
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        any_span = connection.execute("SELECT 1 FROM spans LIMIT 1").fetchone()
    except sqlite3.DatabaseError as error:
        connection.close()
        if "no such table" in str(error):
            raise NoTracesError(path) from error
        raise TraceQueryError(f"cannot read the trace store {path}: {error}") from error
    if any_span is None:
        connection.close()
        raise NoTracesError(path)
    return connection


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """The store at `path`, open read-only for the block (`open_store`), closed after it."""
    connection = open_store(path)
    try:
        yield connection
    finally:
        connection.close()


_DURATION = re.compile(r"(\d+)\s*(s|m|min|h|d|w)")
_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_since(text: str, now_ns: int | None = None) -> int:
    """`30m`, `2h`, `7d`, `1w` ago, or an ISO date/time (UTC unless it says otherwise)."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    match = _DURATION.fullmatch(text.strip().lower())
    if match:
        return now_ns - int(match[1]) * _SECONDS[match[2]] * 1_000_000_000
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TraceQueryError(
            f"--since {text!r}: give a duration (30m, 2h, 7d, 1w) or an ISO date (2026-11-20)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


#: A model call that used tokens but has no cost: its model's price is unknown.
UNPRICED = "cost_usd IS NULL AND COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0) > 0"

_LLM_TOTALS = (
    "SUM(kind = 'llm') AS calls, "
    "COALESCE(SUM(CASE WHEN kind = 'llm' THEN input_tokens END), 0), "
    "COALESCE(SUM(CASE WHEN kind = 'llm' THEN output_tokens END), 0), "
    "SUM(CASE WHEN kind = 'llm' THEN cost_usd END), "
    f"SUM(kind = 'llm' AND {UNPRICED})"
)


def recent_traces(
    connection: sqlite3.Connection,
    *,
    since_ns: int | None = None,
    errors_only: bool = False,
    limit: int | None = 20,
) -> list[TraceSummary]:
    """The newest traces first (by their first span); a trace's name is its root span's.

    Only the traces with a span in a recent window are grouped, not the whole store: a
    trace none of whose spans is in the window started before it, so the traces that
    started inside it are the newest. The window grows until it holds `limit` of them.
    """
    floor = since_ns or 0
    having = ["MIN(start_ns) >= :cut"] + (["SUM(status = 'error') > 0"] if errors_only else [])
    where = "WHERE trace_id IN (SELECT trace_id FROM spans WHERE start_ns >= :cut)"
    window = 16 * (limit or 0)
    while True:
        cut = floor
        if limit is not None:
            sql = "SELECT start_ns FROM spans ORDER BY start_ns DESC LIMIT 1 OFFSET ?"
            row = connection.execute(sql, (window,)).fetchone()
            cut = max(floor, row[0]) if row else floor
        found = _summaries(connection, where, having, {"cut": cut}, limit)
        if cut == floor or len(found) == limit:
            return found
        window *= 8


def trace_summary(connection: sqlite3.Connection, trace_id: str) -> TraceSummary:
    found = _summaries(connection, "WHERE trace_id = :trace_id", [], {"trace_id": trace_id}, 1)
    if not found:
        raise TraceQueryError(f"no trace with id {trace_id!r} (see `traces list`)")
    return found[0]


def _summaries(
    connection: sqlite3.Connection,
    where: str,
    having: list[str],
    params: dict[str, Any],
    limit: int | None,
) -> list[TraceSummary]:
    sql = f"""
        WITH t AS (
            SELECT trace_id, MIN(start_ns) AS start_ns, MAX(end_ns) AS end_ns,
                   COUNT(*) AS spans, SUM(status = 'error') AS errors, {_LLM_TOTALS}
            FROM spans {where} GROUP BY trace_id
            {"HAVING " + " AND ".join(having) if having else ""}
            ORDER BY start_ns DESC, trace_id LIMIT :limit
        )
        SELECT t.trace_id,
               COALESCE((SELECT r.name FROM spans r
                         WHERE r.trace_id = t.trace_id AND (r.parent_id IS NULL OR NOT EXISTS
                               (SELECT 1 FROM spans p WHERE p.span_id = r.parent_id))
                         ORDER BY r.start_ns LIMIT 1), '?'),
               t.*
        FROM t ORDER BY t.start_ns DESC, t.trace_id
    """
    rows = connection.execute(sql, {**params, "limit": -1 if limit is None else limit})
    return [TraceSummary(row[0], row[1], *row[3:]) for row in rows]


def resolve_trace_id(connection: sqlite3.Connection, prefix: str) -> str:
    """The one trace id starting with `prefix` (hex, any case)."""
    wanted = prefix.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{1,32}", wanted):
        raise TraceQueryError(f"{prefix!r} is not a trace id (up to 32 hex digits)")
    found = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT trace_id FROM spans WHERE trace_id GLOB ? LIMIT 3", (wanted + "*",)
        )
    ]
    if not found:
        raise TraceQueryError(f"no trace with id {prefix!r} (see `traces list`)")
    if len(found) > 1:
        raise TraceQueryError(f"{prefix!r} starts more than one trace id: give more digits")
    return found[0]


def trace_tree(connection: sqlite3.Connection, trace_id: str) -> list[Span]:
    """The trace's root spans (usually one), each child list ordered by start time.

    A span whose parent is not stored (still being written, or a remote caller's) is a root.
    """
    spans = [
        _span(row)
        for row in connection.execute(
            f"SELECT {_SPAN_COLUMNS} FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id",
            (trace_id,),
        )
    ]
    by_id = {span.span_id: span for span in spans}
    roots = []
    for span in spans:
        parent = by_id.get(span.parent_id) if span.parent_id else None
        (parent.children if parent is not None else roots).append(span)
    return roots


def walk(roots: list[Span], depth: int = 0) -> Iterator[tuple[int, Span]]:
    """Depth-first, parents before children: (depth, span)."""
    for span in roots:
        yield depth, span
        yield from walk(span.children, depth + 1)


def find_trace(connection: sqlite3.Connection, trace_id: str) -> Trace:
    """The trace whose id is or starts with `trace_id`, summed up and as a tree."""
    summary = trace_summary(connection, resolve_trace_id(connection, trace_id))
    return Trace(summary, trace_tree(connection, summary.trace_id))


def recent_trace_trees(
    connection: sqlite3.Connection, *, since_ns: int | None = None, limit: int | None = 20
) -> list[Trace]:
    """`recent_traces`, each with its tree of spans."""
    return [
        Trace(summary, trace_tree(connection, summary.trace_id))
        for summary in recent_traces(connection, since_ns=since_ns, limit=limit)
    ]


_COST_KEYS: dict[str, str] = {
    "model": "COALESCE(model, '(unknown model)')",
    "prompt": "COALESCE(prompt_name || COALESCE(' v' || prompt_version, ''), '(no prompt)')",
    "day": "date(start_ns / 1000000000, 'unixepoch')",
}


def cost_by(
    connection: sqlite3.Connection, by: CostBy = "model", *, since_ns: int | None = None
) -> list[CostRow]:
    """Model calls grouped by model, prompt (name and version) or UTC day.

    Days in date order; models and prompts dearest first.
    """
    if by not in _COST_KEYS:
        raise TraceQueryError(f"cost by {by!r}: choose model, prompt or day")
    order = "key" if by == "day" else "COALESCE(SUM(cost_usd), -1) DESC, calls DESC, key"
    sql = f"""
        SELECT {_COST_KEYS[by]} AS key, COUNT(*) AS calls,
               COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
               SUM(cost_usd), SUM({UNPRICED})
        FROM spans WHERE kind = 'llm' AND start_ns >= :since
        GROUP BY key ORDER BY {order}
    """
    rows = connection.execute(sql, {"since": since_ns or 0})
    return [CostRow(*row) for row in rows]


def cost_total(rows: list[CostRow]) -> CostRow:
    """The rows summed up, as a row named `total`; its cost is None when none is known."""
    known = [row.cost_usd for row in rows if row.cost_usd is not None]
    return CostRow(
        "total",
        sum(row.calls for row in rows),
        sum(row.input_tokens for row in rows),
        sum(row.output_tokens for row in rows),
        sum(known) if known else None,
        sum(row.unpriced for row in rows),
    )


def _calls(
    connection: sqlite3.Connection, where: str, order: str, limit: int, since_ns: int | None
) -> list[Span]:
    sql = f"SELECT {_SPAN_COLUMNS} FROM spans s WHERE {where} AND start_ns >= ? ORDER BY {order}"
    return [_span(row) for row in connection.execute(f"{sql} LIMIT ?", (since_ns or 0, limit))]


#: The spans that are calls to something: a model, a retriever, a tool.
CALL_KINDS = "('llm', 'retrieval', 'tool')"


def slowest_calls(
    connection: sqlite3.Connection, limit: int = 10, since_ns: int | None = None
) -> list[Span]:
    order = "end_ns - start_ns DESC"
    return _calls(connection, f"kind IN {CALL_KINDS}", order, limit, since_ns)


def costliest_calls(
    connection: sqlite3.Connection, limit: int = 10, since_ns: int | None = None
) -> list[Span]:
    return _calls(connection, "kind = 'llm' AND cost_usd > 0", "cost_usd DESC", limit, since_ns)


def failed_calls(
    connection: sqlite3.Connection, limit: int = 50, since_ns: int | None = None
) -> list[Span]:
    """Where errors started: failed spans none of whose children failed, newest first.

    A failed model call also fails the chain and the request around it; listing those
    too would show one failure three times.
    """
    sql = f"""
        WITH failed AS (SELECT * FROM spans WHERE status = 'error' AND start_ns >= ?)
        SELECT {_SPAN_COLUMNS} FROM failed
        WHERE span_id NOT IN (SELECT parent_id FROM failed WHERE parent_id IS NOT NULL)
        ORDER BY start_ns DESC LIMIT ?
    """
    return [_span(row) for row in connection.execute(sql, (since_ns or 0, limit))]


@dataclass(frozen=True)
class Overview:
    """Totals over the traces started since a time, for the report's header."""

    traces: int
    failed: int
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    unpriced: int
    p50_ms: float
    p95_ms: float


def overview(connection: sqlite3.Connection, since_ns: int | None = None) -> Overview:
    sql = f"""
        SELECT MAX(end_ns) - MIN(start_ns), SUM(status = 'error') > 0, {_LLM_TOTALS}
        FROM spans GROUP BY trace_id HAVING MIN(start_ns) >= ?
    """
    rows = connection.execute(sql, (since_ns or 0,)).fetchall()
    durations = sorted(row[0] / 1e6 for row in rows)
    costs = [row[5] for row in rows if row[5] is not None]
    return Overview(
        traces=len(rows),
        failed=sum(row[1] for row in rows),
        calls=sum(row[2] for row in rows),
        input_tokens=sum(row[3] for row in rows),
        output_tokens=sum(row[4] for row in rows),
        cost_usd=sum(costs) if costs else None,
        unpriced=sum(row[6] for row in rows),
        p50_ms=statistics.median(durations) if durations else 0.0,
        # Nearest rank: the smallest duration that 95 % of the traces do not exceed.
        p95_ms=durations[math.ceil(0.95 * len(durations)) - 1] if durations else 0.0,
    )
