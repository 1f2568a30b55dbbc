"""The chat chain: messages in, one answer out, with the usage that answer cost.

A chain, not an agent: one model call, no tools, no loop. The API and the CLI both call
`answer`, so they behave the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

SYSTEM_PROMPT = "You are a helpful assistant. Answer briefly and plainly; say when you do not know."
CONTEXT_PROMPT = (
    "Answer from the numbered passages below. Cite the passages you use as [n]. "
    "If they do not contain the answer, say so.\n\n"
)


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
class Context:
    """Passages retrieved for a question (RAG), and the sources they came from."""

    text: str
    sources: list[str] = field(default_factory=list)


#: Finds context for a question; the seam where RAG plugs into the chain.
ContextFinder = Callable[[str], Awaitable[Context]]


@dataclass(frozen=True)
class ChatAnswer:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    sources: list[str] = field(default_factory=list)


def build_messages(
    question: str, history: list[BaseMessage] | None = None, context: Context | None = None
) -> list[BaseMessage]:
    grounding = [SystemMessage(CONTEXT_PROMPT + context.text)] if context and context.text else []
    return [SystemMessage(SYSTEM_PROMPT), *grounding, *(history or []), HumanMessage(question)]


async def answer(
    model: BaseChatModel,
    question: str,
    history: list[BaseMessage] | None = None,
    context: Context | None = None,
) -> ChatAnswer:
    reply = await model.ainvoke(build_messages(question, history, context))
    return ChatAnswer(
        text=reply.text,
        model=str(reply.response_metadata.get("model_name", "")),
        usage=Usage.of(reply),
        sources=context.sources if context else [],
    )
