"""The agent: a LangGraph loop of model and tools, with memory and limits.

Compare with `chat.py`, a chain: there the code fixes the path (one model call); here
the model chooses it, step by step, by asking for tools until it can answer.

    graph.py   the loop (model node, tool node, step limit)   tools.py   what it can call
    state.py   what a thread remembers                         memory.py  where threads are kept
    run.py     one run: events, result, time limit             events.py  what a run reports
    approval.py  calls that wait for a person                  tickets.py an example of one
    memories.py  what it keeps about a user, across threads (memory_search.py: recall on
                 SQLite; memory_postgres.py: the memories on PostgreSQL)
"""

from .approval import DecisionError, requires_approval
from .events import AgentEvent, AgentResult, ToolCallRecord, describe
from .graph import build_agent
from .memories import UserMemories, memory_tools, open_memory_store
from .memory import open_checkpointer
from .memory_postgres import MemoryStoreUnavailableError
from .run import (
    ApprovalExpiredError,
    ApprovalStateError,
    ThreadNotFoundError,
    owned_state,
    pending_approvals,
    resume_decisions,
    run_agent,
    stream_agent,
)
from .tickets import ticket_tool
from .tools import TOOLS

__all__ = [
    "TOOLS",
    "AgentEvent",
    "AgentResult",
    "ApprovalExpiredError",
    "ApprovalStateError",
    "DecisionError",
    "MemoryStoreUnavailableError",
    "ThreadNotFoundError",
    "ToolCallRecord",
    "UserMemories",
    "build_agent",
    "describe",
    "memory_tools",
    "open_checkpointer",
    "open_memory_store",
    "owned_state",
    "pending_approvals",
    "requires_approval",
    "resume_decisions",
    "run_agent",
    "stream_agent",
    "ticket_tool",
]
