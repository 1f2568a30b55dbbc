"""Long-term memory: facts about a user that outlive a thread, on LangGraph's store.

Conversation memory (memory.py) is one thread's messages; this is what the agent keeps
about a *user* across threads. Each user has a namespace of their own in the store,
`("memories", user)`, and every read, write and delete names it: the code has no way to
ask for another user's memories. SQLite by default (AGENT_MEMORY_PATH, under `.data/`);
`:memory:` keeps them in the process only (the tests); PostgreSQL (LangGraph's
PostgresStore) when DATABASE_URL is set.

Saving and recalling are two tools, `remember` and `recall`, rather than a step after
every turn: the model decides when a fact is worth keeping (a post-turn step would cost
a model call per turn to decide the same), and each save or recall is a tool call like
any other, so it shows in the trace (a tool span), in the stream and in the
playground's steps. The user comes from the run's config (`user_id`), which the API sets
from the checked API key and the CLI from `--user`; the model cannot choose it.

Recall is a semantic search of the user's memories: the store embeds each memory's text
as it is saved and the query as it is asked, and ranks by cosine similarity, with the
embedding the app gives it (its RAG embedding, or hashed words without RAG: see where
the app opens the store). PostgreSQL indexes the vectors with pgvector, the in-process
store in memory, and SQLite keeps them beside the text (memory_search.py says why).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.store.base import BaseStore, IndexConfig
from langgraph.store.memory import InMemoryStore

from ..settings import Settings
from .memory_postgres import PostgresMemories
from .memory_search import VectorsInValues

IN_MEMORY = ":memory:"
#: The user of a run with no API key and no `user` given.
DEFAULT_USER = "default"
#: Most memories a user can have listed or searched at once.
MAX_LISTED = 1000
RECALLED = 5


@asynccontextmanager
async def open_memory_store(
    settings: Settings, embeddings: Embeddings | None = None
) -> AsyncIterator[BaseStore]:
    """Open the memory store for as long as the app (or command) runs: PostgreSQL when
    DATABASE_URL is set, else AGENT_MEMORY_PATH. With `embeddings`, recall searches by
    them; without (listing and forgetting need none), a search lists."""
    url = memories_database_url(settings)
    if url is not None:
        store = PostgresMemories(url, await _index(embeddings) if embeddings else None)
        try:
            yield store
        finally:
            await store.aclose()
        return
    if settings.agent_memory_path == IN_MEMORY:
        yield InMemoryStore(index=await _index(embeddings) if embeddings else None)
        return
    from langgraph.store.sqlite.aio import AsyncSqliteStore

    path = Path(settings.agent_memory_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteStore.from_conn_string(str(path)) as store:
        await store.setup()
        yield store if embeddings is None else VectorsInValues(store, embeddings)


def memories_database_url(settings: Settings) -> str | None:
    """DATABASE_URL when it was set (environment, `.env` or in code), not its default."""
    if "database_url" not in settings.model_fields_set or settings.database_url is None:
        return None
    return settings.database_url.get_secret_value()


async def _index(embeddings: Embeddings) -> IndexConfig:
    """What the store embeds (a memory's text) and how long the vectors are."""
    dimensions = getattr(embeddings, "dimensions", None)
    if not isinstance(dimensions, int):
        dimensions = len(await embeddings.aembed_query("dimensions"))
    return {"dims": dimensions, "embed": embeddings, "fields": ["text"]}


@dataclass(frozen=True)
class Memory:
    id: str
    text: str
    created_at: str


def namespace(user: str) -> tuple[str, str]:
    return ("memories", user)


class UserMemories:
    """One user's memories: the only way this app reads or writes the store."""

    def __init__(self, store: BaseStore, user: str) -> None:
        self.store, self.user = store, user or DEFAULT_USER

    async def save(self, text: str) -> Memory:
        key = uuid.uuid4().hex
        await self.store.aput(namespace(self.user), key, {"text": text})
        item = await self.store.aget(namespace(self.user), key)
        return Memory(key, text, item.created_at.isoformat() if item else "")

    async def list(self) -> list[Memory]:
        items = await self.store.asearch(namespace(self.user), limit=MAX_LISTED)
        memories = [
            Memory(item.key, str(item.value.get("text", "")), item.created_at.isoformat())
            for item in items
        ]
        return sorted(memories, key=lambda memory: memory.created_at, reverse=True)

    async def forget(self, memory_id: str) -> bool:
        """Delete one memory; False when this user has none with that id."""
        if await self.store.aget(namespace(self.user), memory_id) is None:
            return False
        await self.store.adelete(namespace(self.user), memory_id)
        return True

    async def recall(self, query: str, limit: int = RECALLED) -> list[Memory]:
        """The memories nearest to `query` by the store's embedding, nearest first."""
        items = await self.store.asearch(namespace(self.user), query=query, limit=limit)
        return [
            Memory(item.key, str(item.value.get("text", "")), item.created_at.isoformat())
            for item in items
        ]


def user_of(config: RunnableConfig) -> str:
    return str(config.get("configurable", {}).get("user_id") or DEFAULT_USER)


def memory_tools(store: BaseStore) -> list[BaseTool]:
    """`remember` and `recall`, each on the store, for the run's user."""

    async def remember(fact: str, config: RunnableConfig) -> str:
        """Save a fact about the user for later conversations (preferences, names,
        details they ask you to remember). One short sentence per fact."""
        if not fact.strip():
            raise ValueError("nothing to remember: the fact is empty")
        memory = await UserMemories(store, user_of(config)).save(fact.strip())
        return f"remembered (id {memory.id}): {memory.text}"

    async def recall(query: str, config: RunnableConfig) -> str:
        """Look up what you saved about the user in earlier conversations. Use it when
        the question depends on the user's preferences or on facts they told you."""
        found = await UserMemories(store, user_of(config)).recall(query)
        return "\n".join(f"- {memory.text}" for memory in found) or "nothing remembered yet"

    return [
        StructuredTool.from_function(coroutine=remember, name="remember"),
        StructuredTool.from_function(coroutine=recall, name="recall"),
    ]
