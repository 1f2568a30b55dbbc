"""`app traces html`: the trace store as one static HTML page, readable with no server.

Totals, the slowest, costliest and failed calls, then each trace as a collapsible tree
with a timing bar per span. CSS is inline and nothing is fetched, so the file can be
mailed or attached to a ticket. Every value from the store is HTML-escaped (span names
and error messages can hold anything a user typed).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .query import (
    Span,
    TraceSummary,
    costliest_calls,
    failed_calls,
    format_cost,
    format_duration,
    format_time,
    overview,
    recent_traces,
    slowest_calls,
    trace_tree,
    walk,
)

TEMPLATE = "report.html.j2"


@dataclass(frozen=True)
class Row:
    """One span of a trace's tree, placed on the trace's time line (in percent)."""

    depth: int
    span: Span
    offset_ms: float
    left: float
    width: float


@dataclass(frozen=True)
class TraceView:
    summary: TraceSummary
    rows: list[Row]


def _rows(summary: TraceSummary, roots: list[Span]) -> list[Row]:
    total = max(summary.end_ns - summary.start_ns, 1)
    rows = []
    for depth, span in walk(roots):
        left = 100 * (span.start_ns - summary.start_ns) / total
        width = max(100 * (span.end_ns - span.start_ns) / total, 0.3)
        offset_ms = (span.start_ns - summary.start_ns) / 1e6
        rows.append(Row(depth, span, offset_ms, round(left, 2), round(min(width, 100 - left), 2)))
    return rows


def _environment() -> Environment:
    # autoescape=True, not select_autoescape(): that one keys on the file name and would
    # leave a `.j2` template unescaped.
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(duration=format_duration, cost=format_cost, time=format_time)
    return environment


def render_report(
    connection: sqlite3.Connection, *, since_ns: int | None = None, limit: int = 200
) -> str:
    """The report's HTML; `limit` caps the traces drawn as trees, not the totals."""
    totals = overview(connection, since_ns)
    traces = recent_traces(connection, since_ns=since_ns, limit=limit)
    views = [TraceView(t, _rows(t, trace_tree(connection, t.trace_id))) for t in traces]
    page = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            generated=format_time(time.time_ns()),
            since=format_time(since_ns) if since_ns is not None else None,
            totals=totals,
            shown=len(views),
            slowest=slowest_calls(connection, since_ns=since_ns),
            costliest=costliest_calls(connection, since_ns=since_ns),
            failed=failed_calls(connection, since_ns=since_ns),
            traces=views,
        )
    )
    # Pure ASCII (other characters as &#...;), so any console or file encoding keeps it.
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")
