"""The long-term memories on PostgreSQL (DATABASE_URL): LangGraph's PostgresStore, held
the way the RAG store's connection is, so that a database that is down is a 503 (a tool
error in a run) and never stops the app from starting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import AsyncExitStack

from langgraph.store.base import BaseStore, IndexConfig, Op, Result

from ..unavailable import ServiceUnavailableError


class MemoryStoreUnavailableError(ServiceUnavailableError):
    """The memories' PostgreSQL (DATABASE_URL) cannot be reached: a 503 on /memories, one
    line in the CLI, a tool error the model reads in a run."""


class PostgresMemories(BaseStore):
    """LangGraph's AsyncPostgresStore, connected on first use and again after a failure,
    as the RAG store is: the app starts with the database down and recovers once it is
    up, with no restart. Its tables (`store`, and `store_vectors` on pgvector with an
    embedding) are made on first use."""

    def __init__(self, url: str, index: IndexConfig | None) -> None:
        self.url, self.index = url, index
        self._opened: tuple[AsyncExitStack, BaseStore] | None = None
        self._lock = asyncio.Lock()

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        import psycopg

        store = await self._store()
        try:
            return await store.abatch(ops)
        except psycopg.OperationalError as error:  # the connection died: a new one next time
            await self.aclose()
            raise _unavailable(error) from error

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        raise NotImplementedError("the memory store is used from async code only")

    async def _store(self) -> BaseStore:
        import psycopg
        from langgraph.store.postgres.aio import AsyncPostgresStore

        async with self._lock:
            if self._opened is None:
                resources = AsyncExitStack()
                try:
                    opened = AsyncPostgresStore.from_conn_string(self.url, index=self.index)
                    store = await resources.enter_async_context(opened)
                    await store.setup()
                except psycopg.OperationalError as error:
                    await resources.aclose()
                    raise _unavailable(error) from error
                self._opened = (resources, store)
            return self._opened[1]

    async def aclose(self) -> None:
        opened, self._opened = self._opened, None
        if opened is not None:
            await opened[0].aclose()


def _unavailable(error: Exception) -> MemoryStoreUnavailableError:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return MemoryStoreUnavailableError(
        f"the agent memories' PostgreSQL is unavailable ({message}); check DATABASE_URL"
    )
