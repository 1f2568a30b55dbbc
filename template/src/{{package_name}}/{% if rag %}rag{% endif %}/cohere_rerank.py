"""Cohere's rerank model (`RAG_RERANK=cohere`), through `langchain-cohere`, with
`COHERE_API_KEY`: any project can rerank with it, whatever its chat provider.

langchain-cohere's `CohereRerank` sends the request (model, query, documents, top_n) on
Cohere's own client. That client takes the app's timeout (LLM_TIMEOUT_S) when it is
made, but its retries per request: `RetryingClient` passes LLM_MAX_RETRIES on every
rerank (429, 408, 409 and 5xx are retried with backoff; other 4xx are not).
COHERE_BASE_URL points it at a proxy or a test stand-in.

langchain-cohere is imported here, when the reranker is built (it takes about a second),
never at start-up of an app that does not use it.
"""

from __future__ import annotations

from typing import Any

import cohere
from cohere.core.request_options import RequestOptions
from langchain_cohere import CohereRerank

from ..models import MissingApiKeyError
from ..settings import Settings

DEFAULT_RERANK_MODEL = "rerank-v3.5"


class RetryingClient(cohere.ClientV2):
    """Cohere's client, sending every rerank with the app's retries."""

    def __init__(self, *args: Any, options: RequestOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options

    def rerank(self, **request: Any) -> Any:  # type: ignore[override]
        return super().rerank(**request, request_options=self.options)


class CohereReranker:
    """Cohere's rerank endpoint: passages -> relevance scores (the best `keep` of them)."""

    def __init__(self, settings: Settings) -> None:
        if settings.cohere_api_key is None:
            raise MissingApiKeyError("RAG_RERANK=cohere reranks with Cohere: set COHERE_API_KEY")
        key = settings.cohere_api_key.get_secret_value()
        self.model = settings.rag_rerank_model or DEFAULT_RERANK_MODEL
        self.name = f"cohere:{self.model}"
        options = RequestOptions(max_retries=settings.llm_max_retries)
        client = RetryingClient(
            key,
            base_url=settings.cohere_base_url,
            timeout=settings.llm_timeout_s,  # every request's, the retries' too
            client_name="langchain:partner",
            options=options,
        )
        self.compressor = CohereRerank(client=client, model=self.model, cohere_api_key=key)

    def scores(self, query: str, passages: list[str], keep: int) -> list[float]:
        """Cohere scores the best `keep` passages only; the others get minus infinity."""
        scores = [float("-inf")] * len(passages)
        for item in self.compressor.rerank(passages, query, top_n=min(keep, len(passages))):
            scores[item["index"]] = float(item["relevance_score"])
        return scores
