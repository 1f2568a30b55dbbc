"""OpenAI's embedding models, through `langchain-openai` (`EMBEDDING_PROVIDER=provider`)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_openai import OpenAIEmbeddings

from ..provider import api_key
from ..settings import Settings

DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"


def missing_key(settings: Settings) -> str | None:
    """Nothing more to set for this provider's embeddings than for its chat model."""
    return None


def build_provider_embeddings(settings: Settings) -> Embeddings:
    return OpenAIEmbeddings(
        model=settings.embedding_model or DEFAULT_EMBEDDING_MODEL,
        api_key=api_key(settings),
        base_url=settings.llm_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )
