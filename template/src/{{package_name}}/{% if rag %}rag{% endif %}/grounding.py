"""Retrieved chunks -> the context a grounded answer is written from, with its sources.

Passages are numbered `[1]`, `[2]`... (one number per source) and labelled with their
source path, so the model can cite them, and the API returns the same passages, numbered
alike, for the user to check. `POST /chat`
and `app chat` both ground answers through `context_finder`, so they retrieve alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from ..chat import Context, ContextFinder, Passage
from ..settings import Settings
from .retriever import Retriever, build_retriever
from .rewrite import QueryRewriter
from .store import Hit


def format_hits(hits: list[Hit]) -> Context:
    """The passages numbered by source, as the prompt's text and as data for the answer."""
    sources = list(dict.fromkeys(hit.chunk.source for hit in hits))
    passages = [
        Passage(sources.index(hit.chunk.source) + 1, hit.chunk.source, hit.chunk.text.strip())
        for hit in hits
    ]
    text = "\n\n".join(f"[{p.number}] ({p.source}) {p.text}" for p in passages)
    return Context(text=text, sources=sources, passages=passages)


def context_finder(retriever: Retriever, rewrite: QueryRewriter | None = None) -> ContextFinder:
    """An async `question -> Context` for the chat route; search runs off the event loop.

    With `rewrite`, the question is turned into a search query first; the chat prompt
    still answers the question as the user asked it.
    """

    async def find_context(question: str) -> Context:
        query = await rewrite(question) if rewrite else question
        hits = await asyncio.to_thread(retriever.search, query)
        return format_hits(hits)

    return find_context


@contextmanager
def open_context_finder(
    settings: Settings, rewrite: QueryRewriter | None = None
) -> Iterator[ContextFinder]:
    """A context finder over the store for one command's lifetime (`app chat`); the store
    is opened on the first question and closed on the way out."""
    retriever = build_retriever(settings)
    try:
        yield context_finder(retriever, rewrite)
    finally:
        retriever.close()
