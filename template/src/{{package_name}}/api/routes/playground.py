"""The playground: a chat page at / and /playground, and a traces page at /traces.

The pages are static files; they ask GET /playground/config which features this app
has (RAG, agent, tracing) and call the app's own API. The traces page reads the local
trace store through `tracing.query`, the same reader as `app traces`. PLAYGROUND=false
leaves all of this out of the app (every route here is then a 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from ...playground import STATIC_DIR
from ...tracing import query
from ..deps import SettingsDep

router = APIRouter(include_in_schema=False)


def add_playground(app: FastAPI) -> None:
    """Mount the pages, their files and their JSON on `app`."""
    app.include_router(router)
    app.mount("/playground/static", StaticFiles(directory=STATIC_DIR), name="playground")


@router.get("/")
@router.get("/playground")
def chat_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html")


@router.get("/traces")
def traces_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "traces.html")


class PlaygroundConfig(BaseModel):
    project: str
    provider: str
    model: str
    rag: bool
    agent: bool
    #: Whether spans go to the local store, so answers can link to their trace.
    tracing: bool
    max_message_chars: int


@router.get("/playground/config")
def config(request: Request, settings: SettingsDep) -> PlaygroundConfig:
    """What the page should show, read from the endpoints this app actually has."""
    paths = request.app.openapi()["paths"]  # built once, then cached by FastAPI
    return PlaygroundConfig(
        project=request.app.title,
        provider=settings.llm_provider,
        model=settings.llm_model,
        rag="/ingest" in paths,
        agent="/agent/stream" in paths,
        tracing="local" in settings.tracing,
        max_message_chars=settings.max_message_chars,
    )


def summary(trace: query.TraceSummary) -> dict[str, Any]:
    return {
        "trace_id": trace.trace_id,
        "name": trace.name,
        "started": query.format_time(trace.start_ns),
        "duration_ms": trace.duration_ms,
        "status": trace.status,
        "span_count": trace.spans,
        "calls": trace.calls,
        "input_tokens": trace.input_tokens,
        "output_tokens": trace.output_tokens,
        "cost_usd": trace.cost_usd,
        "unpriced": trace.unpriced,
    }


def span_tree(span: query.Span, trace_start_ns: int) -> dict[str, Any]:
    return {
        "span_id": span.span_id,
        "name": span.name,
        "kind": span.kind,
        "offset_ms": (span.start_ns - trace_start_ns) / 1e6,
        "duration_ms": span.duration_ms,
        "status": span.status,
        "error": span.error,
        "model": span.model,
        "prompt": span.prompt_name and f"{span.prompt_name} v{span.prompt_version}",
        "input_tokens": span.input_tokens,
        "output_tokens": span.output_tokens,
        "cost_usd": span.cost_usd,
        "attributes": span.attributes,
        "children": [span_tree(child, trace_start_ns) for child in span.children],
    }


@router.get("/playground/traces")
def list_traces(
    settings: SettingsDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> dict[str, Any]:
    """The newest traces; `note` says why there are none."""
    try:
        connection = query.open_store(settings.trace_path)
    except query.TraceQueryError as error:
        return {"traces": [], "note": str(error)}
    try:
        return {"traces": [summary(t) for t in query.recent_traces(connection, limit=limit)]}
    finally:
        connection.close()


@router.get("/playground/traces/{trace_id}")
def get_trace(trace_id: str, settings: SettingsDep, wait: bool = False) -> dict[str, Any]:
    """One trace as a tree; 404 until its first spans are written (they are batched).

    `wait=true` (the chat page, polling for an answer's cost) makes that a 200
    `{"pending": true}`: an expected "not yet", which the browser would log as an error.
    """
    try:
        connection = query.open_store(settings.trace_path)
        try:
            trace = query.trace_summary(connection, query.resolve_trace_id(connection, trace_id))
            roots = query.trace_tree(connection, trace.trace_id)
        finally:
            connection.close()
    except query.TraceQueryError as error:
        if wait:
            return {"pending": True, "detail": str(error)}
        raise HTTPException(404, str(error)) from error
    # Spans are written as they end, the request's own last: until it is in, a root
    # still has a parent that is not stored, and the page waits for the rest.
    complete = all(root.parent_id is None for root in roots)
    tree = [span_tree(root, trace.start_ns) for root in roots]
    return summary(trace) | {"complete": complete, "spans": tree}
