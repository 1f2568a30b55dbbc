"""Anthropic's Claude models, through LangChain's first-party `langchain-anthropic`.

The Anthropic SDK retries 408, 409, 429 and 5xx responses (and its own 529 "overloaded")
with exponential backoff and honours `Retry-After`.
"""

from __future__ import annotations

from langchain_anthropic import ChatAnthropic
from langchain_core.language_models import BaseChatModel

from .settings import Settings

API_KEY_VARIABLE: str | None = "ANTHROPIC_API_KEY"
#: Anthropic requires a cap on every answer; this one applies when LLM_MAX_TOKENS is unset.
DEFAULT_MAX_TOKENS = 4096


def api_key(settings: Settings) -> str | None:
    return settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else None


def build_provider_model(settings: Settings) -> BaseChatModel:
    return ChatAnthropic(
        model=settings.llm_model,
        api_key=api_key(settings),
        base_url=settings.llm_base_url,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens or DEFAULT_MAX_TOKENS,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )
