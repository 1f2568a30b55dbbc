"""The server's embedding model, through its OpenAI-compatible `/embeddings` endpoint.

Such servers take text, not OpenAI's token arrays, hence `check_embedding_ctx_length`
off; set `EMBEDDING_MODEL` to a model the server actually serves.
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_openai import OpenAIEmbeddings

from ..provider import DEFAULT_BASE_URL, api_key
from ..settings import Settings

DEFAULT_EMBEDDING_MODEL = "BAAI/bge-small-en-v1.5"


def missing_key(settings: Settings) -> str | None:
    """Nothing more to set for this provider's embeddings than for its chat model."""
    return None


def build_provider_embeddings(settings: Settings) -> Embeddings:
    return OpenAIEmbeddings(
        model=settings.embedding_model or DEFAULT_EMBEDDING_MODEL,
        api_key=api_key(settings) or "not-needed",
        base_url=settings.llm_base_url or DEFAULT_BASE_URL,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        check_embedding_ctx_length=False,
    )
