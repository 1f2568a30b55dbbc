"""Any server that speaks the OpenAI chat-completions API: vLLM, LM Studio, OpenRouter,
Groq, llama.cpp's server... Set `LLM_BASE_URL` to its `/v1` address.

Many local servers need no key; the OpenAI SDK insists on one, so an unset key is sent
as a placeholder.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI

from .settings import Settings

API_KEY_VARIABLE: str | None = None
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"


def api_key(settings: Settings) -> str | None:
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else None


def build_provider_model(settings: Settings) -> BaseChatModel:
    return ChatOpenAI(
        model=settings.llm_model,
        api_key=api_key(settings) or "not-needed",
        base_url=settings.llm_base_url or DEFAULT_BASE_URL,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        stream_usage=True,
    )
