"""Models served by a local Ollama server (`ollama serve`), through `langchain-ollama`.

Ollama needs no key. `LLM_BASE_URL` defaults to Ollama's own address.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_ollama import ChatOllama

from .settings import Settings

API_KEY_VARIABLE: str | None = None
DEFAULT_BASE_URL = "http://127.0.0.1:11434"


def api_key(settings: Settings) -> str | None:
    return None


def build_provider_model(settings: Settings) -> BaseChatModel:
    return ChatOllama(
        model=settings.llm_model,
        base_url=settings.llm_base_url or DEFAULT_BASE_URL,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout_s},
    )
