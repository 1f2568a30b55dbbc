"""A cache of model answers for identical requests, behind LangChain's own cache hook.

A chat model with `cache=ResponseCache(...)` looks every call up first, keyed on the
messages (LangChain's serialisation) and the model's parameters (its `llm_string`:
provider class, model name, temperature, max tokens...), so a change of any of them
is a miss. A hit costs a SQLite read and no model call (no tokens, no rate-limit
slot); entries older than the TTL are misses, and are deleted every `PRUNE_EVERY` writes.

Only deterministic calls should be cached: `models.py` attaches the cache when the
temperature is 0 (or the provider is the offline fake), unless RESPONSE_CACHE_ANY_TEMPERATURE
forces it. Streaming (`astream`) never reads the cache: LangChain checks it in
`invoke`/`ainvoke` only. Each lookup marks the current trace span `llm.cache.hit`.

A hit costs nothing, so tracing and budgets must not price it as a model call. The
lookup runs inside the model's run but before its span has the reply, and the model's
span is not the current OpenTelemetry span (the tracing handler keeps it off the
context), so the hit travels with the reply instead: `answered_from_cache` tells the
tracing handler, which records cost 0 and `llm.cache.hit` on the model call's span (and
adds nothing to the budget).

The key leaves out the token usage that earlier answers in the messages carry: the
model never reads it, and LangChain adds `total_cost: 0` to the usage of an answer it
took from the cache, so an agent's second step (whose messages hold the first step's
answer) would otherwise never hit when the first one did.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.messages import message_to_dict, messages_from_dict
from langchain_core.outputs import ChatGeneration, Generation
from opentelemetry import trace

#: The span attribute a lookup sets: true on a hit, false on a miss.
CACHE_HIT_ATTRIBUTE = "llm.cache.hit"
#: Every this many writes, answers past their TTL are deleted: replaced only when the
#: same request came again, they would pile up with every new question.
PRUNE_EVERY = 1_000


class ResponseCache(BaseCache):
    """One SQLite file, safe to share between threads; `ttl_s=None` keeps answers forever."""

    def __init__(
        self, path: Path, ttl_s: float | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        # The app never closes its cache explicitly: closed when the cache is collected
        # (an app in a test), or by `close()`.
        self._close = weakref.finalize(self, self._db.close)
        self._db.execute("PRAGMA journal_mode=WAL")  # several workers may share the file
        # No disk flush per answer (FULL's default): 0.3 -> 0.03 ms a write. In WAL mode the
        # file stays consistent; a power cut may lose the last answers, which a cache can.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (prompt TEXT, llm TEXT, value TEXT,"
            " created REAL, PRIMARY KEY (prompt, llm))"
        )
        # The pruning DELETE (every PRUNE_EVERY writes) finds old rows by index, not by a
        # scan: a lookup on the event loop may be waiting for it (`_lock`).
        self._db.execute("CREATE INDEX IF NOT EXISTS responses_by_age ON responses (created)")
        self.hits = 0
        self.misses = 0
        self._writes = 0

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value, created FROM responses WHERE prompt = ? AND llm = ?",
                (request_key(prompt), llm_string),
            ).fetchone()
        fresh = row is not None and (self.ttl_s is None or self._clock() - row[1] < self.ttl_s)
        trace.get_current_span().set_attribute(CACHE_HIT_ATTRIBUTE, fresh)
        if not fresh:
            self.misses += 1
            return None
        self.hits += 1
        hit = {CACHE_HIT_ATTRIBUTE: True}
        messages = messages_from_dict(json.loads(row[0]))
        return [ChatGeneration(message=m, generation_info=hit) for m in messages]

    async def alookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        """On the event loop, not in a thread as LangChain's default does: a read by primary
        key costs ~15 µs, the hand-off ~150 µs, which made a hit cost more CPU than a call to
        the fake model. In WAL mode a reader never waits for SQLite's writers, only for
        this process's own write in progress (`_lock`: one INSERT, and every PRUNE_EVERY
        writes an indexed DELETE of expired rows). Writes stay in a thread.
        """
        return self.lookup(prompt, llm_string)

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        messages = [message_to_dict(g.message) for g in return_val if isinstance(g, ChatGeneration)]
        now = self._clock()
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)",
                (request_key(prompt), llm_string, json.dumps(messages), now),
            )
            self._writes += 1
            if self.ttl_s is not None and self._writes % PRUNE_EVERY == 0:
                self._db.execute("DELETE FROM responses WHERE created < ?", (now - self.ttl_s,))

    def clear(self, **kwargs: Any) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM responses")

    def close(self) -> None:
        with self._lock:
            self._close()


def answered_from_cache(generation: Any) -> bool:
    """Whether LangChain took this reply from a cache instead of calling the model.

    `ResponseCache` marks its replies (`generation_info`); a reply from any other
    LangChain cache carries the `total_cost: 0` LangChain adds to a cached answer's usage
    (`BaseChatModel._convert_cached_generations`). A model's own reply has neither.
    """
    info = getattr(generation, "generation_info", None)
    if info and info.get(CACHE_HIT_ATTRIBUTE) is True:
        return True
    usage = getattr(getattr(generation, "message", None), "usage_metadata", None)
    return bool(usage) and usage.get("total_cost", None) == 0


def request_key(prompt: str) -> str:
    """LangChain's serialised messages without the `usage_metadata` of earlier answers."""
    if '"usage_metadata"' not in prompt:
        return prompt
    messages = json.loads(prompt)
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and isinstance(message.get("kwargs"), dict):
            message["kwargs"].pop("usage_metadata", None)
    return json.dumps(messages)
