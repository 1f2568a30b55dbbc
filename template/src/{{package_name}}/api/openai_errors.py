"""Errors under /v1/ in OpenAI's shape: `{"error": {"message", "type", "code"}}`.

The app answers an error in one place each (the key check and the rate limit in
api/middleware.py, budgets in tracing/, model errors in api/errors.py, validation in
FastAPI), all as `{"detail": ...}` with the status /chat uses. Rather than teach each of
them a second shape, this middleware rewrites the body of an error answer under /v1/,
and only there, keeping its status and headers (`Retry-After`): the OpenAI SDKs then
raise their own typed errors (`AuthenticationError`, `RateLimitError`, ...).
"""

from __future__ import annotations

import json
from typing import Any

from .middleware import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/v1/"

#: status -> (OpenAI's error type, code); other 4xx are invalid requests, 5xx api errors.
KINDS: dict[int, tuple[str, str]] = {
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    413: ("invalid_request_error", "context_length_exceeded"),
    415: ("invalid_request_error", "unsupported_media_type"),
    422: ("invalid_request_error", "invalid_request"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    502: ("api_error", "model_error"),
    503: ("api_error", "service_unavailable"),
    504: ("api_error", "timeout"),
}


def openai_error(status: int, message: str) -> dict[str, Any]:
    other = ("invalid_request_error", "invalid_request") if status < 500 else ("api_error", "error")
    kind, code = KINDS.get(status, other)
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}


def message_of(detail: Any) -> str:
    """`detail` as one sentence: FastAPI's validation errors are a list of problems."""
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in problem.get('loc', ()))}: {problem.get('msg', '')}"
            for problem in detail
            if isinstance(problem, dict)
        )
    return str(detail)


class OpenAIErrorMiddleware:
    """Rewrites `{"detail": ...}` error bodies under /v1/ into OpenAI's error shape."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            return await self.app(scope, receive, send)
        start: Message | None = None
        body = b""

        async def send_reshaped(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start" and message["status"] >= 400:
                start = message  # held until the body is complete
                return
            if start is None:
                return await send(message)
            body += message.get("body", b"")
            if message.get("more_body", False):
                return
            reshaped = reshape(start["status"], body)
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(reshaped)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": reshaped})

        await self.app(scope, receive, send_reshaped)


def reshape(status: int, body: bytes) -> bytes:
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = body.decode("utf-8", "replace")
    if isinstance(parsed, dict) and "error" in parsed:
        return body  # already OpenAI's shape
    detail = parsed.get("detail", parsed) if isinstance(parsed, dict) else parsed
    return json.dumps(openai_error(status, message_of(detail))).encode()
