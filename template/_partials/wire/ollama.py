"""Ollama's chat wire format (newline-delimited JSON), as a local test server answers it."""

from __future__ import annotations

import json
from typing import Any

PATH = "/api/chat"
BASE_URL_SUFFIX = ""

#: Ollama's models have no LangChain profile: the test gives one to the model it builds.
STRUCTURED_MODEL: str | None = None


def _line(text: str, *, done: bool) -> bytes:
    body: dict[str, object] = {
        "model": "test-model",
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": text},
        "done": done,
    }
    if done:
        body |= {"done_reason": "stop", "prompt_eval_count": 3, "eval_count": 2}
    return json.dumps(body).encode() + b"\n"


def reply(text: str) -> bytes:
    return _line(text, done=True)


def stream(words: list[str], *, finish: bool) -> list[bytes]:
    """One JSON object a line; without `finish` the final `done` line never comes."""
    return [_line(word, done=False) for word in words] + ([_line("", done=True)] if finish else [])


def image_in(body: dict[str, Any]) -> tuple[str | None, str]:
    """(None, base64) of the image in the last message: Ollama's `images` list, which
    carries no media type (the server reads the bytes)."""
    (image,) = body["messages"][-1]["images"]
    return None, image


def schema_in(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema the request holds the answer to: `format` (a schema, not "json")."""
    schema = body.get("format")
    return schema if isinstance(schema, dict) else None
