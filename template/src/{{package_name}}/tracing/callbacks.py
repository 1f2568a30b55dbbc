"""LangChain runs become OpenTelemetry spans: model calls, retrievers, tools, chains and
the agent's LangGraph steps, each a child of the span that was current when it began.

The handler is attached once, process-wide, through LangChain's configure hook (the way
LangSmith's tracer attaches): every callback manager LangChain builds adds the handler
found in `active_handler`, a context variable that `Tracing.activate()` sets for a
request or a CLI command. So no model, chain or graph needs a `callbacks=` argument, and
outside an active context (or with TRACING=off and no budget) nothing is attached at all.

It runs inline (`run_inline`), on the caller's thread and context, so it must be cheap:
a model call may not pay more than a few microseconds for it. So a run does not become
a live SDK `Span`: its start creates the finished span's object itself, a `RunSpan`
(`spans.py`, the one module that knows the SDK's internals), and its end hands it to the
SDK's processors: the app's `BatchSpanProcessor`s, which export it, to SQLite or OTLP, on
their own thread. A model call's span name and attributes are filled there too, from
what its start and end kept; a model's span name and constant attributes are built once
per model name.

Budgets (`budget.py`) ride on the same dispatch, since a second handler would cost a
second one per call (what LangChain charges for any handler: ~24 µs async, see
benchmarks/tracing.py): a model call's start passes the budget's gate, its end prices
the call (`_call_cost`, the one place a call is priced: the span's `app.cost_usd`) and
adds it to the budget. With TRACING=off and a budget, this handler runs with no
processors, for model calls only.

A daily budget in Redis (REDIS_URL) needs a round trip at both ends of a call, which a
sync handler would make on the event loop, holding every other request for it. So then
the handler has an awaited twin, `AwaitedBudget` (an async handler, attached next to it,
`active_gate`): on the event loop the twin awaits the gate and the adder, the handler
still prices the call; off the loop (a sync model call in a thread, where LangChain
would run an async handler's coroutine in a loop of its own and swallow its refusal)
the handler does it all, on redis-py's sync client.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from random import getrandbits
from time import time_ns
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID, uuid4

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook
from opentelemetry.context import Context, get_current
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags, get_current_span

from ..response_cache import answered_from_cache
from . import attributes as attr
from .cost import ModelPrice, cost_usd
from .spans import UNSET, RunSpan

if TYPE_CHECKING:
    from .budget import Budget

#: The handler of the current request or command; None: LangChain runs are not traced.
active_handler: ContextVar[BaseCallbackHandler | None] = ContextVar("tracing_handler", default=None)
register_configure_hook(active_handler, inheritable=True)
#: Its awaited twin, for a budget in Redis (`AwaitedBudget`); registered after it, so
#: LangChain runs it after the handler for each event.
active_gate: ContextVar[BaseCallbackHandler | None] = ContextVar("budget_gate", default=None)
register_configure_hook(active_gate, inheritable=True)

#: LangGraph and LangChain plumbing (channel writes, branch functions) carry this tag.
HIDDEN_TAG = "langsmith:hidden"
PROMPT_KEYS = (
    ("prompt_name", attr.PROMPT_NAME),
    ("prompt_version", attr.PROMPT_VERSION),
    ("prompt_hash", attr.PROMPT_HASH),
    ("prompt_variant", attr.PROMPT_VARIANT),
)
MAX_CONTENT_CHARS = 20_000
#: LangChain's message types as the GenAI conventions name the roles.
ROLES = {"human": "user", "ai": "assistant", "AIMessageChunk": "assistant"}


SAMPLED = TraceFlags(TraceFlags.SAMPLED)
Run = TypeVar("Run", bound=RunSpan)
_NONE: Mapping[str, Any] = {}  # read-only stand-in for missing metadata


class ModelCallSpan(RunSpan):
    """A model call's span: what its start and end keep, for `_fill_model_span` (on the
    exporter's thread) to draw the span's name and attributes from."""

    #: LangChain's metadata for the call and the model's name.
    request: tuple[Mapping[str, Any], Any] | None = None
    #: The reply (a `Generation`), until its attributes are drawn from it.
    reply: Any = None
    #: With contents on: the input messages and the reply, until made JSON.
    messages: Any = None
    output: Any = None
    #: Streamed calls: when the first token came (`time.time_ns()`).
    first_token_ns: int | None = None
    #: A shared daily budget's reservation (REDIS_URL), settled at the call's end.
    reservation: str | None = None


class TracingCallbackHandler(BaseCallbackHandler):
    """Opens a span at each run's start and closes it at its end, keyed by run id."""

    run_inline = True  # on the caller's thread: cheap, and the current span is right
    raise_error = False  # a tracing bug must never fail the call it traces
    # LangChain reads one of these per event; as plain class attributes they cost no
    # call (the base class has properties). Tool events go by `ignore_agent`. Retries
    # and custom events make no span, so they are not dispatched.
    ignore_llm = ignore_chat_model = ignore_chain = ignore_retriever = ignore_agent = False
    ignore_retry = ignore_custom_event = True

    def __init__(
        self,
        processors: Sequence[SpanProcessor],
        resource: Resource,
        *,
        provider: str,
        record_content: bool,
        redact: Callable[[str], str],
        prices: Mapping[str, ModelPrice] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.processors = list(processors)
        #: The budget's gate and adder ride on this handler's dispatch (see above). Its
        #: refusal must reach the caller, hence `raise_error` then.
        self.budget = budget
        self.raise_error = budget is not None
        #: A budget in Redis: on the event loop, `gate` awaits its round trips.
        self.gate = AwaitedBudget(self) if budget is not None and budget.awaited else None
        #: Calls priced on the loop, for `gate` to settle: run id -> (USD, reservation).
        self._to_settle: dict[UUID, tuple[float, str | None]] = {}
        if not self.processors:  # no sink (TRACING=off): here for the budget's model calls
            self.ignore_chain = self.ignore_retriever = self.ignore_agent = True
        self.resource = resource
        self.provider = provider
        self.record_content = record_content
        self.redact = redact
        self.prices = prices or {}
        self._runs: dict[UUID, RunSpan] = {}
        #: Model name -> its spans' name and constant attributes, built on first use.
        self._models: dict[Any, tuple[str, dict[str, Any]]] = {}
        #: Hidden runs: their children attach to the nearest visible ancestor (or None).
        self._aliases: dict[UUID, SpanContext | None] = {}
        self._agents: set[UUID] = set()  # graph runs already marked as agents
        #: The last OpenTelemetry context a root run began in, and its span's context.
        self._root: tuple[Context | None, SpanContext | None] = (None, None)

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
        # Only what cannot wait: the start time and the parent. The span's name and
        # request attributes come from `metadata` (kept by reference), when exported.
        run = self._start(run_id, parent_run_id, "chat", {}, ModelCallSpan)
        run.request = (metadata or _NONE, kwargs.get("name"))
        run.fill_later(self._fill_model_span)
        if self.record_content:  # made JSON (and redacted) at export, off this thread
            run.messages = messages
        if self.budget is not None and not (self.gate and _on_event_loop()):
            try:
                run.reservation = self.budget.check(reserve=True)  # the gate, every call
            except Exception as error:  # refused: the span says so, the caller gets it
                self._fail(run_id, error)
                raise

    async def areserve(self, run_id: UUID) -> None:
        """The gate, awaited (`AwaitedBudget`), for the call `run_id` just started."""
        run = self._runs.get(run_id)
        if not isinstance(run, ModelCallSpan) or self.budget is None:
            return
        try:
            run.reservation = await self.budget.acheck(reserve=True)
        except Exception as error:
            self._fail(run_id, error)
            raise

    async def asettle(self, run_id: UUID) -> None:
        """The adder, awaited: the cost `on_llm_end` priced (or 0 for a failed call)."""
        usd, reservation = self._to_settle.pop(run_id, (0.0, None))
        if self.budget is not None and (usd or reservation):
            await self.budget.aadd(usd, reservation)

    def _model_span(self, model: Any) -> tuple[str, dict[str, Any]]:
        """A model's span name and the attributes all its calls share."""
        model = str(model)
        constant = {
            attr.KIND: "llm",
            attr.OPERATION: "chat",
            attr.PROVIDER: self.provider,
            attr.REQUEST_MODEL: model,
        }
        return f"chat {model}", constant

    def _request_attributes(self, run: ModelCallSpan) -> None:
        """A model call's name and request attributes, from the metadata LangChain gave
        its start: the model's name and settings, the prompt's name, version and hash."""
        if run.request is None:
            return
        metadata = run.request[0]
        model = _requested_model(run.request)
        run.request = None
        try:
            span_name, constant = self._models[model]
        except KeyError:
            span_name, constant = self._models[model] = self._model_span(model)
        run.rename(span_name)
        attributes = run.attrs
        attributes.update(constant)
        if (temperature := metadata.get("ls_temperature")) is not None:
            attributes[attr.TEMPERATURE] = temperature
        if (max_tokens := metadata.get("ls_max_tokens")) is not None:
            attributes[attr.MAX_TOKENS] = max_tokens
        if "prompt_name" in metadata:
            for key, attribute in PROMPT_KEYS:
                if (value := metadata.get(key)) is not None:
                    attributes[attribute] = str(value)

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
        run = self._runs.get(run_id)
        if self.record_content and isinstance(run, ModelCallSpan):
            run.messages = None
            run.attrs[attr.INPUT] = self._content(prompts)

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if isinstance(run, ModelCallSpan) and run.first_token_ns is None:
            run.first_token_ns = time_ns()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        if not isinstance(run, ModelCallSpan):
            return
        generations = response.generations
        run.reply = generations[0][0] if generations and generations[0] else None
        if self.record_content:
            run.output = run.reply
        if self.budget is not None:
            # The budget needs the cost now, so the call is priced here, on this thread:
            # with its span's reply attributes (its contents are still left for later),
            # or with TRACING=off (no processors, no span to fill) on its own.
            if self.processors:
                self._request_attributes(run)
                self._reply_attributes(run)
                cost = run.attrs.get(attr.COST_USD)
            else:
                cost = self._call_cost(run.reply, _requested_model(run.request))
            if self.gate and _on_event_loop():  # settled next, awaited, by the gate
                self._to_settle[run_id] = (cost or 0.0, run.reservation)
            elif cost or run.reservation:
                self.budget.add(cost or 0.0, run.reservation)  # the adder; settles too
        self._finish(run, None)

    def _fill_model_span(self, run: RunSpan) -> None:
        """What a model call's request, reply and contents give its span, when exported."""
        assert isinstance(run, ModelCallSpan)
        self._request_attributes(run)
        self._reply_attributes(run)
        if run.messages is not None:
            messages, run.messages = run.messages, None
            run.attrs[attr.INPUT] = self._content(
                [[_message_dict(m) for m in batch] for batch in messages]
            )
        if run.output is not None:
            generation, run.output = run.output, None
            message = getattr(generation, "message", None)
            output = _message_dict(message) if message is not None else generation.text
            run.attrs[attr.OUTPUT] = self._content(output)

    def _reply_attributes(self, run: ModelCallSpan) -> None:
        """The response model, finish reasons, tokens, cost and time to first token."""
        generation, run.reply = run.reply, None
        if generation is None:  # failed, no reply, or already drawn
            return
        attributes = run.attrs
        message = generation.message if isinstance(generation, ChatGeneration) else None
        usage = getattr(message, "usage_metadata", None) or _NONE
        metadata = getattr(message, "response_metadata", None) or _NONE
        request_model = attributes[attr.REQUEST_MODEL]
        attributes[attr.RESPONSE_MODEL] = _response_model(metadata, request_model)
        reasons = [str(metadata[k]) for k in attr.FINISH_REASON_KEYS if metadata.get(k)]
        if reasons:
            attributes[attr.FINISH_REASONS] = reasons
        input_tokens = usage.get("input_tokens")
        output_tokens = usage.get("output_tokens")
        if answered_from_cache(generation):
            # No model call: nothing used, nothing to pay (budgets and `app traces cost`
            # read these). What the answer cost when it was made stays visible.
            attributes[attr.CACHE_HIT] = True
            if input_tokens is not None and output_tokens is not None:
                attributes[attr.CACHED_INPUT_TOKENS] = input_tokens
                attributes[attr.CACHED_OUTPUT_TOKENS] = output_tokens
            attributes[attr.INPUT_TOKENS] = attributes[attr.OUTPUT_TOKENS] = 0
        elif input_tokens is not None and output_tokens is not None:
            attributes[attr.INPUT_TOKENS] = input_tokens
            attributes[attr.OUTPUT_TOKENS] = output_tokens
        if (cost := self._call_cost(generation, request_model)) is not None:
            attributes[attr.COST_USD] = cost
        if run.first_token_ns is not None:
            ttft_ms = (run.first_token_ns - run.start_time) / 1e6
            attributes[attr.TIME_TO_FIRST_TOKEN_MS] = round(ttft_ms, 3)

    def _call_cost(self, generation: Any, request_model: str) -> float | None:
        """What a model call cost in USD, the one place a call is priced: 0 for an answer
        from the cache, None without token counts or a price. The model that answered is
        priced, else the one asked for (a dated snapshot the price table may not know)."""
        if generation is None:
            return None
        if answered_from_cache(generation):
            return 0.0
        message = getattr(generation, "message", None)
        usage = getattr(message, "usage_metadata", None) or _NONE
        input_tokens, output_tokens = usage.get("input_tokens"), usage.get("output_tokens")
        if input_tokens is None or output_tokens is None:
            return None
        metadata = getattr(message, "response_metadata", None) or _NONE
        model = _response_model(metadata, request_model)
        tokens = (input_tokens, output_tokens)
        cost = cost_usd(model, self.provider, *tokens, self.prices)
        if cost is None and model != request_model:
            cost = cost_usd(request_model, self.provider, *tokens, self.prices)
        return cost

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if self.budget is not None and isinstance(run, ModelCallSpan) and run.reservation:
            if self.gate and _on_event_loop():  # the gate settles it, awaited
                self._to_settle[run_id] = (0.0, run.reservation)
            else:
                with suppress(Exception):  # unsettled, it expires (shared/spend.py)
                    self.budget.add(0.0, run.reservation)  # a failed call costs nothing
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
        self._start(run_id, parent_run_id, name, attributes, RunSpan)

    def _mark_agent(self, run_id: UUID) -> None:
        """The graph run becomes an `invoke_agent` span, named after the graph."""
        run = self._runs.get(run_id)
        if run is None:
            return
        self._agents.add(run_id)
        run.attrs |= {
            attr.KIND: "agent",
            attr.OPERATION: "invoke_agent",
            attr.AGENT_NAME: run.name,
        }
        run.rename(f"invoke_agent {run.name}")

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
        self._start(run_id, parent_run_id, f"execute_tool {name}", attributes, RunSpan)

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
        self._start(run_id, parent_run_id, f"retrieval {name}", attributes, RunSpan)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if run is not None:
            run.attrs["app.retrieval.documents"] = len(documents)
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
        # A root run's parent: the current OpenTelemetry span. A `Context` is immutable,
        # so the span found for one stays right; every call of a request shares one.
        context = get_current()
        cached = self._root
        if cached[0] is context:
            return cached[1]
        current = get_current_span(context).get_span_context()
        parent = current if current.is_valid else None
        self._root = (context, parent)  # one tuple: threads swap it whole
        return parent

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        attributes: dict[str, Any],
        span_type: type[Run],
    ) -> Run:
        parent = self._parent(parent_run_id)
        trace_id = parent.trace_id if parent is not None else getrandbits(128)
        context = SpanContext(trace_id, getrandbits(64), False, SAMPLED)
        run = span_type(name, context, parent, self.resource, attributes, time_ns())
        self._runs[run_id] = run
        return run

    def _end(self, run_id: UUID, output: Any, status: Status = UNSET) -> None:
        run = self._runs.pop(run_id, None)
        if run is not None:
            self._finish(run, output, status)

    def _finish(self, run: RunSpan, output: Any, status: Status = UNSET) -> None:
        """The run's span is complete: to the processors (their queues) it goes."""
        run.end(time_ns(), status)
        if self.record_content and output is not None:
            run.attrs[attr.OUTPUT] = self._content(output)
        for processor in self.processors:
            processor.on_end(run)

    def _fail(self, run_id: UUID, error: BaseException) -> None:
        run = self._runs.get(run_id)
        if run is None:
            return
        run.attrs[attr.ERROR_TYPE] = type(error).__name__
        message = self.redact(str(error))[:2_000]
        self._end(run_id, None, Status(StatusCode.ERROR, message))

    def _content(self, value: Any) -> str:
        """Contents as redacted JSON text, cut at MAX_CONTENT_CHARS."""
        try:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
        except ValueError:  # a circular structure: its text is still worth having
            text = str(value)
        return self.redact(text[:MAX_CONTENT_CHARS])


class AwaitedBudget(AsyncCallbackHandler):
    """The budget's gate and adder for a store in Redis, awaited on the event loop.

    Runs right after its `TracingCallbackHandler` for each model event (inline, in the
    order the hooks were registered): the handler has opened the call's span (at the
    start) or priced it (at the end); this awaits the reservation and the settlement.
    Off the event loop it ignores every event: the handler then does both, sync.
    """

    run_inline = True
    raise_error = True  # a refusal must reach the caller
    ignore_chain = ignore_retriever = ignore_agent = ignore_retry = ignore_custom_event = True

    def __init__(self, handler: TracingCallbackHandler) -> None:
        self.handler = handler

    @property
    def ignore_llm(self) -> bool:  # type: ignore[override]
        return not _on_event_loop()

    @property
    def ignore_chat_model(self) -> bool:  # type: ignore[override]
        return not _on_event_loop()

    async def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        await self.handler.areserve(run_id)

    async def on_llm_start(
        self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, **kwargs: Any
    ) -> None:
        await self.handler.areserve(run_id)

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        await self.handler.asettle(run_id)

    async def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with suppress(Exception):  # unsettled, a reservation expires (shared/spend.py)
            await self.handler.asettle(run_id)


def _on_event_loop() -> bool:
    """Whether this thread runs an event loop: LangChain then dispatches to async handlers."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _requested_model(request: tuple[Mapping[str, Any], Any] | None) -> str:
    """The model a call asked for, from LangChain's metadata for it (or its name)."""
    if request is None:
        return "unknown"
    metadata, name = request
    return str(metadata.get("ls_model_name") or name or "unknown")


def _response_model(metadata: Mapping[str, Any], request_model: str) -> str:
    """The model that answered, as the provider names it (often a dated snapshot)."""
    return str(metadata.get("model_name") or metadata.get("model") or request_model)


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
    if not isinstance(handler, TracingCallbackHandler) or handler.ignore_retriever:
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
