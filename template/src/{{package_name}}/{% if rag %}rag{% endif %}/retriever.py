"""Query -> ranked chunks: vector, keyword (BM25) or hybrid search over the store.

Hybrid fuses the two rankings with reciprocal rank fusion (each chunk scores
sum(1 / (60 + rank)) over the lists it appears in): it needs no score calibration
between cosine and BM25, and it keeps a chunk that either method ranks high. It is the
default because it is never much worse than the better of the two and often better
(the tests measure it on the sample QA set).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Literal

from langchain_core.embeddings import Embeddings

from ..settings import Settings
from ..tracing.callbacks import retrieval_span
from .embeddings import build_embeddings, describe, embed_query, embedding_name
from .reembed import dimensions_of
from .rerank import Reranker, build_reranker
from .store import Filter, Hit, Store, open_store

logger = logging.getLogger(__name__)
SearchMode = Literal["vector", "keyword", "hybrid"]
RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
    scores: dict[tuple[str, int], float] = {}
    first: dict[tuple[str, int], Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, 1):
            scores[hit.key] = scores.get(hit.key, 0.0) + 1.0 / (RRF_K + rank)
            first.setdefault(hit.key, hit)
    best = sorted(scores, key=lambda key: -scores[key])[:k]
    return [Hit(first[key].chunk, scores[key], rank) for rank, key in enumerate(best, 1)]


class Retriever:
    """The embeddings and the store together; the store is opened on first use.

    Opening lazily keeps app start-up free of I/O, and lets a provider's embedding
    model tell its dimensions by embedding once, when it is first needed anyway.
    """

    def __init__(
        self, settings: Settings, embeddings: Embeddings, reranker: Reranker | None = None
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        #: Re-orders the search's first candidates (RAG_RERANK); None: the search's order.
        self.reranker = reranker
        self._store: Store | None = None
        # First uses come from worker threads at once (`asyncio.to_thread` in the API):
        # without it, each would open a store of its own and all but one would leak.
        self._opening = threading.Lock()

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._opening:
                if self._store is None:
                    self._store = self._open()
        return self._store

    def _open(self) -> Store:
        dimensions = dimensions_of(self.embeddings)
        return open_store(self.settings, embedding_name(self.embeddings), dimensions)

    def search(
        self,
        query: str,
        k: int | None = None,
        where: Filter | None = None,
        mode: SearchMode | None = None,
    ) -> list[Hit]:
        k = k or self.settings.rag_top_k
        mode = mode or self.settings.rag_search
        # With a reranker the search finds more candidates, of which the reranker keeps k.
        wanted = max(k, self.reranker.candidates) if self.reranker else k
        with retrieval_span(query, f"{mode} search") as found:  # a span when traced
            hits = self._search(query, wanted, where, mode)
            found += [hit.chunk.text for hit in hits]
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits, k)  # a span of its own
        return hits

    def describe(self) -> str:
        """Which embedding (and reranker) runs: said at start-up and in /health/ready."""
        line = describe(self.embeddings)
        return line + (f"; reranked by {self.reranker.scorer.name}" if self.reranker else "")

    def _search(self, query: str, k: int, where: Filter | None, mode: SearchMode) -> list[Hit]:
        if mode == "keyword":
            return self.store.keyword_search(query, k, where)
        vector = embed_query(self.embeddings, query)
        # A query the embedding finds nothing in (stopwords only, for the offline one) is
        # the zero vector: every chunk scores 0 against it, so "nearest" means arbitrary.
        vector_hits = self.store.search(vector, max(k, 20), where) if vector.any() else []
        if mode == "vector":
            return vector_hits[:k]
        keyword_hits = self.store.keyword_search(query, max(k, 20), where)
        return reciprocal_rank_fusion([vector_hits, keyword_hits], k)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def build_retriever(settings: Settings) -> Retriever:
    """The retriever the settings describe; says which embedding runs, as a warning when
    it is not the one asked for (a provider embedding without its key runs lexical)."""
    retriever = Retriever(settings, build_embeddings(settings), build_reranker(settings))
    fallback = bool(getattr(retriever.embeddings, "reason", ""))
    logger.log(logging.WARNING if fallback else logging.INFO, "RAG: %s", retriever.describe())
    return retriever
