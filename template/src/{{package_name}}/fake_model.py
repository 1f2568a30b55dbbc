"""An offline chat model for tests, evals and demos: deterministic and scriptable.

LangChain's own fakes cannot bind tools; this one can, so agent tests run offline too.
Give it a script of replies (text, full `AIMessage`s with tool calls, or exceptions to
raise) and an optional delay; with no script it answers with a fixed echo of the
question, so the same input always gives the same output. `respond` replaces the echo
with a function that sees the whole request (the tools bound, the call's metadata):
the app's configured fake uses `demo_replies.demo_reply`, which calls the agent's tools
and answers structured prompts, so the README's examples do offline what they say.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, PrivateAttr

from .images import images_in

Reply = str | AIMessage | BaseException


def count_tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: one token per whitespace-separated word."""
    return len(text.split())


def echo_reply(messages: Sequence[BaseMessage]) -> str:
    """The user's last words back; and what images came with them (format, pixels, bytes),
    so tests and evals of images run offline and can check the image arrived whole."""
    last = next((m for m in reversed(messages) if m.type == "human"), None)
    if last is None:
        return "(fake model) You said: "
    seen = images_in(last)
    if not seen:
        return f"(fake model) You said: {last.text}"
    described = "; ".join(image.describe() for image in seen)
    count = f"{len(seen)} image{'s' if len(seen) > 1 else ''}"
    return f"(fake model) You said: {last.text} [{count}: {described}]"


@dataclass(frozen=True)
class FakeRequest:
    """One call as the fake received it, for a `respond` function."""

    messages: list[BaseMessage]
    #: The tools bound with `bind_tools`, as OpenAI tool schemas (`{"function": {...}}`).
    tools: list[dict[str, Any]]
    #: The call's metadata (the prompt's name, version, and `output_schema` for JSON).
    metadata: Mapping[str, Any]

    def tool_names(self) -> list[str]:
        return [tool["function"]["name"] for tool in self.tools]


class FakeChatModel(BaseChatModel):
    """Replies from `script` in order, then from `respond(request)` when it is set, else
    from `default_reply(messages)`."""

    #: `Reply` items; typed `Any` so pydantic keeps exceptions as they are.
    script: list[Any] = Field(default_factory=list)
    default_reply: Callable[[Sequence[BaseMessage]], Reply] = echo_reply
    #: When set, answers instead of `default_reply`, seeing the tools and metadata too.
    respond: Callable[[FakeRequest], Reply] | None = None
    delay_s: float = 0.0
    model_name: str = "fake"
    #: Every list of messages the model received, oldest first: tests assert on it.
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    #: The tools bound for each call, beside `calls` (OpenAI tool schemas; [] for none).
    call_tools: list[list[dict[str, Any]]] = Field(default_factory=list)
    _position: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "fake"

    def __repr_args__(self) -> Any:
        """Short. LangChain reprs each model instance once for its callbacks, and the
        default repr compares every field with its default (~1 ms): evals pay that per
        case, since each case gets a fake of its own."""
        return [("model_name", self.model_name), ("script", f"{len(self.script)} replies")]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """What makes two fakes answer differently: part of LangChain's cache key."""
        return {
            "model_name": self.model_name,
            "script": [repr(r) for r in self.script],
            "respond": getattr(self.respond, "__qualname__", None),
        }

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Accept tools like a real model; which tool to call is up to the script."""
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    def _next_reply(
        self,
        messages: list[BaseMessage],
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> AIMessage:
        self.calls.append(list(messages))
        self.call_tools.append(kwargs.get("tools", []))
        if self._position < len(self.script):
            reply = self.script[self._position]
            self._position += 1
        elif self.respond is not None:
            metadata = run_manager.metadata if run_manager else {}
            reply = self.respond(FakeRequest(list(messages), kwargs.get("tools", []), metadata))
        else:
            reply = self.default_reply(messages)
        if isinstance(reply, BaseException):
            raise reply
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=reply)
        prompt_tokens = sum(count_tokens(m.text) for m in messages)
        answer_tokens = count_tokens(message.text)
        return message.model_copy(
            update={
                "usage_metadata": message.usage_metadata
                or {
                    "input_tokens": prompt_tokens,
                    "output_tokens": answer_tokens,
                    "total_tokens": prompt_tokens + answer_tokens,
                },
                "response_metadata": {"model_name": self.model_name, "finish_reason": "stop"}
                | message.response_metadata,
            }
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.delay_s:
            time.sleep(self.delay_s)
        return ChatResult(
            generations=[ChatGeneration(message=self._next_reply(messages, run_manager, kwargs))]
        )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return ChatResult(
            generations=[ChatGeneration(message=self._next_reply(messages, run_manager, kwargs))]
        )

    def _chunks(self, message: AIMessage) -> Iterator[ChatGenerationChunk]:
        """The answer word by word; usage and finish reason ride on the last chunk."""
        words = message.text.split(" ") if message.text else []
        for index, word in enumerate(words):
            yield ChatGenerationChunk(
                message=AIMessageChunk(content=word if index == 0 else " " + word)
            )
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                    for i, c in enumerate(message.tool_calls)
                ],
                usage_metadata=message.usage_metadata,
                response_metadata=message.response_metadata,
                chunk_position="last",
            )
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self.delay_s:
            time.sleep(self.delay_s)
        for chunk in self._chunks(self._next_reply(messages, run_manager, kwargs)):
            if run_manager and chunk.message.content:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        for chunk in self._chunks(self._next_reply(messages, run_manager, kwargs)):
            if run_manager and chunk.message.content:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
