"""Typed dependencies, so handlers take plain parameters and tests can override them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from langchain_core.language_models import BaseChatModel

from ..settings import Settings


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_chat_model(request: Request) -> BaseChatModel:
    return request.app.state.chat_model


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ChatModelDep = Annotated[BaseChatModel, Depends(get_chat_model)]
