"""LangChain runs become OpenTelemetry spans: model calls, retrievers, tools, chains and
the agent's LangGraph steps, each a child of the span that was current when it began.

The handler is attached once, process-wide, through LangChain's configure hook (the way
LangSmith's tracer attaches): every callback manager LangChain builds adds the handler
found in `active_handler`, a context variable that `Tracing.activate()` sets for a
request or a CLI command. So no model, chain or graph needs a `callbacks=` argument, and
outside an active context (or with TRACING=off) nothing is attached at all.

It runs inline (`run_inline`), on the caller's thread and context, so it must be cheap:
a model call may not pay more than a few microseconds for it. So a run does not become
a live SDK `Span` (a lock, attribute validation and a sampler per call, ~40 µs with its
end): its start is a small record (ids drawn at once, so children know their parent), and
its end builds the one finished `ReadableSpan` the SDK's processors take. Those are the
app's `BatchSpanProcessor`s: export, to SQLite or OTLP, happens on their thread.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

from . import attributes as attr
from .cost import ModelPrice, cost_usd

if TYPE_CHECKING:
    from .budget import BudgetGuard

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


SCOPE = InstrumentationScope(__name__)
UNSET = Status(StatusCode.UNSET)  # success, as OpenTelemetry instrumentations leave it
SAMPLED = TraceFlags(TraceFlags.SAMPLED)


@dataclass(slots=True)
class OpenRun:
    """A run that has started: what its span will be made of when it ends."""

    name: str
    context: SpanContext
    parent: SpanContext | None
    start_ns: int
    attributes: dict[str, Any]
    first_token_ns: int | None = None


class TracingCallbackHandler(BaseCallbackHandler):
    """Opens a span at each run's start and closes it at its end, keyed by run id."""

    run_inline = True  # on the caller's thread: cheap, and the current span is right
    raise_error = False  # a tracing bug must never fail the call it traces

    def __init__(
        self,
        processors: Sequence[SpanProcessor],
        resource: Resource,
        *,
        provider: str,
        record_content: bool,
        redact: Callable[[str], str],
        prices: Mapping[str, ModelPrice] | None = None,
        guard: BudgetGuard | None = None,
    ) -> None:
        self.processors = list(processors)
        #: With budgets, this handler checks and counts them itself: a second handler
        #: would cost a second LangChain dispatch (~40 µs) per call. Its refusal must
        #: reach the caller, hence `raise_error` then.
        self.guard = guard
        self.raise_error = guard is not None
        self.resource = resource
        self.provider = provider
        self.record_content = record_content
        self.redact = redact
        self.prices = prices or {}
        self._runs: dict[UUID, OpenRun] = {}
        #: Hidden runs: their children attach to the nearest visible ancestor (or None).
        self._aliases: dict[UUID, SpanContext | None] = {}
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
        if self.guard is not None:
            try:
                self.guard.check()
            except Exception as error:  # refused: the span says so, the caller gets it
                self._fail(run_id, error)
                raise

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
        if self.record_content and (run := self._runs.get(run_id)) is not None:
            run.attributes[attr.INPUT] = self._content(prompts)

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if run is not None and run.first_token_ns is None:
            run.first_token_ns = time.time_ns()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if run is None:
            return
        generation = response.generations[0][0] if response.generations else None
        message = generation.message if isinstance(generation, ChatGeneration) else None
        usage = getattr(message, "usage_metadata", None) or {}
        metadata = getattr(message, "response_metadata", None) or {}
        attributes = run.attributes
        request_model = attributes[attr.REQUEST_MODEL]
        model = str(metadata.get("model_name") or metadata.get("model") or request_model)
        attributes[attr.RESPONSE_MODEL] = model
        reasons = [str(metadata[k]) for k in FINISH_REASON_KEYS if metadata.get(k)]
        if reasons:
            attributes[attr.FINISH_REASONS] = reasons
        input_tokens = usage.get("input_tokens")
        output_tokens = usage.get("output_tokens")
        if input_tokens is not None and output_tokens is not None:
            attributes[attr.INPUT_TOKENS] = input_tokens
            attributes[attr.OUTPUT_TOKENS] = output_tokens
            cost = cost_usd(model, self.provider, input_tokens, output_tokens, self.prices)
            if cost is None and model != request_model:
                tokens = (input_tokens, output_tokens)
                cost = cost_usd(request_model, self.provider, *tokens, self.prices)
            if cost is not None:
                attributes[attr.COST_USD] = cost
                if self.guard is not None:
                    self.guard.add(cost)
        if run.first_token_ns is not None:
            ttft_ms = (run.first_token_ns - run.start_ns) / 1e6
            attributes[attr.TIME_TO_FIRST_TOKEN_MS] = round(ttft_ms, 3)
        output = None
        if self.record_content and generation is not None:
            output = _message_dict(message) if message is not None else generation.text
        self._end(run_id, output)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
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
        run = self._runs.get(run_id)
        if run is None:
            return
        self._agents.add(run_id)
        run.attributes |= {
            attr.KIND: "agent",
            attr.OPERATION: "invoke_agent",
            attr.AGENT_NAME: run.name,
        }
        run.name = f"invoke_agent {run.name}"

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
        run = self._runs.get(run_id)
        if run is not None:
            run.attributes["app.retrieval.documents"] = len(documents)
        output = [getattr(d, "page_content", d) for d in documents]
        self._end(run_id, output)

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)

    # --- Spans -------------------------------------------------------------------------

    def _parent(self, parent_run_id: UUID | None) -> SpanContext | None:
        """The parent run's span; for a root run, the span current in this context (the
        request's, the command's), if any."""
        if parent_run_id is not None:
            run = self._runs.get(parent_run_id)
            if run is not None:
                return run.context
            if parent_run_id in self._aliases:
                return self._aliases[parent_run_id]
        current = trace.get_current_span().get_span_context()
        return current if current.is_valid else None

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        attributes: dict[str, Any],
    ) -> None:
        parent = self._parent(parent_run_id)
        trace_id = parent.trace_id if parent is not None else random.getrandbits(128)
        context = SpanContext(trace_id, random.getrandbits(64), False, SAMPLED)
        self._runs[run_id] = OpenRun(name, context, parent, time.time_ns(), attributes)

    def _end(self, run_id: UUID, output: Any, status: Status = UNSET) -> None:
        run = self._runs.pop(run_id, None)
        if run is None:
            return
        if self.record_content and output is not None:
            run.attributes[attr.OUTPUT] = self._content(output)
        span = ReadableSpan(
            run.name,
            run.context,
            run.parent,
            self.resource,
            run.attributes,
            status=status,
            start_time=run.start_ns,
            end_time=time.time_ns(),
            instrumentation_scope=SCOPE,
        )
        for processor in self.processors:
            processor.on_end(span)

    def _fail(self, run_id: UUID, error: BaseException) -> None:
        run = self._runs.get(run_id)
        if run is None:
            return
        run.attributes[attr.ERROR_TYPE] = type(error).__name__
        message = self.redact(str(error))[:2_000]
        self._end(run_id, None, Status(StatusCode.ERROR, message))

    def _content(self, value: Any) -> str:
        """Contents as redacted JSON text, cut at MAX_CONTENT_CHARS."""
        try:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
        except ValueError:  # a circular structure: its text is still worth having
            text = str(value)
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


@contextmanager
def retrieval_span(query: str, name: str = "retriever") -> Iterator[list[str]]:
    """A search outside LangChain (the app's own retriever) as a retrieval span.

    Append the found passages' text to the yielded list: their number is recorded, and
    their text with TRACE_CONTENT=true. Nothing happens when tracing is not active.
    """
    handler = active_handler.get()
    found: list[str] = []
    if not isinstance(handler, TracingCallbackHandler):
        yield found
        return
    run_id = uuid4()
    handler.on_retriever_start({}, query, run_id=run_id, name=name)
    try:
        yield found
    except BaseException as error:
        handler.on_retriever_error(error, run_id=run_id)
        raise
    handler.on_retriever_end(found, run_id=run_id)
