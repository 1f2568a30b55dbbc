"""How the trace views write a duration, a cost and a time, so `app traces` and the HTML
report (and the playground's `started`) print the same figure the same way.

Times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime


def format_duration(ms: float) -> str:
    """`12.3 ms` below ten seconds, `12.35 s` from there."""
    return f"{ms:,.1f} ms" if ms < 10_000 else f"{ms / 1000:,.2f} s"


def format_cost(usd: float | None, unpriced: int = 0) -> str:
    """`$0.001234`; `?` for an unknown price; `+?` when some calls in a sum were unpriced."""
    if usd is None:
        return "?" if unpriced else "-"
    return f"${usd:,.6f}" + ("+?" if unpriced else "")


def format_time(ns: int) -> str:
    """A Unix time in nanoseconds as `2026-11-21 12:00:00` (UTC)."""
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%d %H:%M:%S")
