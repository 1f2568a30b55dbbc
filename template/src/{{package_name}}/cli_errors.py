"""How every command of the app's CLI reports bad input: one line on stderr, exit 1.

A service that is down (the RAG store's PostgreSQL: `unavailable.ServiceUnavailableError`)
is reported the same way, its message saying what to start, never as a traceback. So is
a bad setting in `.env` or the environment, and a key a chosen feature needs (a
reranker's): `main()` turns those into one line, whichever command met them.
"""

from __future__ import annotations

import typer


def fail(message: str) -> typer.Exit:
    """Print `error: <message>` on stderr; the caller raises what this returns, so the
    command stops there (`raise fail(...) from error` keeps the cause for debugging)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def setting_problem(error: Exception) -> str | None:
    """One line for a bad setting (a `Settings` validation error: each variable and what
    is wrong with it) or a missing key; None for anything else, which stays a traceback.
    Imports pydantic only when there is an error to word."""
    from pydantic import ValidationError

    from .models import MissingApiKeyError

    if isinstance(error, MissingApiKeyError):
        return str(error)
    if not isinstance(error, ValidationError) or error.title != "Settings":
        return None
    problems = []
    for detail in error.errors():
        variable = "_".join(str(part) for part in detail["loc"]).upper()
        message = detail["msg"].removeprefix("Value error, ")
        problems.append(f"{variable}: {message}" if variable else message)
    return "bad setting: " + "; ".join(problems) + " (from .env or the environment)"
