"""From settings to what the runner needs: targets, the judge, and the pricer.

Offline (`LLM_PROVIDER=fake`) every case gets a fake model scripted by its `fake_*`
fields; with a real provider, the configured model (with each prompt file's own model
settings), and the judge model `EVAL_JUDGE_MODEL` (default: the app's model). Every
model goes through the answer cache when one is given.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from ..fake_model import FakeChatModel
from ..models import build_chat_model, check_provider_key, model_for_prompt
from ..prompting import Prompt, PromptLibrary
from ..settings import Settings
from ..tracing.cost import cost_usd
from .cache import SQLiteCache
from .dataset import Case
from .judge import LLMJudge
from .runner import ModelFor, Output, Pricer, PromptTarget, Target

#: What the fake judge says for a case with no `fake_judge`: a fail that says why.
UNSCRIPTED_JUDGE = json.dumps({"score": 1, "reason": "no fake_judge scripted for this case"})


def _cached(cache: SQLiteCache | None) -> Callable[[BaseChatModel, int], BaseChatModel]:
    def cached(model: BaseChatModel, repeat: int) -> BaseChatModel:
        """LangChain's own cache hook; a model wrapped with fallbacks goes uncached."""
        if cache is None or not hasattr(model, "cache"):
            return model
        return model.model_copy(update={"cache": cache.for_repeat(repeat)})

    return cached


def prompt_models(settings: Settings, cache: SQLiteCache | None) -> ModelFor:
    """(case, prompt, repeat) -> model: the scripted reply offline, else the real model."""
    cached = _cached(cache)
    if settings.llm_provider == "fake":
        return lambda case, prompt, repeat: cached(
            FakeChatModel(script=[case.fake_reply] if case.fake_reply is not None else []),
            repeat,
        )
    check_provider_key(settings)
    default = build_chat_model(settings)
    built: dict[tuple[str, str | None], BaseChatModel] = {}

    def model_for(case: Case, prompt: Prompt, repeat: int) -> BaseChatModel:
        key = (prompt.name, prompt.variant)
        if key not in built:
            built[key] = model_for_prompt(settings, prompt, default)
        return cached(built[key], repeat)

    return model_for


def judge_models(settings: Settings, cache: SQLiteCache | None) -> ModelFor:
    """The judge: the case's `fake_judge` offline, else EVAL_JUDGE_MODEL."""
    cached = _cached(cache)
    if settings.llm_provider == "fake":

        def fake_judge(case: Case, prompt: Prompt, repeat: int) -> BaseChatModel:
            reply = json.dumps(case.fake_judge) if case.fake_judge else UNSCRIPTED_JUDGE
            return cached(FakeChatModel(script=[reply]), repeat)

        return fake_judge
    judging = settings.model_copy(update={"llm_model": settings.eval_judge_model})
    if settings.eval_judge_model is None:
        judging = settings
    default = build_chat_model(judging)
    return lambda case, prompt, repeat: cached(model_for_prompt(judging, prompt, default), repeat)


def pricer(settings: Settings) -> Pricer:
    """Output -> USD from its tokens (tracing/cost.py); None when a price is unknown."""
    provider, prices = settings.llm_provider, settings.llm_prices

    def price(output: Output) -> float | None:
        if not output.usage:
            return None
        total = 0.0
        for model, (input_tokens, output_tokens) in output.usage.items():
            if provider == "fake" and model not in prices:
                return None  # the fake model has no price unless LLM_PRICES gives one
            cost = cost_usd(model, provider, input_tokens, output_tokens, prices)
            if cost is None:
                return None
            total += cost
        return total

    return price


def build_targets(
    settings: Settings,
    library: PromptLibrary,
    cases: Sequence[Case],
    cache: SQLiteCache | None,
    rag_documents: list[Path],
) -> dict[str, Target]:
    """The prompt target, plus `rag` and `agent` when a case needs them.

    Those two live in modules that exist only in apps with the feature; a case for a
    feature the app lacks gets one clear error.
    """
    models = prompt_models(settings, cache)
    targets: dict[str, Target] = {"prompt": PromptTarget(library, models)}
    needed = {case.target for case in cases} - {"prompt"}
    for name in sorted(needed):
        try:
            module = importlib.import_module(f"{__package__}.{name}_target")
        except ModuleNotFoundError as error:
            raise ValueError(f"cases with target {name!r} need the app's {name} feature") from error
        if name == "rag":
            index = (cache.path if cache else Path(".data/eval-cache.sqlite")).parent
            retriever = module.eval_retriever(settings, rag_documents, index / "eval-rag.sqlite3")
            targets[name] = module.RagTarget(retriever, library, models)
        else:
            targets[name] = module.AgentTarget(
                settings, _agent_models(settings, cache, module), library.get("agent")
            )
    return targets


def _agent_models(settings: Settings, cache: SQLiteCache | None, module: Any) -> Any:
    cached = _cached(cache)
    if settings.llm_provider == "fake":
        return lambda case, repeat: cached(FakeChatModel(script=module.fake_script(case)), repeat)
    check_provider_key(settings)
    model = build_chat_model(settings)
    return lambda case, repeat: cached(model, repeat)


def build_judge(settings: Settings, library: PromptLibrary, cache: SQLiteCache | None) -> LLMJudge:
    return LLMJudge(library, judge_models(settings, cache))
