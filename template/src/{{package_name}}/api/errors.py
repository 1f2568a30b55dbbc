"""A failed model call as an HTTP answer a client can act on, not a bare 500.

LangChain raises one family of exceptions for every provider (`ModelError`; each is also
the provider SDK's own type), so one table maps them all. Trouble at the provider is a
gateway's answer (502, 503, 504: the fault is upstream, retrying may help); a request the
model cannot take is the client's (413, 422). The body names the error, as the stream's
`error` event and the playground do. A model that answered in the wrong shape (not JSON
valid against the prompt's schema, no `Final Answer:`) is a 502 that says so.

A service the app needs that is down (the RAG store's PostgreSQL not running) is a 503
too, with the same JSON body naming the cause: the app itself is fine and answers again,
without a restart, once the service is back.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelError,
    ModelRateLimitError,
    ModelRefusalError,
    ModelTimeoutError,
)

from ..models import model_failure
from ..prompting import StructuredOutputError
from ..unavailable import ServiceUnavailableError

#: First match wins; any other model error is a 502.
STATUS_BY_ERROR: tuple[tuple[type[ModelError], int], ...] = (
    (ModelRateLimitError, 503),  # the provider's limit, not this client's: not a 429
    (ModelTimeoutError, 504),
    (ContextOverflowError, 413),
    (ModelRefusalError, 422),
)


def status_for(error: ModelError) -> int:
    return next((status for kind, status in STATUS_BY_ERROR if isinstance(error, kind)), 502)


async def model_error_response(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ModelError)  # registered for ModelError only
    headers = {}
    # The provider's own wait, when its SDK error carries the HTTP response.
    retry_after = getattr(getattr(error, "response", None), "headers", {}).get("retry-after")
    if isinstance(error, ModelRateLimitError) and retry_after:
        headers["Retry-After"] = retry_after
    return JSONResponse(
        {"detail": model_failure(error)}, status_code=status_for(error), headers=headers
    )


async def structured_output_response(request: Request, error: Exception) -> JSONResponse:
    """The model answered, but not in the shape its prompt declares (JSON valid against
    the schema, or a `Final Answer:` part): the upstream's answer was unusable, a 502,
    saying so, so no client mistakes it for a model that cannot be reached."""
    return JSONResponse({"detail": output_failure(error)}, status_code=502)


def output_failure(error: Exception) -> str:
    return f"the model answered, but not in the prompt's output format: {error}"


def install_model_errors(app: FastAPI) -> None:
    app.add_exception_handler(ModelError, model_error_response)
    app.add_exception_handler(StructuredOutputError, structured_output_response)


async def service_unavailable_response(request: Request, error: Exception) -> JSONResponse:
    """503 naming what is down; `Retry-After` as a hint: a database starts in seconds."""
    assert isinstance(error, ServiceUnavailableError)  # registered for it only
    return JSONResponse({"detail": str(error)}, status_code=503, headers={"Retry-After": "5"})


def install_service_errors(app: FastAPI) -> None:
    app.add_exception_handler(ServiceUnavailableError, service_unavailable_response)
