"""Semantic search for the SQLite memory store: vectors kept in the values, ranked here.

LangGraph's SQLite store has a vector index of its own, on the sqlite-vec extension, but
Python loads SQLite extensions only when it was built to (`enable_load_extension`):
pyenv's default builds and macOS' system Python are not, and the store then fails as it
opens. So the SQLite store is wrapped: each saved value gets its text's vector under
`_vector`, and a search with a query ranks the namespace's items by cosine similarity.
A user has at most a few hundred memories, which is little arithmetic (docs/agent.md).
PostgreSQL (pgvector) and the in-process store index the vectors themselves.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.embeddings import Embeddings
from langgraph.store.base import BaseStore, Item, Op, PutOp, Result, SearchItem, SearchOp

VECTOR = "_vector"
#: Most items of one namespace a query ranks (a user's memories; memories.MAX_LISTED).
MAX_RANKED = 1000


class VectorsInValues(BaseStore):
    """`store` with `asearch(namespace, query=...)` ranked by `embeddings` of `field`."""

    def __init__(self, store: BaseStore, embeddings: Embeddings, field: str = "text") -> None:
        self.store, self.embeddings, self.field = store, embeddings, field

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        puts = [op for op in ops if isinstance(op, PutOp) and op.value is not None]
        texts = [str(op.value.get(self.field, "")) for op in puts if op.value is not None]
        vectors = await self.embeddings.aembed_documents(texts) if texts else []
        with_vectors = {id(op): vector for op, vector in zip(puts, vectors, strict=True)}
        inner = [self._inner(op, with_vectors.get(id(op))) for op in ops]
        results = await self.store.abatch(inner)
        return [await self._outer(op, result) for op, result in zip(ops, results, strict=True)]

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        raise NotImplementedError("the memory store is used from async code only")

    def _inner(self, op: Op, vector: list[float] | None) -> Op:
        if isinstance(op, PutOp) and op.value is not None and vector is not None:
            return op._replace(value={**op.value, VECTOR: vector})
        if isinstance(op, SearchOp) and op.query:  # every item, ranked below
            return op._replace(query=None, limit=MAX_RANKED, offset=0)
        return op

    async def _outer(self, op: Op, result: Result) -> Result:
        if isinstance(result, Item):  # a get
            value = _without_vector(result.value)
            return Item(
                value=value,
                key=result.key,
                namespace=result.namespace,
                created_at=result.created_at,
                updated_at=result.updated_at,
            )
        if not isinstance(op, SearchOp) or not isinstance(result, list):
            return result
        if not op.query:
            return [_scored(item, None) for item in result]
        wanted = await self.embeddings.aembed_query(op.query)
        scored = []
        for item in result:
            vector = item.value.get(VECTOR)
            if not isinstance(vector, list) or len(vector) != len(wanted):  # another embedding
                vector = await self.embeddings.aembed_query(str(item.value.get(self.field, "")))
            scored.append(_scored(item, cosine(wanted, vector)))
        scored.sort(key=lambda item: item.score or 0.0, reverse=True)
        return scored[op.offset : op.offset + op.limit]


def _without_vector(value: dict[str, Any]) -> dict[str, Any]:
    return {name: field for name, field in value.items() if name != VECTOR}


def _scored(item: Item, score: float | None) -> SearchItem:
    value = _without_vector(item.value)
    return SearchItem(item.namespace, item.key, value, item.created_at, item.updated_at, score)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(map(operator.mul, a, b)) / norms if norms else 0.0
