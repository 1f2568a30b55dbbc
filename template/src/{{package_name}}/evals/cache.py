"""A cache of model answers for evals, so re-running after changing only an assertion
costs no model call. It plugs into LangChain's own cache hook (`model.cache`), keyed on
the messages and the model's parameters; one SQLite file, `.data/eval-cache.sqlite`.

`--repeat N` asks each case N times to measure how often it passes; `for_repeat(n)` keys
repeat n apart, so repeats stay independent samples while a re-run still reuses them.

(LangChain ships a SQLite cache only in the sunset `langchain-community` package.)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.messages import message_to_dict, messages_from_dict
from langchain_core.outputs import ChatGeneration, Generation


class SQLiteCache(BaseCache):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers "
            "(prompt TEXT, llm TEXT, value TEXT, PRIMARY KEY (prompt, llm))"
        )
        self.hits = 0

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM answers WHERE prompt = ? AND llm = ?", (prompt, llm_string)
            ).fetchone()
        if row is None:
            return None
        self.hits += 1
        messages = messages_from_dict(json.loads(row[0]))
        return [ChatGeneration(message=message) for message in messages]

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                (prompt, llm_string, json.dumps(_messages(return_val))),
            )

    def clear(self, **kwargs: Any) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM answers")

    def for_repeat(self, repeat: int) -> BaseCache:
        """This cache for repeat `repeat` of a case (the first repeat is the plain cache)."""
        return self if repeat == 0 else _Repeat(self, repeat)


class _Repeat(BaseCache):
    """The same table, with the repeat number in the model part of the key."""

    def __init__(self, cache: SQLiteCache, repeat: int) -> None:
        self._cache = cache
        self._tag = f"repeat={repeat};"

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        return self._cache.lookup(prompt, self._tag + llm_string)

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        self._cache.update(prompt, self._tag + llm_string, return_val)

    def clear(self, **kwargs: Any) -> None:
        self._cache.clear()


def _messages(generations: Sequence[Generation]) -> list[dict[str, Any]]:
    """Chat answers as LangChain's stable message dicts (the cache holds chat models only)."""
    return [message_to_dict(g.message) for g in generations if isinstance(g, ChatGeneration)]
