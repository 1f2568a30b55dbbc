"""Anthropic has no embedding model: this app embeds locally (`EMBEDDING_PROVIDER=local`)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from ..settings import Settings

DEFAULT_EMBEDDING_MODEL = None


def build_provider_embeddings(settings: Settings) -> Embeddings:
    raise ValueError(
        "Anthropic offers no embedding model: set EMBEDDING_PROVIDER=local "
        "(or plug another provider's embeddings into rag/provider_embeddings.py)"
    )
