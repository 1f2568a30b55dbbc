"""Gemini embedding models, through `langchain-google-genai` (`EMBEDDING_PROVIDER=provider`)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_google_genai import GoogleGenerativeAIEmbeddings

from ..provider import api_key
from ..settings import Settings

DEFAULT_EMBEDDING_MODEL = "gemini-embedding-001"


def missing_key(settings: Settings) -> str | None:
    """Nothing more to set for this provider's embeddings than for its chat model."""
    return None


def build_provider_embeddings(settings: Settings) -> Embeddings:
    return GoogleGenerativeAIEmbeddings(
        model=settings.embedding_model or DEFAULT_EMBEDDING_MODEL,
        google_api_key=api_key(settings),
        base_url=settings.llm_base_url,
    )
