"""Request and response bodies, named by role; validation errors become 422s."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ChatMessage(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, description="The user's question.")
    history: list[ChatMessage] = Field(default_factory=list, max_length=50)
    conversation_id: str | None = Field(None, max_length=200)


class UsageInfo(BaseModel):
    input_tokens: int
    output_tokens: int
    total_tokens: int


class PromptInfo(BaseModel):
    """Which prompt file answered, so a reply can be traced to the exact prompt text."""

    prompt_name: str
    prompt_version: str
    prompt_hash: str
    prompt_variant: str


class PassageInfo(BaseModel):
    """A passage the answer was grounded in, numbered as in the prompt (`[number]`)."""

    number: int
    source: str
    text: str


class ChatResponse(BaseModel):
    answer: str
    model: str
    usage: UsageInfo
    prompt: PromptInfo
    conversation_id: str | None = None
    #: Paths of the documents the answer was grounded in (RAG apps; empty otherwise).
    sources: list[str] = Field(default_factory=list)
    #: The passages themselves, as the model was given them (RAG apps; empty otherwise).
    passages: list[PassageInfo] = Field(default_factory=list)


class HealthResponse(BaseModel):
    status: str
    provider: str
    model: str
