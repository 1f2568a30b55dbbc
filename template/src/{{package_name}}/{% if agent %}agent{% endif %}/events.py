"""What a run reports: one event per step, and the result the final event carries.

Events are plain data so each caller renders them its own way: the API as Server-Sent
Events (`event.kind` and `event.data` as JSON), the CLI as one line per step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..chat import Usage
from ..wording import plural

EventKind = Literal["token", "tool_call", "tool_result", "approval", "final"]


@dataclass
class ToolCallRecord:
    id: str
    name: str
    #: A dict as the model sent it; the raw text when it was not valid JSON.
    args: dict[str, Any] | str
    result: str | None = None
    error: bool = False


@dataclass
class AgentResult:
    answer: str
    thread_id: str
    #: Model calls in this run (each may have asked for tools).
    steps: int = 0
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    #: "step_limit" or "timeout" when the run was cut short (the answer says so too).
    stopped: str | None = None
    #: "needs_approval" when the run paused for a person's decision (approval.py).
    status: Literal["done", "needs_approval"] = "done"
    #: The calls waiting for a decision: `{"id", "tool", "args"}` each.
    pending: list[dict[str, Any]] = field(default_factory=list)

    def add_usage(self, usage: Usage) -> None:
        self.usage = Usage(
            self.usage.input_tokens + usage.input_tokens,
            self.usage.output_tokens + usage.output_tokens,
        )

    def to_dict(self) -> dict[str, Any]:
        usage = asdict(self.usage) | {"total_tokens": self.usage.total_tokens}
        return asdict(self) | {"usage": usage}


@dataclass(frozen=True)
class AgentEvent:
    kind: EventKind
    data: dict[str, Any]
    #: Set on the "final" event only.
    result: AgentResult | None = None

    @classmethod
    def tool_call(cls, record: ToolCallRecord) -> AgentEvent:
        return cls("tool_call", {"id": record.id, "name": record.name, "args": record.args})

    @classmethod
    def tool_result(cls, record: ToolCallRecord) -> AgentEvent:
        data = {
            "id": record.id,
            "name": record.name,
            "result": record.result,
            "error": record.error,
        }
        return cls("tool_result", data)

    @classmethod
    def approval(cls, result: AgentResult) -> AgentEvent:
        return cls("approval", {"thread_id": result.thread_id, "pending": result.pending})

    @classmethod
    def final(cls, result: AgentResult) -> AgentEvent:
        return cls("final", result.to_dict(), result)


def describe(event: AgentEvent) -> str:
    """One line per step, for people (the CLI)."""
    data = event.data
    if event.kind == "tool_call":
        return f"-> {data['name']}({data['args']})"
    if event.kind == "tool_result":
        return f"<- {data['name']}: {data['result']}"
    if event.kind == "approval":
        calls = ", ".join(f"{call['tool']}({call['args']})" for call in data["pending"])
        return f"?? waiting for approval: {calls}"
    if event.kind == "final":
        tokens, steps = data["usage"]["total_tokens"], data["steps"]
        counts = f"{plural(steps, 'step')}, {plural(tokens, 'token')}"
        return f"{data['answer']}\n({counts}, thread {data['thread_id']})"
    return data.get("text", "")
