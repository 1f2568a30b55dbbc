"""Embedding models served by the local Ollama server (`ollama pull nomic-embed-text`)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_ollama import OllamaEmbeddings

from ..provider import DEFAULT_BASE_URL
from ..settings import Settings

DEFAULT_EMBEDDING_MODEL = "nomic-embed-text"


def missing_key(settings: Settings) -> str | None:
    """Nothing more to set for this provider's embeddings than for its chat model."""
    return None


def build_provider_embeddings(settings: Settings) -> Embeddings:
    return OllamaEmbeddings(
        model=settings.embedding_model or DEFAULT_EMBEDDING_MODEL,
        base_url=settings.llm_base_url or DEFAULT_BASE_URL,
        client_kwargs={"timeout": settings.llm_timeout_s},
    )
