"""Run the agent on one question: as a stream of step events, or to a single result.

The API (`POST /agent`, `POST /agent/stream`) and the CLI (`app agent`) all go through
`stream_agent`, so they report the same steps. The wall-clock limit lives here: it ends
the run and leaves the thread in a state the next request can continue from.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from ..chat import Usage
from ..settings import Settings
from .events import AgentEvent, AgentResult, ToolCallRecord
from .graph import closing_messages


async def stream_agent(
    agent: CompiledStateGraph,
    settings: Settings,
    question: str,
    thread_id: str | None = None,
    *,
    tokens: bool = True,
) -> AsyncIterator[AgentEvent]:
    """Yield tool_call, tool_result and (if `tokens`) token events, then one final event."""
    result = AgentResult(answer="", thread_id=thread_id or uuid.uuid4().hex)
    config: RunnableConfig = {
        "configurable": {"thread_id": result.thread_id},
        # A safety net under the step limit: each step is a model and a tool superstep.
        "recursion_limit": 2 * settings.agent_max_steps + 4,
    }
    inputs = {"messages": [HumanMessage(question)], "steps": 0, "stopped": None}
    modes = ["updates", "messages"] if tokens else ["updates"]
    # The thread is saved once, when the run ends, not after every step: a crash mid-run
    # loses only that run's steps, and a step costs ~2 ms less with the SQLite memory.
    # (An agent without memory, as the evals build it, has nothing to save.)
    durability = "exit" if agent.checkpointer else None
    stream = agent.astream(inputs, config, stream_mode=modes, durability=durability)
    calls: dict[str, ToolCallRecord] = {}
    deadline = asyncio.get_running_loop().time() + settings.agent_timeout_s
    while True:
        try:
            async with asyncio.timeout_at(deadline):  # around the wait only, never a `yield`
                mode, chunk = await anext(stream)
        except StopAsyncIteration:
            break
        except TimeoutError:
            await stream.aclose()
            await _stop_on_timeout(agent, config, result, settings.agent_timeout_s)
            break
        if mode == "messages":
            message, metadata = chunk
            from_model = metadata.get("langgraph_node") == "model"
            if from_model and isinstance(message, AIMessageChunk) and message.text:
                yield AgentEvent("token", {"text": message.text})
            continue
        for node, update in chunk.items():
            for event in _step_events(node, update or {}, result, calls):
                yield event
    yield AgentEvent.final(result)


def _step_events(
    node: str, update: dict[str, Any], result: AgentResult, calls: dict[str, ToolCallRecord]
) -> Iterator[AgentEvent]:
    """Turn one node's update into events, recording calls, results and usage."""
    for message in update.get("messages", []):
        if isinstance(message, AIMessage):
            if node == "model":
                result.steps += 1
                result.add_usage(Usage.of(message))
            requested = [*message.tool_calls, *message.invalid_tool_calls]
            for call in requested:
                record = ToolCallRecord(call["id"] or "", call["name"] or "", call["args"])
                calls[record.id] = record
                result.tool_calls.append(record)
                yield AgentEvent.tool_call(record)
            if not requested:
                result.answer = message.text
        elif isinstance(message, ToolMessage):
            record = calls.get(message.tool_call_id)
            if record is None:
                record = ToolCallRecord(message.tool_call_id, message.name or "", {})
            record.result, record.error = message.text, message.status == "error"
            yield AgentEvent.tool_result(record)
    if node == "stop":
        result.stopped = update.get("stopped")


async def _stop_on_timeout(
    agent: CompiledStateGraph, config: RunnableConfig, result: AgentResult, limit_s: float
) -> None:
    """End as the `stop` node would: pending calls answered, the reason said and saved."""
    result.stopped = "timeout"
    result.answer = (
        f"I stopped after {limit_s:g} s without reaching an answer "
        "(the time limit, AGENT_TIMEOUT_S, was reached)."
    )
    state = await agent.aget_state(config)
    messages = state.values.get("messages") or [HumanMessage("")]
    update = {"messages": closing_messages(messages[-1], result.answer), "stopped": "timeout"}
    await agent.aupdate_state(config, update, as_node="stop")


async def run_agent(
    agent: CompiledStateGraph, settings: Settings, question: str, thread_id: str | None = None
) -> AgentResult:
    """The whole run at once: the answer, every tool call with its result, steps, usage."""
    async for event in stream_agent(agent, settings, question, thread_id, tokens=False):
        if event.result is not None:
            return event.result
    raise RuntimeError("the agent stream ended without a final event")
