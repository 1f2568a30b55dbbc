"""POST /chat: one question (with optional history) in, one answer and its usage out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from ... import chat
from ..deps import ChatModelDep, ContextFinderDep, SettingsDep
from ..schemas import ChatMessage, ChatRequest, ChatResponse, UsageInfo

router = APIRouter(tags=["chat"])


def to_langchain(history: list[ChatMessage]) -> list[BaseMessage]:
    return [HumanMessage(m.content) if m.role == "user" else AIMessage(m.content) for m in history]


@router.post("/chat")
async def post_chat(
    request: ChatRequest,
    model: ChatModelDep,
    settings: SettingsDep,
    find_context: ContextFinderDep,
) -> ChatResponse:
    if len(request.message) > settings.max_message_chars:
        raise HTTPException(
            status_code=422,
            detail=f"message is {len(request.message)} characters; the limit is "
            f"{settings.max_message_chars} (MAX_MESSAGE_CHARS)",
        )
    context = await find_context(request.message) if find_context else None
    result = await chat.answer(model, request.message, to_langchain(request.history), context)
    return ChatResponse(
        answer=result.text,
        model=result.model or settings.llm_model,
        usage=UsageInfo(
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            total_tokens=result.usage.total_tokens,
        ),
        conversation_id=request.conversation_id,
        sources=result.sources,
    )
