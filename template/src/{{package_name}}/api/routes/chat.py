"""POST /chat and POST /chat/stream: a question (and history) in, an answer out.

The stream sends Server-Sent Events: `token` events as the model writes, then one
`final` event with the whole answer (the /chat body: usage, prompt, sources and the
passages it was grounded in), or one `error` event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse, ServerSentEvent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from ... import chat
from ...images import Image
from ..deps import (
    BudgetChecked,
    ContextFinderDep,
    PromptModelsDep,
    PromptsDep,
    SettingsDep,
    check_message_length,
)
from ..image_input import checked_images
from ..schemas import ChatMessage, ChatRequest, ChatResponse

router = APIRouter(tags=["chat"])


def to_langchain(history: list[ChatMessage]) -> list[BaseMessage]:
    return [HumanMessage(m.content) if m.role == "user" else AIMessage(m.content) for m in history]


async def checked(request: ChatRequest, settings: SettingsDep) -> ChatRequest:
    check_message_length(request.message, settings)
    for number, turn in enumerate(request.history, 1):  # all of it goes to the model too
        check_message_length(turn.content, settings, f"history message {number}")
    return request


async def request_images(
    request: ChatRequest, settings: SettingsDep, models: PromptModelsDep
) -> list[Image]:
    """The request's images, checked before the answer starts (a stream cannot turn into
    a 413 once its first event is out)."""
    return checked_images(request.images, settings, models["chat"])


CheckedRequest = Annotated[ChatRequest, Depends(checked)]
Images = Annotated[list[Image], Depends(request_images)]


@router.post("/chat", dependencies=[BudgetChecked])
async def post_chat(
    request: CheckedRequest,
    images: Images,
    models: PromptModelsDep,
    settings: SettingsDep,
    prompts: PromptsDep,
    find_context: ContextFinderDep,
) -> ChatResponse:
    context = await find_context(request.message) if find_context else None
    history = to_langchain(request.history)
    result = await chat.answer(
        models["chat"], prompts.get("chat"), request.message, history, context, images=images
    )
    return ChatResponse.of(result, request.conversation_id, settings.llm_model)


@router.post("/chat/stream", response_class=EventSourceResponse, dependencies=[BudgetChecked])
async def post_chat_stream(
    request: CheckedRequest,
    images: Images,
    models: PromptModelsDep,
    settings: SettingsDep,
    prompts: PromptsDep,
    find_context: ContextFinderDep,
) -> AsyncIterator[ServerSentEvent]:
    try:
        context = await find_context(request.message) if find_context else None
        history = to_langchain(request.history)
        prompt = prompts.get("chat")
        stream = chat.StreamedAnswer(
            models["chat"], prompt, request.message, history, context, images=images
        )
        async for text in stream:
            yield ServerSentEvent(event="token", data={"text": text})
        assert stream.result is not None
        final = ChatResponse.of(stream.result, request.conversation_id, settings.llm_model)
        yield ServerSentEvent(event="final", data=final.model_dump())
    except Exception as error:  # the response has started: the failure becomes an event
        yield ServerSentEvent(event="error", data={"message": f"{type(error).__name__}: {error}"})
