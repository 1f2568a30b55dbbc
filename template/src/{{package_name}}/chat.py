"""The chat chain: the chat prompt in, one answer out, with what that answer cost.

A chain, not an agent: one model call, no tools, no loop. The API and the CLI both call
`answer` (or `stream_answer`), so they behave the same. The words sent to the model
are in `prompts/chat.prompt.md`, not here.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pydantic.dataclasses
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from opentelemetry import trace
from pydantic import computed_field

from .images import Image, with_images
from .prompting import Prompt, call_config
from .tracing.attributes import FINISH_REASON_KEYS, TIME_TO_FIRST_TOKEN_MS


class TruncatedStreamError(RuntimeError):
    """A streamed answer ended without a finish reason: it is incomplete, not an answer."""


# `Usage` and `Passage` are pydantic dataclasses: frozen dataclasses to the code, and the
# API returns them as they are (api/schemas.py), with no mirror class to copy them into.


@pydantic.dataclasses.dataclass(frozen=True)
class Usage:
    """Tokens a model call (or a run of them) used; `total_tokens` is in the JSON too."""

    input_tokens: int = 0
    output_tokens: int = 0

    @computed_field
    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @classmethod
    def of(cls, message: AIMessage) -> Usage:
        usage = message.usage_metadata or {}
        return cls(usage.get("input_tokens", 0), usage.get("output_tokens", 0))


@pydantic.dataclasses.dataclass(frozen=True)
class Passage:
    """One retrieved passage as the prompt showed it: `[number] (source) text`.

    Passages from the same source share its number, so a citation `[2]` in the answer
    names a source; the answer carries them so a reader sees the words it was given.
    """

    number: int
    source: str
    text: str


@dataclass(frozen=True)
class Context:
    """Passages retrieved for a question (RAG): the prompt's text, and the same as data."""

    text: str
    sources: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)


#: A citation in an answer: `[2]`, or several numbers in one bracket, `[1, 3]`.
CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_numbers(answer: str) -> set[int]:
    return {int(n) for group in CITATION.findall(answer) for n in group.split(",")}


def cited_context(context: Context, answer: str) -> Context:
    """Only the passages `answer` cites as `[n]`: the ones that grounded it.

    Retrieval always returns its top k, relevant or not ("hello" gets four passages), and
    a score cannot tell them apart: hybrid search ranks by reciprocal rank, which has no
    absolute scale, and a similarity floor would differ per embedding model. The model
    read the passages and was asked to cite what it used, so its citations are the
    rule; an answer that cites nothing shows no sources.
    """
    numbers = cited_numbers(answer)
    passages = [passage for passage in context.passages if passage.number in numbers]
    sources = list(dict.fromkeys(passage.source for passage in passages))
    return Context(context.text, sources, passages)


#: Finds context for a question; the seam where RAG plugs into the chain.
ContextFinder = Callable[[str], Awaitable[Context]]


@dataclass(frozen=True)
class ChatAnswer:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    #: The paths of the passages the answer cites (see `cited_context`).
    sources: list[str] = field(default_factory=list)
    #: The passages the answer cites, as the prompt showed them: its order and numbering.
    passages: list[Passage] = field(default_factory=list)
    #: The prompt's name, version, hash and variant, as sent with the model call.
    prompt: dict[str, str] = field(default_factory=dict)


def prompt_variables(question: str, context: Context | None) -> dict[str, Any]:
    return {"question": question, "context": context.text if context else None}


def chat_messages(
    prompt: Prompt,
    question: str,
    history: list[BaseMessage] | None,
    context: Context | None,
    instructions: str | None = None,
    images: list[Image] | None = None,
) -> list[BaseMessage]:
    """The prompt's messages, the user's images with the user's turn (the last message);
    a client's own `instructions` (the system messages sent to /v1/chat/completions) join
    the prompt's system message, so the model sees one, first (some providers take no
    other)."""
    messages = prompt.messages(prompt_variables(question, context), history)
    if images:
        messages[-1] = with_images(messages[-1], images)
    if not instructions:
        return messages
    if messages and isinstance(messages[0], SystemMessage):
        return [SystemMessage(f"{messages[0].text}\n\n{instructions}"), *messages[1:]]
    return [SystemMessage(instructions), *messages]


def to_answer(reply: AIMessage, prompt: Prompt, context: Context | None) -> ChatAnswer:
    if context is not None:
        context = cited_context(context, reply.text)
    return ChatAnswer(
        text=reply.text,
        model=str(reply.response_metadata.get("model_name", "")),
        usage=Usage.of(reply),
        sources=context.sources if context else [],
        passages=context.passages if context else [],
        prompt=prompt.metadata,
    )


async def answer(
    model: BaseChatModel,
    prompt: Prompt,
    question: str,
    history: list[BaseMessage] | None = None,
    context: Context | None = None,
    instructions: str | None = None,
    images: list[Image] | None = None,
) -> ChatAnswer:
    messages = chat_messages(prompt, question, history, context, instructions, images)
    reply = await model.ainvoke(messages, config=call_config(prompt))
    return to_answer(reply, prompt, context)


class StreamedAnswer:
    """Iterate for the answer's text piece by piece; `result` holds the whole answer after."""

    def __init__(
        self,
        model: BaseChatModel,
        prompt: Prompt,
        question: str,
        history: list[BaseMessage] | None = None,
        context: Context | None = None,
        instructions: str | None = None,
        images: list[Image] | None = None,
    ) -> None:
        self._call = (model, prompt, question, history, context, instructions, images)
        self.result: ChatAnswer | None = None
        self.time_to_first_token_s: float | None = None

    async def __aiter__(self) -> AsyncIterator[str]:
        model, prompt, question, history, context, instructions, images = self._call
        messages = chat_messages(prompt, question, history, context, instructions, images)
        whole: AIMessageChunk | None = None
        started = time.perf_counter()
        async for chunk in model.astream(messages, config=call_config(prompt)):
            whole = chunk if whole is None else whole + chunk
            if chunk.text:
                if self.time_to_first_token_s is None:  # the latency a user feels
                    self.time_to_first_token_s = time.perf_counter() - started
                    trace.get_current_span().set_attribute(  # the request's span
                        TIME_TO_FIRST_TOKEN_MS, self.time_to_first_token_s * 1000
                    )
                yield chunk.text
        metadata = whole.response_metadata if whole is not None else {}
        if not any(metadata.get(key) for key in FINISH_REASON_KEYS):
            raise TruncatedStreamError("the model's stream ended without a finish reason")
        self.result = to_answer(whole, prompt, context)
