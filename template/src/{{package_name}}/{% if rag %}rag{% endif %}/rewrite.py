"""Question -> search query, through `prompts/rewrite_query.prompt.md` (when switched on).

Users ask "and what if I'm late with it?"; an index matches "late fees overdue items"
better. With `RAG_REWRITE_QUERY=true` the model turns each question into a query first
(one more, short, model call); the chat prompt still gets the user's own words. An
empty rewrite falls back to the question, so a terse model never searches for nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from langchain_core.language_models import BaseChatModel

from ..prompting import Prompt, ask

PROMPT_NAME = "rewrite_query"
#: question -> the query to search for.
QueryRewriter = Callable[[str], Awaitable[str]]


def query_rewriter(model: BaseChatModel, prompt: Prompt) -> QueryRewriter:
    async def rewrite(question: str) -> str:
        reply = await ask(model, prompt, {"question": question})
        query = " ".join(reply.text.split())
        return query or question

    return rewrite
