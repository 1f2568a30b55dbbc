"""The agent: a LangGraph loop of model and tools, with memory and limits.

Compare with `chat.py`, a chain: there the code fixes the path (one model call); here
the model chooses it, step by step, by asking for tools until it can answer.

    graph.py   the loop (model node, tool node, step limit)   tools.py   what it can call
    state.py   what a thread remembers                         memory.py  where threads are kept
    run.py     one run: events, result, time limit             events.py  what a run reports
"""

from .events import AgentEvent, AgentResult, ToolCallRecord, describe
from .graph import build_agent
from .memory import open_checkpointer
from .run import run_agent, stream_agent
from .tools import TOOLS

__all__ = [
    "TOOLS",
    "AgentEvent",
    "AgentResult",
    "ToolCallRecord",
    "build_agent",
    "describe",
    "open_checkpointer",
    "run_agent",
    "stream_agent",
]
