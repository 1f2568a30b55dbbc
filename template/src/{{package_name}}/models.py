"""Build the chat model the settings ask for: the chosen provider, or the offline fake.

The rest of the app only sees LangChain's `BaseChatModel`, so switching provider is a
change of `LLM_PROVIDER` (and the key), not of code.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from . import provider
from .fake_model import FakeChatModel
from .settings import Settings


class MissingApiKeyError(RuntimeError):
    """The provider needs a key that is not set; raised at start-up, not at first call."""


def check_provider_key(settings: Settings) -> None:
    """Fail early with one line naming the variable, instead of at the first request."""
    variable = provider.API_KEY_VARIABLE
    if settings.llm_provider == "fake" or variable is None or provider.api_key(settings):
        return
    raise MissingApiKeyError(
        f"{variable} is not set: add it to .env (see .env.example) or the environment, "
        "or set LLM_PROVIDER=fake to run offline"
    )


def build_chat_model(settings: Settings) -> BaseChatModel:
    if settings.llm_provider == "fake":
        return FakeChatModel()
    return provider.build_provider_model(settings)
