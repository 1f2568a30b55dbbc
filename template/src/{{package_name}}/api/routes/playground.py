"""The playground: a chat page at / and /playground, and a traces page at /traces.

The pages are static files; they ask GET /playground/config which features this app
has (RAG, agent, tracing) and call the app's own API. The traces page reads the local
trace store through `tracing/query.py`, the same reader as `app traces` and its HTML
report; here its answers only become JSON. PLAYGROUND=false leaves all of this out of
the app (every route here is then a 404).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from ...playground import STATIC_DIR
from ...tracing import query
from ...tracing.formatting import format_time
from ..deps import SettingsDep, StateDep
from ..state import AppState

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
    #: Chunks in the RAG store; None without RAG or when the store does not answer.
    indexed_chunks: int | None = None


async def indexed_chunks(state: AppState) -> int | None:
    """How many chunks the RAG store holds: the page leaves out the example questions
    that need documents while there are none. A store that fails is None, not an error:
    the page still starts, and /health/ready says what is wrong."""
    retriever = getattr(state, "retriever", None)  # only RAG apps have one
    if retriever is None:
        return None
    try:
        return await asyncio.to_thread(retriever.store.count)
    except Exception:
        return None


@router.get("/playground/config")
async def config(request: Request, settings: SettingsDep, state: StateDep) -> PlaygroundConfig:
    """What the page should show, read from the endpoints this app actually has."""
    paths = request.app.openapi()["paths"]  # built once, then cached by FastAPI
    return PlaygroundConfig(
        indexed_chunks=await indexed_chunks(state),
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
        "started": format_time(trace.start_ns),
        "duration_ms": trace.duration_ms,
        "status": trace.status,
        "span_count": trace.spans,
        "calls": trace.calls,
        "input_tokens": trace.input_tokens,
        "output_tokens": trace.output_tokens,
        "cost_usd": trace.cost_usd,
        "unpriced": trace.unpriced,
    }


def span_tree(span: query.Span, trace: query.Trace) -> dict[str, Any]:
    return {
        "span_id": span.span_id,
        "name": span.name,
        "kind": span.kind,
        "offset_ms": trace.offset_ms(span),
        "duration_ms": span.duration_ms,
        "status": span.status,
        "error": span.error,
        "model": span.model,
        "prompt": span.prompt_name and f"{span.prompt_name} v{span.prompt_version}",
        "input_tokens": span.input_tokens,
        "output_tokens": span.output_tokens,
        "cost_usd": span.cost_usd,
        "attributes": span.attributes,
        "children": [span_tree(child, trace) for child in span.children],
    }


@router.get("/playground/traces")
def list_traces(
    settings: SettingsDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> dict[str, Any]:
    """The newest traces; `note` says why there are none."""
    try:
        with query.reading(settings.trace_path) as connection:
            traces = query.recent_traces(connection, limit=limit)
    except query.TraceQueryError as error:
        return {"traces": [], "note": str(error)}
    return {"traces": [summary(trace) for trace in traces]}


@router.get("/playground/traces/{trace_id}")
def get_trace(trace_id: str, settings: SettingsDep, wait: bool = False) -> dict[str, Any]:
    """One trace as a tree; 404 until its first spans are written (they are batched).

    `wait=true` (the chat page, polling for an answer's cost) makes that a 200
    `{"pending": true}`: an expected "not yet", which the browser would log as an error.
    Until the request's own span is written the trace is not `complete`, and the page
    waits for the rest.
    """
    try:
        with query.reading(settings.trace_path) as connection:
            trace = query.find_trace(connection, trace_id)
    except query.TraceQueryError as error:
        if wait:
            return {"pending": True, "detail": str(error)}
        raise HTTPException(404, str(error)) from error
    tree = [span_tree(root, trace) for root in trace.roots]
    return summary(trace.summary) | {"complete": trace.complete, "spans": tree}
