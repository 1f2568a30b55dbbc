"""The OpenAI chat model, through LangChain's first-party `langchain-openai`.

The OpenAI SDK retries 408, 409, 429 and 5xx responses with exponential backoff and
honours `Retry-After`; `LLM_MAX_RETRIES` sets how often, `LLM_TIMEOUT_S` how long.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI

from .settings import Settings

#: The variable that must hold the key (None: the provider needs no key).
API_KEY_VARIABLE: str | None = "OPENAI_API_KEY"


def api_key(settings: Settings) -> str | None:
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else None


def build_provider_model(settings: Settings) -> BaseChatModel:
    return ChatOpenAI(
        model=settings.llm_model,
        api_key=api_key(settings),
        base_url=settings.llm_base_url,
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        stream_usage=True,
    )
