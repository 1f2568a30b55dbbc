"""The Anthropic messages wire format, as a local test server answers it."""

from __future__ import annotations

import json
from typing import Any

PATH = "/v1/messages"
BASE_URL_SUFFIX = ""

#: A model whose LangChain profile says it takes a JSON schema (`structured_output`).
STRUCTURED_MODEL: str | None = "claude-haiku-4-5"


def reply(text: str) -> bytes:
    return json.dumps(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "test-model",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 3, "output_tokens": 2},
        }
    ).encode()


def _event(kind: str, body: dict[str, object]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **body})}\n\n".encode()


def stream(words: list[str], *, finish: bool) -> list[bytes]:
    """Server-Sent Events; without `finish` the stream stops mid-answer, as a cut connection."""
    start = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "test-model",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 0},
    }
    events = [
        _event("message_start", {"message": start}),
        _event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
    ]
    events += [
        _event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": w}})
        for w in words
    ]
    if finish:
        events += [
            _event("content_block_stop", {"index": 0}),
            _event(
                "message_delta",
                {
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 2},
                },
            ),
            _event("message_stop", {}),
        ]
    return events


def image_in(body: dict[str, Any]) -> tuple[str | None, str]:
    """(media type, base64) of the image in the last message: a base64 `image` source."""
    (part,) = [p for p in body["messages"][-1]["content"] if p["type"] == "image"]
    return part["source"]["media_type"], part["source"]["data"]


def schema_in(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema the request holds the answer to: `output_config.format` (Claude's
    structured outputs), not a tool to call."""
    output_format = (body.get("output_config") or {}).get("format") or {}
    if output_format.get("type") != "json_schema":
        return None
    return output_format["schema"]
