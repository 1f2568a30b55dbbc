"""The local trace store's one table, shared by the writer (`store.py`, spans in) and
the reader (`query.py`, under `app traces`, the HTML report and the playground's traces
page).

One row per finished span. The columns that reports sort and filter on are real columns;
everything else a span carries (the OpenTelemetry GenAI attributes, prompt hash, ...) is in
`attributes`, a JSON object, so a new attribute needs no migration.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    span_id TEXT PRIMARY KEY,        -- 16 hex digits
    trace_id TEXT NOT NULL,          -- 32 hex digits
    parent_id TEXT,                  -- NULL for a trace's root span
    name TEXT NOT NULL,              -- e.g. "POST /chat", "chat gpt-4.1-mini"
    kind TEXT NOT NULL,              -- request | llm | retrieval | tool | agent | chain
    start_ns INTEGER NOT NULL,       -- Unix epoch, nanoseconds
    end_ns INTEGER NOT NULL,
    status TEXT NOT NULL,            -- ok | error
    error_type TEXT,
    error_message TEXT,
    model TEXT,                      -- gen_ai.response.model, else gen_ai.request.model
    prompt_name TEXT,
    prompt_version TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost_usd REAL,                   -- NULL when the model's price is unknown
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_id);
CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns);
"""


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create) the store in WAL mode, so readers never block the writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(SCHEMA)
    return connection


def check_store(path: Path) -> None:
    """Open the store and read it, as the exporter will; raises if it cannot (readiness).

    A store that cannot be opened (a read-only or full volume, a folder that is a file)
    loses every span, silently: the exporter only logs it.
    """
    connection = connect(path)
    try:
        connection.execute("SELECT 1 FROM spans LIMIT 1").fetchall()
    finally:
        connection.close()
