"""The Gemini API's generateContent wire format, as a local test server answers it."""

from __future__ import annotations

import json
from typing import Any

PATH = ":generateContent"
BASE_URL_SUFFIX = ""

#: A model whose LangChain profile says it takes a JSON schema (`structured_output`).
STRUCTURED_MODEL: str | None = "gemini-2.5-flash-lite"


def _chunk(text: str, finish: str | None) -> dict[str, object]:
    candidate: dict[str, object] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    }
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5},
        "modelVersion": "test-model",
    }


def reply(text: str) -> bytes:
    return json.dumps(_chunk(text, "STOP")).encode()


def stream(words: list[str], *, finish: bool) -> list[bytes]:
    """Server-Sent Events; without `finish` no chunk carries a finish reason."""
    events = [_chunk(word, None) for word in words]
    if finish:
        events.append(_chunk("", "STOP"))
    return [f"data: {json.dumps(event)}\n\n".encode() for event in events]


def image_in(body: dict[str, Any]) -> tuple[str | None, str]:
    """(media type, base64) of the image in the last turn: an `inlineData` part."""
    parts = body["contents"][-1]["parts"]
    (inline,) = [p.get("inlineData") or p["inline_data"] for p in parts if "data" in str(p)]
    return inline.get("mimeType") or inline.get("mime_type"), inline["data"]


def schema_in(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema the request holds the answer to: `generationConfig`'s
    `responseJsonSchema`, with a JSON `responseMimeType`."""
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") != "application/json":
        return None
    return config.get("responseJsonSchema")
