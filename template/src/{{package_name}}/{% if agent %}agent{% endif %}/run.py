"""Run the agent on one question: as a stream of step events, or to a single result.

The API (`POST /agent`, `POST /agent/stream`) and the CLI (`app agent`) all go through
`stream_agent`, so they report the same steps. The wall-clock limit lives here: it ends
the run and leaves the thread in a state the next request can continue from.

A run that reaches a tool requiring approval ends with `status="needs_approval"` and the
pending calls (an `approval` event, then the final one); `resume_decisions` checks the
decisions for such a thread and `stream_agent(..., resume=...)` continues it.

A paused run waits AGENT_APPROVAL_TTL_S at most (from the moment it paused, its
checkpoint's time): a resume after that is ApprovalExpiredError (410), and a new
question in the thread closes the calls that waited ("not run: the approval expired")
and goes on, so a forgotten pause does not block its thread for ever.

A thread belongs to the user who started it (saved in its state, `user`): for anyone
else it does not exist, so continuing or resuming it fails as an unknown thread would,
without saying whose it is. (A thread saved before threads had owners is `default`'s.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Interrupt, StateSnapshot

from ..chat import Usage
from ..images import Image, with_images
from ..settings import Settings
from .approval import resolve_decisions
from .events import AgentEvent, AgentResult, ToolCallRecord
from .graph import closing_messages
from .memories import DEFAULT_USER


class ThreadNotFoundError(LookupError):
    """A thread the memory does not have, or another user's (404)."""


class ApprovalStateError(RuntimeError):
    """A resume with nothing pending, or a new question while calls wait (409)."""


class ApprovalExpiredError(RuntimeError):
    """A resume after the pause's AGENT_APPROVAL_TTL_S (410)."""


async def owned_state(
    agent: CompiledStateGraph, thread_id: str, user: str | None = None
) -> StateSnapshot | None:
    """The saved state of `user`'s thread; None when there is no such thread yet.

    Another user's thread raises ThreadNotFoundError with the words an unknown one gets.
    """
    state = await agent.aget_state({"configurable": {"thread_id": thread_id}})
    if not state.values:
        return None
    if state.values.get("user", DEFAULT_USER) != (user or DEFAULT_USER):
        raise ThreadNotFoundError(_unknown(thread_id))
    return state


async def pending_approvals(
    agent: CompiledStateGraph, thread_id: str, user: str | None = None
) -> list[dict[str, Any]]:
    """The calls of `user`'s thread waiting for a decision; [] when none."""
    state = await owned_state(agent, thread_id, user)
    if state is None:
        raise ThreadNotFoundError(_unknown(thread_id))
    return _waiting(state)


def _waiting(state: StateSnapshot) -> list[dict[str, Any]]:
    return [call for paused in state.interrupts for call in paused.value.get("pending", [])]


def _unknown(thread_id: str) -> str:
    return f"there is no conversation with thread id {thread_id!r}"


async def resume_decisions(
    agent: CompiledStateGraph,
    thread_id: str,
    decisions: Iterable[Mapping[str, Any]],
    user: str | None = None,
    *,
    ttl_s: float = 0.0,
) -> dict[str, dict[str, Any]]:
    """Check the decisions against what `user`'s thread waits for, and that it has not
    waited longer than `ttl_s` (0: no limit); `resume=` for stream_agent."""
    state = await owned_state(agent, thread_id, user)
    if state is None:
        raise ThreadNotFoundError(_unknown(thread_id))
    pending = _waiting(state)
    if not pending:
        raise ApprovalStateError(f"thread {thread_id!r} has no tool call waiting for approval")
    if _expired(state, ttl_s):
        raise ApprovalExpiredError(
            f"the run of thread {thread_id!r} waited for approval longer than {ttl_s:g} s "
            "(AGENT_APPROVAL_TTL_S) and expired: ask again in the thread"
        )
    return resolve_decisions(pending, decisions)


def _expired(state: StateSnapshot, ttl_s: float) -> bool:
    if not ttl_s or not state.created_at:
        return False
    waited = datetime.now(UTC) - datetime.fromisoformat(state.created_at)
    return waited.total_seconds() > ttl_s


async def stream_agent(
    agent: CompiledStateGraph,
    settings: Settings,
    question: str,
    thread_id: str | None = None,
    *,
    tokens: bool = True,
    resume: dict[str, dict[str, Any]] | None = None,
    user: str | None = None,
    images: list[Image] | None = None,
) -> AsyncIterator[AgentEvent]:
    """Yield tool_call, tool_result and (if `tokens`) token events, an approval event if
    the run pauses, then one final event. With `resume` (decisions by call id, from
    `resume_decisions`), continue the paused thread instead of asking `question`. `user`
    owns the thread (another user's is ThreadNotFoundError) and the long-term memories
    the run may save and recall (memories.py). `images` go with the question, as
    LangChain's standard image blocks (images.py), and stay in the thread's history like
    its text."""
    user = user or DEFAULT_USER
    result = AgentResult(answer="", thread_id=thread_id or uuid.uuid4().hex)
    config: RunnableConfig = {
        "configurable": {"thread_id": result.thread_id, "user_id": user},
        # A safety net under the step limit: each step is a model and a tool superstep.
        "recursion_limit": 2 * settings.agent_max_steps + 4,
    }
    inputs: dict[str, Any] | Command
    if resume is not None:
        inputs = Command(resume=resume)
    else:
        if thread_id is not None and agent.checkpointer:
            state = await owned_state(agent, thread_id, user)
            if state is not None and _waiting(state):
                if not _expired(state, settings.agent_approval_ttl_s):
                    raise ApprovalStateError(
                        f"thread {thread_id!r} waits for a decision on a tool call: "
                        f"POST /agent/{thread_id}/resume first"
                    )
                await _close_expired(agent, config, state)
        asked = with_images(HumanMessage(question), images or [])
        inputs = {"messages": [asked], "steps": 0, "stopped": None, "user": user}
    modes = ["updates", "messages"] if tokens else ["updates"]
    # The thread is saved once, when the run ends, not after every step: a crash mid-run
    # loses only that run's steps, and a step costs ~2 ms less with the SQLite memory.
    # (An agent without memory, as the evals build it, has nothing to save.)
    durability = "exit" if agent.checkpointer else None
    calls: dict[str, ToolCallRecord] = {}
    if resume is not None:  # the paused calls, so their results are reported with their args
        for call in await pending_approvals(agent, result.thread_id, user):
            calls[call["id"]] = ToolCallRecord(call["id"], call["tool"], call["args"])
    stream = agent.astream(inputs, config, stream_mode=modes, durability=durability)
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
            if node == "__interrupt__":  # the tool node paused for decisions (approval.py)
                yield _paused(update, result)
                continue
            for event in _step_events(node, update or {}, result, calls):
                yield event
    yield AgentEvent.final(result)


def _paused(interrupts: tuple[Interrupt, ...], result: AgentResult) -> AgentEvent:
    result.status = "needs_approval"
    result.pending = [call for paused in interrupts for call in paused.value.get("pending", [])]
    return AgentEvent.approval(result)


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
            if all(other is not record for other in result.tool_calls):  # asked before a pause
                result.tool_calls.append(record)
            record.result, record.error = message.text, message.status == "error"
            yield AgentEvent.tool_result(record)
    if node == "stop":
        result.stopped = update.get("stopped")


async def _close_expired(
    agent: CompiledStateGraph, config: RunnableConfig, state: StateSnapshot
) -> None:
    """Answer the calls of an expired pause as not run, so the thread can go on."""
    text = "The tool calls waiting for approval expired (AGENT_APPROVAL_TTL_S) and did not run."
    closing = closing_messages(state.values["messages"][-1], text, "not run: the approval expired")
    await agent.aupdate_state(config, {"messages": closing}, as_node="stop")


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
    agent: CompiledStateGraph,
    settings: Settings,
    question: str,
    thread_id: str | None = None,
    *,
    resume: dict[str, dict[str, Any]] | None = None,
    user: str | None = None,
    images: list[Image] | None = None,
) -> AgentResult:
    """The whole run at once: the answer, every tool call with its result, steps, usage."""
    events = stream_agent(
        agent, settings, question, thread_id, tokens=False, resume=resume, user=user, images=images
    )
    async for event in events:
        if event.result is not None:
            return event.result
    raise RuntimeError("the agent stream ended without a final event")
