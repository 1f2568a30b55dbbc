"""Typed dependencies, so handlers take plain parameters and tests can override them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from langchain_core.language_models import BaseChatModel

from ..chat import ContextFinder
from ..prompting import PromptLibrary
from ..settings import Settings


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_chat_model(request: Request) -> BaseChatModel:
    return request.app.state.chat_model


def get_prompts(request: Request) -> PromptLibrary:
    return request.app.state.prompts


def get_context_finder(request: Request) -> ContextFinder | None:
    """Set by RAG apps, to ground chat answers in retrieved passages; None otherwise."""
    return getattr(request.app.state, "find_context", None)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ChatModelDep = Annotated[BaseChatModel, Depends(get_chat_model)]
PromptsDep = Annotated[PromptLibrary, Depends(get_prompts)]
ContextFinderDep = Annotated[ContextFinder | None, Depends(get_context_finder)]
