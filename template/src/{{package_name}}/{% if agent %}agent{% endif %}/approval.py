"""Human in the loop: tool calls that wait for a person's yes, edit or no before they run.

A tool requires approval when it is marked (`requires_approval`, as `file_ticket` in
tickets.py is) or named in AGENT_APPROVAL_TOOLS (any tool, the MCP ones included). When
the model asks for such a call, the tool node stops the run with a LangGraph `interrupt`
*before any tool of that step runs*; the checkpointer keeps the thread as it is, and
`POST /agent/{thread_id}/resume` (or `app agent` on a terminal) continues it with one
decision per pending call:

    approve          run the call as the model asked
    edit  + args     run it with these arguments instead
    reject + reason  do not run it; the model reads the reason and carries on

Nothing runs the tool on the way to the pause, so a tool that requires approval never
runs without one (evals can assert it: `never_ran_without_approval`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.tools import BaseTool
from langgraph.types import interrupt

Action = Literal["approve", "edit", "reject"]
ACTIONS: tuple[Action, ...] = ("approve", "edit", "reject")
#: The metadata key that marks a tool as requiring approval.
MARKER = "requires_approval"


def requires_approval(tool: BaseTool) -> BaseTool:
    """Mark `tool` so that every call of it waits for a person's decision."""
    tool.metadata = {**(tool.metadata or {}), MARKER: True}
    return tool


def needs_approval(tool: BaseTool, named: Collection[str] = ()) -> bool:
    """Marked in code, or named in the AGENT_APPROVAL_TOOLS setting."""
    return bool((tool.metadata or {}).get(MARKER)) or tool.name in named


@dataclass(frozen=True)
class Decision:
    action: Action
    #: The arguments to run with instead (edit).
    args: dict[str, Any] | None = None
    #: Why not (reject): the model reads it.
    reason: str | None = None


class DecisionError(ValueError):
    """The decisions do not fit the pending calls (a 422 for the API)."""


def pending_call(call: Mapping[str, Any]) -> dict[str, Any]:
    """A call as the API, the stream and the CLI show it: `{"id", "tool", "args"}`."""
    return {"id": call["id"] or "", "tool": call["name"] or "", "args": call["args"]}


def ask_for_decisions(calls: list[dict[str, Any]]) -> dict[str, Decision]:
    """Pause the run until every call has a decision; returns them by call id.

    LangGraph runs the node again from the start on resume, and `interrupt` then returns
    the value the resume sent (a dict: call id -> decision), so this must come before
    anything the node does that should happen once.
    """
    answer = interrupt({"pending": [pending_call(call) for call in calls]})
    decisions = {}
    for call in calls:
        given = answer.get(call["id"]) if isinstance(answer, dict) else None
        if given is None:  # cannot happen through `resolve_decisions`; refuse rather than run
            decisions[call["id"]] = Decision("reject", reason="no decision was given")
        else:
            decisions[call["id"]] = Decision(**given)
    return decisions


def resolve_decisions(
    pending: list[dict[str, Any]], decisions: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """One decision per pending call, checked: what `Command(resume=...)` sends.

    A decision with an `id` is for that call; one without is for every call that has no
    decision of its own (`{"action": "approve"}` approves them all).
    """
    ids = [call["id"] for call in pending]
    by_id: dict[str, dict[str, Any]] = {}
    for_all: dict[str, Any] | None = None
    for given in decisions:
        decision = {
            "action": given.get("action"),
            "args": given.get("args"),
            "reason": given.get("reason"),
        }
        if decision["action"] not in ACTIONS:
            raise DecisionError(f"action must be one of {', '.join(ACTIONS)}")
        if decision["action"] == "edit" and not isinstance(decision["args"], dict):
            raise DecisionError("an edit needs `args`: the arguments to run the tool with")
        call_id = given.get("id")
        if call_id is None:
            for_all = decision
        elif call_id not in ids:
            raise DecisionError(f"no pending call has the id {call_id!r}; pending: {ids}")
        else:
            by_id[call_id] = decision
    missing = [call_id for call_id in ids if call_id not in by_id and for_all is None]
    if missing:
        raise DecisionError(f"no decision for the pending call(s) {missing}")
    return {call_id: by_id.get(call_id) or dict(for_all or {}) for call_id in ids}


def rejection_text(reason: str | None) -> str:
    """The tool message the model reads instead of a result."""
    return "not run: the user rejected this call" + (f": {reason}" if reason else "")
