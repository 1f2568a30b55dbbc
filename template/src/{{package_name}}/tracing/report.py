"""`app traces html`: the trace store as one static HTML page, readable with no server.

Totals, the slowest, costliest and failed calls, then each trace as a collapsible tree
with a timing bar per span. What it shows comes from `query.py` (as for `app traces` and
the playground); this module only lays it out. CSS is inline and nothing is fetched, so
the file can be mailed or attached to a ticket. Every value from the store is
HTML-escaped (span names and error messages can hold anything a user typed).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .formatting import format_cost, format_duration, format_time
from .query import (
    SpanRow,
    Trace,
    costliest_calls,
    failed_calls,
    overview,
    recent_trace_trees,
    slowest_calls,
)

TEMPLATE = "report.html.j2"


@dataclass(frozen=True)
class Bar:
    """A span's bar on its trace's time line, in percent of the trace's duration."""

    row: SpanRow
    left: float
    width: float


def time_line(trace: Trace) -> list[Bar]:
    """Each span of the trace (tree order) with its bar; a bar is at least 0.3 % wide."""
    start, total = trace.summary.start_ns, max(trace.summary.end_ns - trace.summary.start_ns, 1)
    bars = []
    for row in trace.rows():
        left = 100 * (row.span.start_ns - start) / total
        width = max(100 * (row.span.end_ns - row.span.start_ns) / total, 0.3)
        bars.append(Bar(row, round(left, 2), round(min(width, 100 - left), 2)))
    return bars


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
    traces = recent_trace_trees(connection, since_ns=since_ns, limit=limit)
    page = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            generated=format_time(time.time_ns()),
            since=format_time(since_ns) if since_ns is not None else None,
            totals=totals,
            shown=len(traces),
            slowest=slowest_calls(connection, since_ns=since_ns),
            costliest=costliest_calls(connection, since_ns=since_ns),
            failed=failed_calls(connection, since_ns=since_ns),
            traces=[(trace.summary, time_line(trace)) for trace in traces],
        )
    )
    # Pure ASCII (other characters as &#...;), so any console or file encoding keeps it.
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")
