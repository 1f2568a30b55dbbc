"""The index behind one small interface, so the store is a setting, not a code change.

`RAG_STORE` names the module that implements it: `embedded` -> `embedded_store.py`
(SQLite + numpy, no server), `pgvector` -> `pgvector_store.py` (PostgreSQL). A store
replaces a source's chunks in one transaction, so a crash or a bad file never leaves a
document half-indexed.

A store whose server cannot be reached raises `StoreUnavailableError`, on any call: the
API answers it with 503, the CLI with one line, and the retriever tries to open the store
again on its next use, so the app recovers once the server is back.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..settings import Settings
from ..unavailable import ServiceUnavailableError
from .chunking import Chunk

#: Equality on metadata keys, e.g. `{"source": "docs/faq.md"}`; all must hold.
Filter = Mapping[str, str | int]


def parse_filter(items: Sequence[str]) -> dict[str, str | int]:
    """`["source:docs/faq.md", "page:3"]` -> a `Filter`; digits become ints, as stored.

    The form `GET /search?filter=` and `app search --filter` share; a bad item raises
    `ValueError` naming it.
    """
    where: dict[str, str | int] = {}
    for item in items:
        key, sep, value = item.partition(":")
        if not sep or not key.isidentifier():
            raise ValueError(f"filter {item!r} is not key:value (e.g. source:docs/faq.md)")
        where[key] = int(value) if value.isdigit() else value
    return where


def informative(words: list[str], shares: Mapping[str, float]) -> list[str]:
    """The query words found in at most half the chunks (`shares`: word -> share of the
    chunks holding it), or all of them when none is.

    Both stores search with these only: a word in most chunks ranks nothing (BM25 gives
    it no weight, `ts_rank` would favour chunks repeating it) while scoring it means
    reading most of the index.
    """
    return [w for w in words if shares.get(w, 0.0) <= 0.5] or words


class EmbeddingMismatchError(RuntimeError):
    """The store holds vectors of another embedding; mixing them would give nonsense."""


class StoreUnavailableError(ServiceUnavailableError):
    """The store's server (PostgreSQL) cannot be reached; the message says what to do."""


@dataclass(frozen=True)
class Hit:
    """One search result: the chunk, its score (higher is better) and its rank (from 1)."""

    chunk: Chunk
    score: float
    rank: int = 0

    @property
    def key(self) -> tuple[str, int]:
        return self.chunk.source, int(self.chunk.metadata.get("chunk", 0))


class Store(Protocol):
    def replace(
        self, source: str, digest: str, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> None:
        """Make `chunks` the only chunks of `source`, atomically; record its content hash."""

    def delete(self, source: str) -> int:
        """Remove a source and its chunks; return how many chunks went."""

    def sources(self) -> dict[str, str]:
        """Every indexed source and the content hash it was indexed with."""

    def search(self, vector: np.ndarray, k: int, where: Filter | None = None) -> list[Hit]:
        """The `k` chunks nearest to `vector` by cosine similarity."""

    def keyword_search(self, query: str, k: int, where: Filter | None = None) -> list[Hit]:
        """The `k` chunks that best match the query's words."""

    def count(self) -> int: ...

    def recorded_embedding(self) -> str:
        """The embedding its vectors come from, as `name/dimensions`."""

    def reembed(
        self,
        embedding: str,
        dimensions: int,
        embed_texts: Callable[[list[str]], np.ndarray],
        batch_size: int = 256,
        on_batch: Callable[[int], None] = lambda done: None,
    ) -> int:
        """Replace every vector with one of `embedding`, built aside, swapped atomically."""

    def close(self) -> None: ...


def open_store(
    settings: Settings, embedding: str, dimensions: int, *, as_recorded: bool = False
) -> Store:
    """The store `RAG_STORE` names, for vectors of `embedding` with `dimensions` floats;
    `as_recorded`: for the vectors it holds, whatever embedding made them (to re-embed)."""
    module: Any = importlib.import_module(f".{settings.rag_store}_store", __package__)
    return module.connect(
        settings, embedding=embedding, dimensions=dimensions, as_recorded=as_recorded
    )
