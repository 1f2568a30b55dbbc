"""Voyage AI's embedding models (Anthropic has none and recommends Voyage's), through
`langchain-voyageai`, with `VOYAGE_API_KEY` (`EMBEDDING_PROVIDER=provider`).

Without the key the app runs on the lexical embedding instead, and says so at start-up
and in `/health/ready` (`describe` in rag/embeddings.py): it still answers, offline.
"""

from __future__ import annotations

from collections.abc import Iterator

import voyageai
from langchain_core.embeddings import Embeddings
from langchain_voyageai import VoyageAIEmbeddings

from ..models import MissingApiKeyError
from ..settings import Settings

DEFAULT_EMBEDDING_MODEL = "voyage-3.5"
#: Texts per request (Voyage takes up to 1,000, and 320k tokens for voyage-3.5).
BATCH_SIZE = 128
#: A chunk's tokens, estimated from its characters: no tokenizer download (4 per token).
CHARS_PER_TOKEN = 4
MAX_TOKENS_PER_BATCH = 100_000


class VoyageEmbeddings(VoyageAIEmbeddings):
    """`VoyageAIEmbeddings`, batching without fetching Voyage's tokenizer from the hub
    (langchain-voyageai counts each text's tokens with it, one more download per model),
    and with the app's timeout and retries on its client."""

    name: str = ""

    def _build_batches(self, texts: list[str]) -> Iterator[tuple[list[str], int]]:
        batch: list[str] = []
        tokens = 0
        for text in texts:
            estimate = len(text) // CHARS_PER_TOKEN + 1
            if batch and (len(batch) >= BATCH_SIZE or tokens + estimate > MAX_TOKENS_PER_BATCH):
                yield batch, len(batch)
                batch, tokens = [], 0
            batch.append(text)
            tokens += estimate
        if batch:
            yield batch, len(batch)


def missing_key(settings: Settings) -> str | None:
    """Why Voyage cannot run here (the app then embeds lexically and says so), or None."""
    return None if settings.voyage_api_key else "VOYAGE_API_KEY is not set"


def build_provider_embeddings(settings: Settings) -> Embeddings:
    if settings.voyage_api_key is None:
        raise ValueError("EMBEDDING_PROVIDER=provider embeds with Voyage AI: set VOYAGE_API_KEY")
    key = settings.voyage_api_key.get_secret_value()
    model = settings.embedding_model or DEFAULT_EMBEDDING_MODEL
    embeddings = VoyageEmbeddings(
        model=model,
        api_key=key,
        base_url=settings.voyage_base_url,
        batch_size=BATCH_SIZE,
        name=f"voyage:{model}",
    )
    # Voyage's client counts attempts where LLM_MAX_RETRIES counts retries.
    retries = {"max_retries": settings.llm_max_retries + 1, "timeout": settings.llm_timeout_s}
    embeddings._client = voyageai.Client(key, base_url=settings.voyage_base_url, **retries)
    embeddings._aclient = voyageai.AsyncClient(key, base_url=settings.voyage_base_url, **retries)
    return embeddings


DEFAULT_RERANK_MODEL = "rerank-2.5-lite"


class VoyageReranker:
    """Voyage's rerank endpoint (`RAG_RERANK=voyage`, or `provider`): passages -> relevance
    scores (the best `keep` of them; the others get minus infinity)."""

    def __init__(self, settings: Settings) -> None:
        if settings.voyage_api_key is None:
            raise MissingApiKeyError(
                f"RAG_RERANK={settings.rag_rerank} reranks with Voyage AI: set VOYAGE_API_KEY"
            )
        self.model = settings.rag_rerank_model or DEFAULT_RERANK_MODEL
        self.name = f"voyage:{self.model}"
        self._client = voyageai.Client(
            settings.voyage_api_key.get_secret_value(),
            base_url=settings.voyage_base_url,
            max_retries=settings.llm_max_retries + 1,
            timeout=settings.llm_timeout_s,
        )

    def scores(self, query: str, passages: list[str], keep: int) -> list[float]:
        top_k = min(keep, len(passages))
        result = self._client.rerank(
            query, passages, model=self.model, top_k=top_k, truncation=True
        )
        scores = [float("-inf")] * len(passages)
        for item in result.results:
            scores[item.index] = float(item.relevance_score)
        return scores


def build_provider_reranker(settings: Settings) -> VoyageReranker:
    return VoyageReranker(settings)
