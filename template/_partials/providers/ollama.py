"""Models served by a local Ollama server (`ollama serve`), through `langchain-ollama`.

Ollama needs no key. `LLM_BASE_URL` defaults to Ollama's own address. Unlike the
OpenAI and Anthropic SDKs, Ollama's client never retries, so its HTTP transport here
does: 429 and 5xx responses and refused connections are retried with exponential
backoff and jitter, honouring `Retry-After`; other errors are not.
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_ollama import ChatOllama

from .settings import Settings

API_KEY_VARIABLE: str | None = None
DEFAULT_BASE_URL = "http://127.0.0.1:11434"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def api_key(settings: Settings) -> str | None:
    return None


def retry_delay(attempt: int, response: httpx.Response | None) -> float:
    """`Retry-After` when the server says (up to a minute), else 0.5 s doubling, jittered."""
    header = response.headers.get("retry-after") if response is not None else None
    try:
        if header is not None and 0 <= float(header) <= 60:
            return float(header)
    except ValueError:
        pass
    return min(0.5 * 2**attempt, 8.0) * random.uniform(0.75, 1.0)


class RetryingTransport(httpx.HTTPTransport):
    def __init__(self, retries: int) -> None:
        super().__init__()
        self.retries = retries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self.retries + 1):
            try:
                response = super().handle_request(request)
            except httpx.ConnectError:
                if attempt == self.retries:
                    raise
                time.sleep(retry_delay(attempt, None))
                continue
            if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                return response
            response.close()
            time.sleep(retry_delay(attempt, response))
        raise AssertionError("unreachable")


class AsyncRetryingTransport(httpx.AsyncHTTPTransport):
    def __init__(self, retries: int) -> None:
        super().__init__()
        self.retries = retries

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self.retries + 1):
            try:
                response = await super().handle_async_request(request)
            except httpx.ConnectError:
                if attempt == self.retries:
                    raise
                await asyncio.sleep(retry_delay(attempt, None))
                continue
            if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                return response
            await response.aclose()
            await asyncio.sleep(retry_delay(attempt, response))
        raise AssertionError("unreachable")


def build_provider_model(settings: Settings) -> BaseChatModel:
    return ChatOllama(
        model=settings.llm_model,
        base_url=settings.llm_base_url or DEFAULT_BASE_URL,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout_s},
        sync_client_kwargs={"transport": RetryingTransport(settings.llm_max_retries)},
        async_client_kwargs={"transport": AsyncRetryingTransport(settings.llm_max_retries)},
    )
