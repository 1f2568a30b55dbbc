"""The chat chain: messages in, one answer out, with the usage that answer cost.

A chain, not an agent: one model call, no tools, no loop. The API and the CLI both call
`answer`, so they behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

SYSTEM_PROMPT = "You are a helpful assistant. Answer briefly and plainly; say when you do not know."


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @classmethod
    def of(cls, message: AIMessage) -> Usage:
        usage = message.usage_metadata or {}
        return cls(usage.get("input_tokens", 0), usage.get("output_tokens", 0))


@dataclass(frozen=True)
class ChatAnswer:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)


def build_messages(question: str, history: list[BaseMessage] | None = None) -> list[BaseMessage]:
    return [SystemMessage(SYSTEM_PROMPT), *(history or []), HumanMessage(question)]


async def answer(
    model: BaseChatModel, question: str, history: list[BaseMessage] | None = None
) -> ChatAnswer:
    reply = await model.ainvoke(build_messages(question, history))
    return ChatAnswer(
        text=reply.text,
        model=str(reply.response_metadata.get("model_name", "")),
        usage=Usage.of(reply),
    )
