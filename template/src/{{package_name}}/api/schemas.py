"""Request and response bodies, named by role; validation errors become 422s."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from ..chat import ChatAnswer, Passage, Usage


class ChatMessage(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str


#: Images sent with a message (POST /chat, /agent and their streams), decoded and checked
#: by api/image_input.py.
EncodedImages = Annotated[
    list[str],
    Field(
        description="Images for the model to look at: base64, or `data:image/png;base64,...` "
        "URLs (PNG, JPEG, WebP, GIF; checked by their bytes).",
    ),
]


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, description="The user's question.")
    history: list[ChatMessage] = Field(default_factory=list, max_length=50)
    conversation_id: str | None = Field(None, max_length=200)
    images: EncodedImages = []


class PromptInfo(BaseModel):
    """Which prompt file answered, so a reply can be traced to the exact prompt text."""

    prompt_name: str
    prompt_version: str
    prompt_hash: str
    prompt_variant: str


class ChatResponse(BaseModel):
    """The /chat body (and /chat/stream's `final` event): `chat.ChatAnswer`, as JSON."""

    answer: str
    model: str
    usage: Usage
    prompt: PromptInfo
    conversation_id: str | None = None
    #: Paths of the documents the answer was grounded in (RAG apps; empty otherwise).
    sources: list[str] = Field(default_factory=list)
    #: The passages themselves, numbered as in the prompt (`[number]`), as the model was
    #: given them (RAG apps; empty otherwise).
    passages: list[Passage] = Field(default_factory=list)

    @classmethod
    def of(
        cls, answer: ChatAnswer, conversation_id: str | None, default_model: str
    ) -> ChatResponse:
        """The one place an answer becomes a response: the same usage and passages, the
        text as `answer`, the request's conversation id, and the model asked for when the
        provider did not name the one that answered."""
        return cls(
            answer=answer.text,
            model=answer.model or default_model,
            usage=answer.usage,
            prompt=PromptInfo(**answer.prompt),
            conversation_id=conversation_id,
            sources=answer.sources,
            passages=answer.passages,
        )


class HealthResponse(BaseModel):
    status: str
    provider: str
    model: str
