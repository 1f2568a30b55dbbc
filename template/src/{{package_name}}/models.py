"""Build the chat model the settings ask for: the chosen provider, or the offline fake.

The rest of the app only sees LangChain's `BaseChatModel`, so switching provider is a
change of `LLM_PROVIDER` (and the key), not of code.
"""

from __future__ import annotations

from typing import cast

from langchain_core.language_models import BaseChatModel

from . import provider
from .fake_model import FakeChatModel
from .prompting import Prompt
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
    """The configured model; with LLM_FALLBACK_MODEL, that model behind it as a fallback."""
    if settings.llm_provider == "fake":
        return FakeChatModel()
    primary = provider.build_provider_model(settings)
    if not settings.llm_fallback_model:
        return primary
    backup = settings.model_copy(update={"llm_model": settings.llm_fallback_model})
    # RunnableWithFallbacks forwards the chat-model methods (bind_tools, astream, ...) to
    # both models, so the rest of the app uses it as the chat model it wraps.
    return cast(BaseChatModel, primary.with_fallbacks([provider.build_provider_model(backup)]))


def model_for_prompt(settings: Settings, prompt: Prompt, default: BaseChatModel) -> BaseChatModel:
    """The model with the prompt file's own settings (`model:` in its front matter).

    A prompt that overrides nothing, and every prompt under the fake provider, uses
    `default`, so tests keep the model they passed in.
    """
    overrides = prompt.spec.model
    update = {
        "llm_model": overrides.name,
        "llm_temperature": overrides.temperature,
        "llm_max_tokens": overrides.max_tokens,
    }
    update = {key: value for key, value in update.items() if value is not None}
    if not update or settings.llm_provider == "fake":
        return default
    return build_chat_model(settings.model_copy(update=update))
