"""What the agent remembers between steps, and (through the checkpointer) between requests."""

from __future__ import annotations

from typing import Annotated, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class AgentState(TypedDict):
    #: The whole conversation of this thread; `add_messages` appends rather than replaces.
    messages: Annotated[list[AnyMessage], add_messages]
    #: Model calls in the current run; each request starts it again at 0.
    steps: int
    #: Why the run ended early ("step_limit" or "timeout"), or None when it answered.
    stopped: str | None
    #: Who the thread belongs to (the run's user): no one else may continue or resume it.
    user: str
