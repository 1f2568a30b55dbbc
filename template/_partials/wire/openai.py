"""The OpenAI chat-completions wire format, as a local test server answers it."""

from __future__ import annotations

import json
from typing import Any

PATH = "/v1/chat/completions"
BASE_URL_SUFFIX = "/v1"

#: A model whose LangChain profile says it takes a JSON schema (`structured_output`).
STRUCTURED_MODEL: str | None = "gpt-4o-mini"


def reply(text: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        }
    ).encode()


def stream(words: list[str], *, finish: bool) -> list[bytes]:
    """Server-Sent Events; without `finish` the stream stops mid-answer, as a cut connection."""

    def chunk(delta: dict[str, str], reason: str | None) -> bytes:
        body = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "test-model",
            "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        }
        return f"data: {json.dumps(body)}\n\n".encode()

    events = [chunk({"role": "assistant", "content": word}, None) for word in words]
    if finish:
        events += [chunk({}, "stop"), b"data: [DONE]\n\n"]
    return events


def image_in(body: dict[str, Any]) -> tuple[str | None, str]:
    """(media type, base64) of the image in the request's last message: a data URL in an
    `image_url` part, OpenAI's format."""
    (part,) = [p for p in body["messages"][-1]["content"] if p["type"] == "image_url"]
    header, _, data = part["image_url"]["url"].partition(",")
    return header.removeprefix("data:").removesuffix(";base64"), data


def schema_in(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema the request holds the answer to: `response_format.json_schema`."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") != "json_schema":
        return None
    return response_format["json_schema"]["schema"]
