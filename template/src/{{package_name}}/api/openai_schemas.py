"""OpenAI's chat-completions wire format, as much of it as /v1/chat/completions serves.

The request keeps unknown fields out of the way rather than refusing them (`extra="ignore"`):
clients built for OpenAI send options this app has no use for (`user`, `seed`, `n`), and a
refusal would break them for nothing. The replies are OpenAI's shapes field for field,
so the OpenAI SDKs, LangChain's `ChatOpenAI` and chat front ends read them unchanged.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..chat import Usage


class TextPart(BaseModel):
    """One part of a message's content given as a list: `{"type": "text", "text": ...}`."""

    type: Literal["text"]
    text: str


class ImageUrl(BaseModel):
    model_config = ConfigDict(extra="ignore")

    #: A `data:image/...;base64,` URL: the app fetches no URLs.
    url: str


class ImagePart(BaseModel):
    """An image part: `{"type": "image_url", "image_url": {"url": "data:..."}}`."""

    type: Literal["image_url"]
    image_url: ImageUrl


class CompletionMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    #: "developer" is what OpenAI's newer models call the system role.
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart | ImagePart] | None = None

    @property
    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content if isinstance(part, TextPart))

    @property
    def image_urls(self) -> list[str]:
        if not isinstance(self.content, list):
            return []
        return [part.image_url.url for part in self.content if isinstance(part, ImagePart)]


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = "response"
    schema_: dict[str, Any] = Field(alias="schema")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    type: Literal["text", "json_object", "json_schema"] = "text"
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="One of GET /v1/models: `chat`, a prompt's name, `agent`.")
    messages: list[CompletionMessage] = Field(min_length=1, max_length=100)
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, gt=0)
    #: The newer name of `max_tokens` (the OpenAI SDK sends either).
    max_completion_tokens: int | None = Field(None, gt=0)
    stream: bool = False
    stream_options: StreamOptions | None = None
    response_format: ResponseFormat | None = None

    @property
    def token_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    @property
    def output_schema(self) -> dict[str, Any] | None:
        """The JSON schema the answer must satisfy; `json_object`: any JSON object."""
        response_format = self.response_format
        if response_format is None or response_format.type == "text":
            return None
        if response_format.type == "json_schema" and response_format.json_schema is not None:
            return response_format.json_schema.schema_
        return {"type": "object"}


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "app"
    #: Not in OpenAI's shape (clients ignore it): what this "model" is in the app.
    description: str = ""


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def of(cls, usage: Usage) -> CompletionUsage:
        return cls(
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            total_tokens=usage.total_tokens,
        )


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: str = "stop"


class Completion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage


class ChunkStarter:
    """Makes the chunks of one streamed completion: one id and time for all of them."""

    def __init__(self, model: str) -> None:
        self.id = completion_id()
        self.created = int(time.time())
        self.model = model

    def chunk(self, delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return self._envelope([choice])

    def usage_chunk(self, usage: Usage) -> dict[str, Any]:
        """The extra last chunk `stream_options.include_usage` asks for: no choices."""
        return {**self._envelope([]), "usage": CompletionUsage.of(usage).model_dump()}

    def _envelope(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion(model: str, text: str, usage: Usage) -> Completion:
    return Completion(
        id=completion_id(),
        created=int(time.time()),
        model=model,
        choices=[Choice(message=AssistantMessage(content=text))],
        usage=CompletionUsage.of(usage),
    )
