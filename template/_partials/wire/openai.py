"""The OpenAI chat-completions wire format, as a local test server answers it."""

from __future__ import annotations

import json

PATH = "/v1/chat/completions"
BASE_URL_SUFFIX = "/v1"


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
