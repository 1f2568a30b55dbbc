"""Build the chat model the settings ask for: the chosen provider, or the offline fake.

The rest of the app only sees LangChain's `BaseChatModel`, so switching provider is a
change of `LLM_PROVIDER` (and the key), not of code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from langchain_core.caches import BaseCache
from langchain_core.language_models import BaseChatModel

from . import provider
from .demo_replies import demo_reply
from .fake_model import FakeChatModel
from .limits import Limiter, ModelLimiter, limited
from .prompting import Prompt
from .response_cache import ResponseCache
from .settings import Settings
from .shared import shared_state


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


@dataclass
class CallLevers:
    """What every model of the process shares: the response cache and the provider limits.

    Built once per process (`from_settings`); each model built with it gets the limiter
    (one budget for the whole provider) and, when its temperature allows, the cache.
    With REDIS_URL both live in Redis, shared by every process (shared/).
    """

    cache: BaseCache | None = None
    limiter: Limiter | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> CallLevers:
        shared = shared_state(settings)
        cache: BaseCache | None = None
        if settings.response_cache and shared is not None:
            from .shared.cache import RedisResponseCache

            cache = RedisResponseCache(shared, settings.response_cache_ttl_s)
        elif settings.response_cache:
            cache = ResponseCache(settings.response_cache_path, settings.response_cache_ttl_s)
        return cls(cache, provider_limiter(settings))

    def apply(self, model: BaseChatModel, settings: Settings) -> BaseChatModel:
        if self.limiter is not None:
            model = limited(model, self.limiter)
        if self.cache is not None and cacheable(settings, model):
            model = model.model_copy(update={"cache": self.cache})
        return model


def provider_limiter(settings: Settings) -> Limiter | None:
    """LLM_REQUESTS_PER_MINUTE, LLM_TOKENS_PER_MINUTE, LLM_MAX_CONCURRENCY; None if unset.
    With REDIS_URL the first two are counted in Redis; the concurrency stays per process."""
    limits = (
        settings.llm_requests_per_minute,
        settings.llm_tokens_per_minute,
        settings.llm_max_concurrency,
    )
    if not any(limits):
        return None
    shared = shared_state(settings)
    if shared is not None and (limits[0] or limits[1]):
        from .shared.rate_limits import SharedModelLimiter

        return SharedModelLimiter(shared, *limits)
    return ModelLimiter(*limits)


def cacheable(settings: Settings, model: BaseChatModel) -> bool:
    """Same request, same answer only at temperature 0 (or offline); forcing overrides.

    The temperature the model will send decides, not the one asked for: a model may drop
    it (langchain-openai sends none to gpt-5 reasoning models, which then sample at 1).
    """
    if settings.response_cache_any_temperature or settings.llm_provider == "fake":
        return True
    return getattr(model, "temperature", settings.llm_temperature) == 0


def build_chat_model(settings: Settings, levers: CallLevers | None = None) -> BaseChatModel:
    """The configured model; with LLM_FALLBACK_MODEL, that model behind it as a fallback."""
    levers = levers or CallLevers()
    if settings.llm_provider == "fake":
        fake = FakeChatModel(delay_s=settings.fake_latency_ms / 1000, respond=demo_reply)
        return levers.apply(fake, settings)
    primary = levers.apply(provider.build_provider_model(settings), settings)
    if not settings.llm_fallback_model:
        return primary
    backup = settings.model_copy(update={"llm_model": settings.llm_fallback_model})
    fallback = levers.apply(provider.build_provider_model(backup), backup)
    # RunnableWithFallbacks forwards the chat-model methods (bind_tools, astream, ...) to
    # both models, so the rest of the app uses it as the chat model it wraps.
    return cast(BaseChatModel, primary.with_fallbacks([fallback]))


def settings_for_prompt(settings: Settings, prompt: Prompt) -> Settings:
    """The settings a prompt's model is built with: its tier's model, then its overrides."""
    overrides = prompt.spec.model
    tier_model = {
        "fast": settings.llm_model_fast,
        "smart": settings.llm_model_smart,
    }.get(overrides.tier or "")
    update = {
        "llm_model": overrides.name or tier_model,
        "llm_temperature": overrides.temperature,
        "llm_max_tokens": overrides.max_tokens,
    }
    update = {key: value for key, value in update.items() if value is not None}
    return settings.model_copy(update=update) if update else settings


def model_for_prompt(
    settings: Settings,
    prompt: Prompt,
    default: BaseChatModel,
    levers: CallLevers | None = None,
) -> BaseChatModel:
    """The model with the prompt file's own settings (`model:` in its front matter).

    A prompt that overrides nothing, and every prompt under the fake provider, uses
    `default`, so tests keep the model they passed in.
    """
    own = settings_for_prompt(settings, prompt)
    if own is settings or settings.llm_provider == "fake":
        return default
    return build_chat_model(own, levers)


def model_for_command(settings: Settings, prompt: Prompt | None = None) -> BaseChatModel:
    """A CLI command's model (with `prompt`'s own settings, if given), behind the same
    levers as the API's: RESPONSE_CACHE and the provider limits. (`chat` streams, and a
    stream never reads the cache: LangChain checks it in `invoke`/`ainvoke` only.)"""
    levers = CallLevers.from_settings(settings)
    model = build_chat_model(settings, levers)
    return model if prompt is None else model_for_prompt(settings, prompt, model, levers)


def model_failure(error: Exception) -> str:
    """How a failed model call is reported, the same in the API (api/errors.py) and the
    CLI: what failed, then the provider's own words."""
    return f"the model call failed: {type(error).__name__}: {error}"
