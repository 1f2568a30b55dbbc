"""Google's Gemini models, through LangChain's first-party `langchain-google-genai`.

The Google GenAI SDK retries 408, 429 and 5xx responses with exponential backoff of its
own (it waits at least a second and does not read `Retry-After`).
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_google_genai import ChatGoogleGenerativeAI

from .settings import Settings

API_KEY_VARIABLE: str | None = "GOOGLE_API_KEY"


def api_key(settings: Settings) -> str | None:
    return settings.google_api_key.get_secret_value() if settings.google_api_key else None


def build_provider_model(settings: Settings) -> BaseChatModel:
    return ChatGoogleGenerativeAI(
        model=settings.llm_model,
        google_api_key=api_key(settings),
        base_url=settings.llm_base_url,
        temperature=settings.llm_temperature,
        max_output_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout_s,
        # The Google SDK counts attempts, not retries, and reads 0 as "its own default".
        max_retries=settings.llm_max_retries + 1,
    )
