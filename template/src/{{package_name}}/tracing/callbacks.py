"""LangChain runs become OpenTelemetry spans: model calls, retrievers, tools, chains and
the agent's LangGraph steps, each a child of the span that was current when it began.

The handler is attached once, process-wide, through LangChain's configure hook (the way
LangSmith's tracer attaches): every callback manager LangChain builds adds the handler
found in `active_handler`, a context variable that `Tracing.activate()` sets for a
request or a CLI command. So no model, chain or graph needs a `callbacks=` argument, and
outside an active context (or with TRACING=off) nothing is attached at all.

It runs inline (`run_inline`), on the caller's thread and context: starting and ending
a span costs tens of microseconds, less than handing the event to a thread pool, and the
current span (the request's) is visible. Span export happens off-thread, in the SDK's
`BatchSpanProcessor`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from . import attributes as attr
from .cost import ModelPrice, cost_usd

#: The handler of the current request or command; None: LangChain runs are not traced.
active_handler: ContextVar[BaseCallbackHandler | None] = ContextVar("tracing_handler", default=None)
register_configure_hook(active_handler, inheritable=True)

#: LangGraph and LangChain plumbing (channel writes, branch functions) carry this tag.
HIDDEN_TAG = "langsmith:hidden"
#: Where providers put the reason a reply ended (OpenAI and Gemini, Anthropic, Ollama).
FINISH_REASON_KEYS = ("finish_reason", "stop_reason", "done_reason")
PROMPT_KEYS = {
    "prompt_name": attr.PROMPT_NAME,
    "prompt_version": attr.PROMPT_VERSION,
    "prompt_hash": attr.PROMPT_HASH,
    "prompt_variant": attr.PROMPT_VARIANT,
}
MAX_CONTENT_CHARS = 20_000
#: LangChain's message types as the GenAI conventions name the roles.
ROLES = {"human": "user", "ai": "assistant", "AIMessageChunk": "assistant"}


class TracingCallbackHandler(BaseCallbackHandler):
    """Opens a span at each run's start and closes it at its end, keyed by run id."""

    run_inline = True  # on the caller's thread: cheap, and the current span is right
    raise_error = False  # a tracing bug must never fail the call it traces

    def __init__(
        self,
        tracer: Tracer,
        *,
        provider: str,
        record_content: bool,
        redact: Callable[[str], str],
        prices: Mapping[str, ModelPrice] | None = None,
    ) -> None:
        self.tracer = tracer
        self.provider = provider
        self.record_content = record_content
        self.redact = redact
        self.prices = prices or {}
        self._spans: dict[UUID, Span] = {}
        #: Hidden runs: their children attach to the nearest visible ancestor (or None).
        self._aliases: dict[UUID, Span | None] = {}
        self._started_ns: dict[UUID, int] = {}  # streamed model calls awaiting a token
        self._agents: set[UUID] = set()  # graph runs already marked as agents

    # --- Model calls ---------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        metadata = metadata or {}
        model = str(metadata.get("ls_model_name") or kwargs.get("name") or "unknown")
        attributes: dict[str, Any] = {
            attr.KIND: "llm",
            attr.OPERATION: "chat",
            attr.PROVIDER: self.provider,
            attr.REQUEST_MODEL: model,
        }
        if (temperature := metadata.get("ls_temperature")) is not None:
            attributes[attr.TEMPERATURE] = temperature
        if (max_tokens := metadata.get("ls_max_tokens")) is not None:
            attributes[attr.MAX_TOKENS] = max_tokens
        for key, name in PROMPT_KEYS.items():
            if (value := metadata.get(key)) is not None:
                attributes[name] = str(value)
        if self.record_content:
            attributes[attr.INPUT] = self._content(
                [[_message_dict(m) for m in batch] for batch in messages]
            )
        self._start(run_id, parent_run_id, f"chat {model}", attributes)
        self._started_ns[run_id] = time.perf_counter_ns()

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Completion (non-chat) models: the same span, with text prompts."""
        self.on_chat_model_start(
            serialized, [], run_id=run_id, parent_run_id=parent_run_id, metadata=metadata
        )
        if self.record_content and (span := self._spans.get(run_id)) is not None:
            span.set_attribute(attr.INPUT, self._content(prompts))

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._started_ns.pop(run_id, None)
        if started is not None and (span := self._spans.get(run_id)) is not None:
            elapsed_ms = (time.perf_counter_ns() - started) / 1e6
            span.set_attribute(attr.TIME_TO_FIRST_TOKEN_MS, round(elapsed_ms, 3))

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._started_ns.pop(run_id, None)
        span = self._spans.pop(run_id, None)
        if span is None:
            return
        generation = response.generations[0][0] if response.generations else None
        message = generation.message if isinstance(generation, ChatGeneration) else None
        usage = getattr(message, "usage_metadata", None) or {}
        metadata = getattr(message, "response_metadata", None) or {}
        request_model = span.attributes.get(attr.REQUEST_MODEL)  # type: ignore[attr-defined]
        model = str(metadata.get("model_name") or metadata.get("model") or request_model)
        input_tokens = usage.get("input_tokens")
        output_tokens = usage.get("output_tokens")
        attributes: dict[str, Any] = {attr.RESPONSE_MODEL: model}
        reasons = [str(metadata[k]) for k in FINISH_REASON_KEYS if metadata.get(k)]
        if reasons:
            attributes[attr.FINISH_REASONS] = reasons
        if input_tokens is not None and output_tokens is not None:
            attributes[attr.INPUT_TOKENS] = input_tokens
            attributes[attr.OUTPUT_TOKENS] = output_tokens
            cost = cost_usd(model, self.provider, input_tokens, output_tokens, self.prices)
            if cost is None and model != request_model:
                cost = cost_usd(
                    str(request_model), self.provider, input_tokens, output_tokens, self.prices
                )
            if cost is not None:
                attributes[attr.COST_USD] = cost
        if self.record_content and generation is not None:
            output = _message_dict(message) if message is not None else generation.text
            attributes[attr.OUTPUT] = self._content(output)
        span.set_attributes(attributes)
        span.end()

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._started_ns.pop(run_id, None)
        self._fail(run_id, error)

    # --- Chains and agent steps ------------------------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        metadata = metadata or {}
        if tags and _is_plumbing(tags, metadata):
            self._aliases[run_id] = self._parent(parent_run_id)
            return
        name = str(kwargs.get("name") or (serialized or {}).get("name") or "chain")
        attributes: dict[str, Any] = {attr.KIND: "chain"}
        if (step := metadata.get("langgraph_step")) is not None:
            # A graph's step: its parent is the graph run, which is the agent.
            attributes["langgraph.step"] = step
            attributes["langgraph.node"] = str(metadata.get("langgraph_node"))
            if parent_run_id is not None and parent_run_id not in self._agents:
                self._mark_agent(parent_run_id)
        if self.record_content:
            attributes[attr.INPUT] = self._content(inputs)
        self._start(run_id, parent_run_id, name, attributes)

    def _mark_agent(self, run_id: UUID) -> None:
        """The graph run becomes an `invoke_agent` span, named after the graph."""
        span = self._spans.get(run_id)
        if span is None:
            return
        self._agents.add(run_id)
        name = getattr(span, "name", "agent")
        span.set_attributes(
            {attr.KIND: "agent", attr.OPERATION: "invoke_agent", attr.AGENT_NAME: name}
        )
        span.update_name(f"invoke_agent {name}")

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if self._aliases.pop(run_id, False) is not False:
            return
        self._agents.discard(run_id)
        self._end(run_id, outputs)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        if self._aliases.pop(run_id, False) is not False:
            return
        self._agents.discard(run_id)
        self._fail(run_id, error)

    # --- Tools and retrievers --------------------------------------------------------

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = str(kwargs.get("name") or serialized.get("name") or "tool")
        attributes: dict[str, Any] = {
            attr.KIND: "tool",
            attr.OPERATION: "execute_tool",
            attr.TOOL_NAME: name,
        }
        if tool_call_id := kwargs.get("tool_call_id"):
            attributes[attr.TOOL_CALL_ID] = str(tool_call_id)
        if self.record_content:
            attributes[attr.INPUT] = self._content(inputs if inputs is not None else input_str)
        self._start(run_id, parent_run_id, f"execute_tool {name}", attributes)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, getattr(output, "content", output))

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)

    def on_retriever_start(
        self,
        serialized: dict[str, Any],
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        name = str(kwargs.get("name") or (serialized or {}).get("name") or "retriever")
        attributes: dict[str, Any] = {attr.KIND: "retrieval", attr.OPERATION: "retrieval"}
        if self.record_content:
            attributes[attr.INPUT] = self._content(query)
        self._start(run_id, parent_run_id, f"retrieval {name}", attributes)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        span = self._spans.get(run_id)
        if span is not None:
            span.set_attribute("app.retrieval.documents", len(documents))
        output = [getattr(d, "page_content", d) for d in documents]
        self._end(run_id, output)

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)

    # --- Spans -------------------------------------------------------------------------

    def _parent(self, parent_run_id: UUID | None) -> Span | None:
        if parent_run_id is None:
            return None
        span = self._spans.get(parent_run_id)
        return span if span is not None else self._aliases.get(parent_run_id)

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        attributes: dict[str, Any],
    ) -> None:
        parent = self._parent(parent_run_id)
        # No parent run: the span current in this context (the request's, the command's).
        context = trace.set_span_in_context(parent) if parent is not None else None
        self._spans[run_id] = self.tracer.start_span(name, context, attributes=attributes)

    def _end(self, run_id: UUID, output: Any) -> None:
        span = self._spans.pop(run_id, None)
        if span is None:
            return
        if self.record_content:
            span.set_attribute(attr.OUTPUT, self._content(output))
        span.end()

    def _fail(self, run_id: UUID, error: BaseException) -> None:
        span = self._spans.pop(run_id, None)
        if span is None:
            return
        message = self.redact(str(error))[:2_000]
        span.set_attribute(attr.ERROR_TYPE, type(error).__name__)
        span.set_status(Status(StatusCode.ERROR, message))
        span.end()

    def _content(self, value: Any) -> str:
        """Contents as redacted JSON text, cut at MAX_CONTENT_CHARS."""
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        return self.redact(text[:MAX_CONTENT_CHARS])


def _message_dict(message: Any) -> dict[str, Any]:
    """A message as role, content and tool calls: what a reader of the trace needs."""
    kind = getattr(message, "type", "?")
    out: dict[str, Any] = {"role": ROLES.get(kind, kind), "content": message.content}
    if tool_calls := getattr(message, "tool_calls", None):
        out["tool_calls"] = [{"name": c["name"], "args": c["args"]} for c in tool_calls]
    return out


def _is_plumbing(tags: list[str], metadata: dict[str, Any]) -> bool:
    """Runs no reader wants as spans: tagged hidden, or a LangGraph node's inner sequence
    (its routing function, channel writes), which carries a `seq:step:N` tag."""
    if HIDDEN_TAG in tags:
        return True
    return "langgraph_node" in metadata and any(t.startswith("seq:step:") for t in tags)
