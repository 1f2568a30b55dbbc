"""`file_ticket`: the example of a tool with a side effect, so one that requires approval.

It files a ticket into a local SQLite table (AGENT_TICKETS_PATH, under `.data/`), which
stands in for what such a tool does in a real app (open an issue, send an e-mail, make a
refund). The read-only tools (tools.py) run as the model asks; this one waits for a
person's decision (approval.py), and never runs without it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from langchain_core.tools import BaseTool, StructuredTool

from .approval import requires_approval

_SCHEMA = """CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
)"""


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(_SCHEMA)
    return connection


def add_ticket(path: Path, title: str, body: str) -> int:
    """Store one ticket; returns its number."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with closing(_connect(path)) as connection, connection:
        cursor = connection.execute(
            "INSERT INTO tickets (title, body, created_at) VALUES (?, ?, ?)", (title, body, now)
        )
        return int(cursor.lastrowid or 0)


def list_tickets(path: Path) -> list[dict[str, object]]:
    """Every ticket filed, oldest first (for people and tests; the agent cannot read them)."""
    if not path.exists():
        return []
    with closing(_connect(path)) as connection:
        rows = connection.execute("SELECT id, title, body, created_at FROM tickets ORDER BY id")
        return [dict(zip(("id", "title", "body", "created_at"), row, strict=True)) for row in rows]


def ticket_tool(path: Path) -> BaseTool:
    """The `file_ticket` tool, writing to `path`; it requires approval."""

    def file_ticket(title: str, body: str = "") -> str:
        """File a support ticket with a short title and a description of the problem.

        Use it when the user asks to report, file or open a ticket. A person approves
        each ticket before it is filed.
        """
        if not title.strip():
            raise ValueError("a ticket needs a title")
        return f"filed ticket #{add_ticket(path, title.strip(), body.strip())}: {title.strip()}"

    return requires_approval(StructuredTool.from_function(file_ticket))
