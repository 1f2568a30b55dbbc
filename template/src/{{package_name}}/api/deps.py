"""Typed dependencies, so handlers take plain parameters and tests can override them.

They are `async def` although they do not await: FastAPI runs a plain `def` dependency
in a worker thread, and these run on every request (about 20 thread hops per /chat
before, for reading attributes).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from langchain_core.language_models import BaseChatModel

from ..chat import ContextFinder
from ..prompting import PromptLibrary
from ..settings import Settings


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def check_message_length(message: str, settings: Settings, what: str = "message") -> None:
    """A 422 naming the limit, before any model call; shared by /chat and /agent."""
    if len(message) > settings.max_message_chars:
        raise HTTPException(
            status_code=422,
            detail=f"{what} is {len(message)} characters; the limit is "
            f"{settings.max_message_chars} (MAX_MESSAGE_CHARS)",
        )


async def check_budget(request: Request) -> None:
    """A 429 before the route invokes the model, when a cost budget is already spent.

    The budget's one gate (`tracing/budget.py`); every model call passes it again, but
    a refusal there comes from inside LangChain's callback dispatch, which leaves the
    other handlers' coroutines un-awaited.
    """
    request.app.state.tracing.check_budget()


async def get_prompts(request: Request) -> PromptLibrary:
    return request.app.state.prompts


async def get_prompt_models(request: Request) -> dict[str, BaseChatModel]:
    """The model for each prompt: the chat model, or one with the prompt's own settings."""
    return request.app.state.prompt_models


async def get_context_finder(request: Request) -> ContextFinder | None:
    """Set by RAG apps, to ground chat answers in retrieved passages; None otherwise."""
    return getattr(request.app.state, "find_context", None)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PromptsDep = Annotated[PromptLibrary, Depends(get_prompts)]
PromptModelsDep = Annotated[dict[str, BaseChatModel], Depends(get_prompt_models)]
ContextFinderDep = Annotated[ContextFinder | None, Depends(get_context_finder)]
#: For the routes that call the model: `@router.post(..., dependencies=[BudgetChecked])`.
BudgetChecked = Depends(check_budget)
