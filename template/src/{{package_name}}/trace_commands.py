"""`app traces list | show ID | cost | html`: read the local trace store from the terminal.

The store is the SQLite file the app writes when `TRACING=local`. These commands only
read it (opened read-only), so they are safe to run while the app is serving. They ask
`tracing/query.py` (the one reader, shared with the HTML report and the playground) and
lay out its answers as text. Times are UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_errors import fail
from .wording import plural

if TYPE_CHECKING:
    import sqlite3

traces_app = typer.Typer(
    help="Look at recorded traces: list, show one as a tree, cost, an HTML report.",
    no_args_is_help=True,
)

SinceOption = Annotated[
    str | None,
    typer.Option(help="Only traces started since: 30m, 2h, 7d, 1w, or an ISO date (UTC)."),
]


class CostBy(enum.StrEnum):
    model = "model"
    prompt = "prompt"
    day = "day"


def store_path() -> Path:
    """Where the app writes its traces (the `trace_path` setting)."""
    from .settings import get_settings

    return get_settings().trace_path


def _since_ns(since: str | None) -> int | None:
    from .tracing.query import TraceQueryError, parse_since

    try:
        return None if since is None else parse_since(since)
    except TraceQueryError as error:
        raise fail(str(error)) from error


@contextmanager
def _store() -> Iterator[sqlite3.Connection]:
    """The open store; a missing store or a bad id becomes one line and exit code 1."""
    from .tracing.query import TraceQueryError, reading

    try:
        with reading(store_path()) as connection:
            yield connection
    except TraceQueryError as error:
        raise fail(str(error)) from error


def _tokens(input_tokens: int | None, output_tokens: int | None) -> str:
    if input_tokens is None and output_tokens is None:
        return "-"
    return f"{input_tokens or 0}/{output_tokens or 0}"


@traces_app.command("list")
def list_traces(
    since: SinceOption = None,
    errors: Annotated[bool, typer.Option("--errors", help="Only traces with a failure.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 20,
) -> None:
    """The newest traces first: when, how long, status, spans, tokens in/out, cost, name."""
    from .tracing.formatting import format_cost, format_duration, format_time
    from .tracing.query import recent_traces

    since_ns = _since_ns(since)
    with _store() as store:
        traces = recent_traces(store, since_ns=since_ns, errors_only=errors, limit=limit)
    if not traces:
        typer.echo("no traces match")
        return
    typer.echo(
        f"{'trace':<12}  {'started (UTC)':<19}  {'duration':>11}  {'status':<6}  "
        f"{'spans':>5}  {'tokens in/out':>13}  {'cost':>11}  name"
    )
    for trace in traces:
        typer.echo(
            f"{trace.trace_id[:12]:<12}  {format_time(trace.start_ns)}  "
            f"{format_duration(trace.duration_ms):>11}  {trace.status:<6}  {trace.spans:>5}  "
            f"{_tokens(trace.input_tokens, trace.output_tokens) if trace.calls else '-':>13}  "
            f"{format_cost(trace.cost_usd, trace.unpriced):>11}  {trace.name}"
        )


@traces_app.command()
def show(
    trace_id: Annotated[str, typer.Argument(help="The trace id, or its first few digits.")],
    attributes: Annotated[
        bool, typer.Option("--attributes", help="Also print each span's attributes.")
    ] = False,
) -> None:
    """One trace as a tree: each span's start (from the trace's start) and duration."""
    from .tracing.formatting import format_cost, format_duration, format_time
    from .tracing.query import find_trace

    with _store() as store:
        trace = find_trace(store, trace_id)
    summary = trace.summary
    typer.echo(f"trace {summary.trace_id}  {summary.name}")
    tokens = _tokens(summary.input_tokens, summary.output_tokens) if summary.calls else "-"
    typer.echo(
        f"started {format_time(summary.start_ns)} UTC  {format_duration(summary.duration_ms)}  "
        f"{summary.status}  {plural(summary.spans, 'span')}  tokens {tokens}  "
        f"cost {format_cost(summary.cost_usd, summary.unpriced)}"
    )
    typer.echo("")
    typer.echo(f"{'start':>11}  {'duration':>11}  span")
    for depth, span, offset in trace.rows():
        details = [span.kind]
        if span.status != "ok":
            details.append(span.status.upper())
        if span.model:
            details.append(span.model)
        if span.prompt_name:
            details.append(f"prompt {span.prompt_name} v{span.prompt_version or '?'}")
        if span.kind == "llm":
            details.append(f"tokens {_tokens(span.input_tokens, span.output_tokens)}")
            details.append(format_cost(span.cost_usd, span.unpriced))
        indent = "  " * depth
        typer.echo(
            f"{'+' + format_duration(offset):>11}  {format_duration(span.duration_ms):>11}  "
            f"{indent}{span.name}  [{', '.join(details)}]"
        )
        pad = " " * 26 + indent + "    "
        if span.error:
            typer.echo(f"{pad}! {span.error}")
        if attributes:
            for key, value in sorted(span.attributes.items()):
                typer.echo(f"{pad}{key} = {value}")


@traces_app.command()
def cost(
    by: Annotated[CostBy, typer.Option(help="Group model calls by model, prompt or day.")] = (
        CostBy.model
    ),
    since: SinceOption = None,
) -> None:
    """Model calls, tokens and cost in USD per model, prompt or UTC day, with the total."""
    from .tracing.formatting import format_cost
    from .tracing.query import cost_by, cost_total

    since_ns = _since_ns(since)
    with _store() as store:
        rows = cost_by(store, by.value, since_ns=since_ns)
    if not rows:
        typer.echo("no model calls match")
        return
    total = cost_total(rows)
    width = max(len(by.value), *(len(row.key) for row in rows))
    typer.echo(
        f"{by.value:<{width}}  {'calls':>6}  {'input tokens':>12}  {'output tokens':>13}  "
        f"{'cost':>12}"
    )
    for row in [*rows, total]:
        typer.echo(
            f"{row.key:<{width}}  {row.calls:>6}  {row.input_tokens:>12}  {row.output_tokens:>13}"
            f"  {format_cost(row.cost_usd, row.unpriced):>12}"
        )
    if total.unpriced:
        calls = plural(total.unpriced, "call")
        typer.echo(f"?: {calls} to a model with no known price (set LLM_PRICES)")


@traces_app.command()
def html(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many traces in it.")] = 200,
) -> None:
    """One static HTML file: totals, the slowest, costliest and failed calls, every trace."""
    from .tracing.report import render_report

    since_ns = _since_ns(since)
    with _store() as store:
        page = render_report(store, since_ns=since_ns, limit=limit)
    if output is None:
        typer.echo(page, nl=False)
        return
    output.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)
