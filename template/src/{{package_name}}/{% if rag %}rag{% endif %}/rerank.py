"""Rerank: read the search's best candidates again, each with the question, and re-order.

A search scores question and passage apart (one vector each, or word counts); a
cross-encoder reads them together, so it can tell "Can I pay fees with cash?" from a
passage that merely mentions fees. It costs a model call per candidate, so it runs on
the search's first `RAG_RERANK_CANDIDATES` (20) only, and keeps `RAG_TOP_K` of them.

`RAG_RERANK=local`: a fastembed cross-encoder on the CPU (rag/local_models.py), downloaded
once; `cohere`: Cohere's rerank model (COHERE_API_KEY; rag/cohere_rerank.py), in any
project; `voyage` (or `provider`, its older name): Voyage's, in Anthropic projects
(VOYAGE_API_KEY; rag/provider_embeddings.py). Each rerank is a span of its own in the
trace (`rerank`), so its time shows next to the search's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from ..settings import Settings
from ..tracing.callbacks import retrieval_span
from .store import Hit


class Scorer(Protocol):
    name: str

    def scores(self, query: str, passages: list[str], keep: int) -> list[float]:
        """One relevance score per passage (higher is better), in the passages' order.

        The caller keeps the best `keep`: a provider may score only those (it returns
        fewer results), and give the others minus infinity.
        """


class LocalCrossEncoder:
    """A fastembed `TextCrossEncoder`, loaded (or downloaded once) from the cache folder."""

    def __init__(self, name: str, cache_dir: Path, batch_size: int = 32) -> None:
        from fastembed.rerank.cross_encoder import TextCrossEncoder

        from .local_models import load

        self.model = load(TextCrossEncoder, name, cache_dir)
        self.batch_size = batch_size
        self.name = f"fastembed:{name}"

    def scores(self, query: str, passages: list[str], keep: int) -> list[float]:
        return [float(s) for s in self.model.rerank(query, passages, batch_size=self.batch_size)]


class Reranker:
    """Re-orders hits by a `Scorer`'s scores and keeps the best `k`, as a traced span."""

    def __init__(self, scorer: Scorer, candidates: int) -> None:
        self.scorer = scorer
        #: How many of the search's hits it reads (the search is asked for this many).
        self.candidates = candidates

    def rerank(self, query: str, hits: Sequence[Hit], k: int) -> list[Hit]:
        if not hits:
            return []
        with retrieval_span(query, f"rerank {self.scorer.name}") as kept:
            scores = np.asarray(self.scorer.scores(query, [h.chunk.text for h in hits], k))
            order = np.argsort(-scores, kind="stable")[:k]
            # A passage a provider left unscored (minus infinity) is never kept.
            order = [i for i in order if np.isfinite(scores[i])]
            best = [
                replace(hits[i], score=float(scores[i]), rank=rank)
                for rank, i in enumerate(order, 1)
            ]
            kept += [hit.chunk.text for hit in best]
        return best


def check_reranker_key(settings: Settings) -> None:
    """Build a provider's reranker once, so that its missing key is one line when `app
    serve` starts, not a traceback in uvicorn's worker (MissingApiKeyError). Building one
    sends nothing; the local one loads a model, so it is not built here."""
    if settings.rag_rerank not in ("off", "local"):
        build_reranker(settings)


def build_reranker(settings: Settings) -> Reranker | None:
    """The reranker `RAG_RERANK` names; None for `off` (and offline: `LLM_PROVIDER=fake`)."""
    if settings.rag_rerank == "off" or settings.llm_provider == "fake":
        return None
    scorer: Scorer
    if settings.rag_rerank == "local":
        from .local_models import DEFAULT_RERANK_MODEL

        model = settings.rag_rerank_model or DEFAULT_RERANK_MODEL
        scorer = LocalCrossEncoder(model, settings.embedding_cache_dir)
    elif settings.rag_rerank == "cohere":
        from .cohere_rerank import CohereReranker

        scorer = CohereReranker(settings)
    else:  # `voyage`, or `provider` (the same): Anthropic projects only
        from .provider_embeddings import build_provider_reranker  # type: ignore[attr-defined]

        scorer = build_provider_reranker(settings)
    return Reranker(scorer, settings.rag_rerank_candidates)
