"""How every command of the app's CLI reports bad input: one line on stderr, exit 1.

A service that is down (the RAG store's PostgreSQL: `unavailable.ServiceUnavailableError`)
is reported the same way, its message saying what to start, never as a traceback.
"""

from __future__ import annotations

import typer


def fail(message: str) -> typer.Exit:
    """Print `error: <message>` on stderr; the caller raises what this returns, so the
    command stops there (`raise fail(...) from error` keeps the cause for debugging)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)
