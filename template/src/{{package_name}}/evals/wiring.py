"""From settings to what the runner needs: targets, the judge, and the pricer.

Offline (`LLM_PROVIDER=fake`) every case gets a fake model scripted by its `fake_*`
fields; with a real provider, the configured model (with each prompt file's own model
settings), and the judge model `EVAL_JUDGE_MODEL` (default: the app's model). A case
with a `tier` runs on that tier's model (LLM_MODEL_FAST / LLM_MODEL_SMART) instead of
its prompt's; offline, its fake then answers under that model's name, so the usage,
the price and the `--tiers` table name the tier's model. The judge keeps its model.
Every model goes through the answer cache when one is given, and every model of a run
(the targets', the judge's, the tiers') through one set of provider limits
(LLM_REQUESTS_PER_MINUTE, LLM_TOKENS_PER_MINUTE, LLM_MAX_CONCURRENCY), as in the API:
an eval is where the bursts happen.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from langchain_core.language_models import BaseChatModel

from ..fake_model import FakeChatModel
from ..models import (
    CallLevers,
    build_chat_model,
    check_provider_key,
    model_for_prompt,
    provider_limiter,
)
from ..prompting import Prompt, PromptLibrary
from ..settings import Settings
from ..tracing.cost import cost_usd
from .cache import EvalCache
from .dataset import Case
from .judge import LLMJudge
from .runner import ModelFor, Output, Pricer, PromptTarget, Target

#: The scripted fake's model name when it stands in for no tier.
FAKE_MODEL_NAME = "fake"
#: What the fake judge says for a case with no `fake_judge`: a fail that says why.
UNSCRIPTED_JUDGE = json.dumps({"score": 1, "reason": "no fake_judge scripted for this case"})
#: The app's package (`evals` is one of its subpackages).
APP = __package__.rpartition(".")[0]


def on_tier(prompt: Prompt, tier: str | None) -> Prompt:
    """The prompt as if its front matter said `model: {tier: TIER}` and named no model."""
    if tier is None:
        return prompt
    model = prompt.spec.model.model_copy(update={"tier": tier, "name": None})
    return replace(prompt, spec=prompt.spec.model_copy(update={"model": model}))


def tier_model(settings: Settings, tier: str) -> str:
    """The model a tier runs on: LLM_MODEL_FAST / LLM_MODEL_SMART, or LLM_MODEL."""
    tiers = {"fast": settings.llm_model_fast, "smart": settings.llm_model_smart}
    return tiers[tier] or settings.llm_model


def eval_levers(settings: Settings) -> CallLevers:
    """The provider limits, shared by every model of the run; not RESPONSE_CACHE (the eval
    has its own answer cache, and `--no-cache` must mean fresh answers)."""
    return CallLevers(limiter=provider_limiter(settings))


def _fake(settings: Settings, case: Case, script: list[Any], levers: CallLevers) -> BaseChatModel:
    """The scripted fake, named after the case's tier model when it has a tier; it waits
    FAKE_LATENCY_MS and goes through the limits like a real model, so both show offline."""
    name = tier_model(settings, case.tier) if case.tier else FAKE_MODEL_NAME
    delay_s = settings.fake_latency_ms / 1000
    return levers.apply(FakeChatModel(script=script, model_name=name, delay_s=delay_s), settings)


def _cached(cache: EvalCache | None) -> Callable[[BaseChatModel, int], BaseChatModel]:
    def cached(model: BaseChatModel, repeat: int) -> BaseChatModel:
        """LangChain's own cache hook; a model wrapped with fallbacks goes uncached."""
        if cache is None or not hasattr(model, "cache"):
            return model
        return model.model_copy(update={"cache": cache.for_repeat(repeat)})

    return cached


def prompt_models(settings: Settings, cache: EvalCache | None, levers: CallLevers) -> ModelFor:
    """(case, prompt, repeat) -> model: the scripted reply offline, else the real model.

    `levers` is the run's one `eval_levers(settings)`: a second set would be a second
    budget against the same provider limits.
    """
    cached = _cached(cache)
    if settings.llm_provider == "fake":

        def fake(case: Case, prompt: Prompt, repeat: int) -> BaseChatModel:
            script = [case.fake_reply] if case.fake_reply is not None else []
            return cached(_fake(settings, case, script, levers), repeat)

        return fake
    check_provider_key(settings)
    default = build_chat_model(settings, levers)
    built: dict[tuple[str, str | None, str | None], BaseChatModel] = {}

    def model_for(case: Case, prompt: Prompt, repeat: int) -> BaseChatModel:
        key = (prompt.name, prompt.variant, case.tier)
        if key not in built:
            built[key] = model_for_prompt(settings, on_tier(prompt, case.tier), default, levers)
        return cached(built[key], repeat)

    return model_for


def judge_models(settings: Settings, cache: EvalCache | None, levers: CallLevers) -> ModelFor:
    """The judge: the case's `fake_judge` offline, else EVAL_JUDGE_MODEL."""
    cached = _cached(cache)
    if settings.llm_provider == "fake":

        def fake_judge(case: Case, prompt: Prompt, repeat: int) -> BaseChatModel:
            reply = json.dumps(case.fake_judge) if case.fake_judge else UNSCRIPTED_JUDGE
            return cached(levers.apply(FakeChatModel(script=[reply]), settings), repeat)

        return fake_judge
    judging = settings
    if settings.eval_judge_model is not None:
        judging = settings.model_copy(update={"llm_model": settings.eval_judge_model})
    default = build_chat_model(judging, levers)
    # One model per judge prompt, not one per judged answer (the judge's own settings,
    # `temperature: 0`, would otherwise build a new provider client for each).
    built: dict[tuple[str, str | None], BaseChatModel] = {}

    def judge_for(case: Case, prompt: Prompt, repeat: int) -> BaseChatModel:
        key = (prompt.name, prompt.variant)
        if key not in built:
            built[key] = model_for_prompt(judging, prompt, default, levers)
        return cached(built[key], repeat)

    return judge_for


def pricer(settings: Settings) -> Pricer:
    """Output -> USD from its tokens; None when a price is unknown.

    The one rule of tracing/cost.py, as the traces price the same calls: offline, a
    tier's fake answers under the tier model's name and costs that model's list price
    (so `--tiers` shows the cost side offline too); the plain fake is unknown unless
    LLM_PRICES prices it.
    """
    provider, prices = settings.llm_provider, settings.llm_prices

    def price(output: Output) -> float | None:
        if not output.usage:
            return None
        total = 0.0
        for model, (input_tokens, output_tokens) in output.usage.items():
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
    cache: EvalCache | None,
    rag_documents: list[Path],
    levers: CallLevers,
) -> dict[str, Target]:
    """The prompt target, plus `rag` and `agent` when a case needs them.

    Those two live in modules that exist only in apps with the feature; a case for a
    feature the app lacks gets one clear error. In apps with RAG, RAG cases search the
    eval's own index, and agent cases get `search_documents` over the same index.
    """
    models = prompt_models(settings, cache, levers)
    targets: dict[str, Target] = {"prompt": PromptTarget(library, models)}
    needed = sorted({case.target for case in cases} - {"prompt"})
    modules = {name: _feature(f"evals.{name}_target") for name in needed}
    for name, module in modules.items():
        if module is None:
            raise ValueError(f"cases with target {name!r} need the app's {name} feature")
    rag = _feature("evals.rag_target") if needed else None
    retriever = None
    if rag is not None:
        index = (cache.path if cache else Path(".data/eval-cache.sqlite")).parent
        retriever = rag.eval_retriever(settings, rag_documents, index / "eval-rag.sqlite3")
    if rag is not None and "rag" in modules:
        targets["rag"] = rag.RagTarget(retriever, library, models)
    if agent := modules.get("agent"):
        tools = agent.document_tools(retriever) if retriever is not None else None
        prompt = library.get("agent")
        models_for = _agent_models(settings, cache, agent, prompt, levers)
        targets["agent"] = agent.AgentTarget(settings, models_for, prompt, tools)
    return targets


def _feature(name: str) -> ModuleType | None:
    """`APP.NAME`, or None when the app was generated without it (not a missing library)."""
    try:
        return importlib.import_module(f"{APP}.{name}")
    except ModuleNotFoundError as error:
        if not f"{APP}.{name}.".startswith(f"{error.name}."):
            raise
        return None


def _agent_models(
    settings: Settings,
    cache: EvalCache | None,
    module: ModuleType,
    prompt: Prompt,
    levers: CallLevers,
) -> Any:
    """(case, repeat) -> the agent's model: the one agent.prompt.md asks for (as in the
    API and `app agent`), or the case's tier model."""
    cached = _cached(cache)
    if settings.llm_provider == "fake":

        def fake(case: Case, repeat: int) -> BaseChatModel:
            return cached(_fake(settings, case, module.fake_script(case), levers), repeat)

        return fake
    check_provider_key(settings)
    default = build_chat_model(settings, levers)
    built: dict[str | None, BaseChatModel] = {}

    def model_for(case: Case, repeat: int) -> BaseChatModel:
        if case.tier not in built:
            tiered = on_tier(prompt, case.tier)
            built[case.tier] = model_for_prompt(settings, tiered, default, levers)
        return cached(built[case.tier], repeat)

    return model_for


def build_judge(
    settings: Settings,
    library: PromptLibrary,
    cache: EvalCache | None,
    levers: CallLevers,
) -> LLMJudge:
    """The judge; pass the targets' `levers` so the judge's calls count in the same limits."""
    return LLMJudge(library, judge_models(settings, cache, levers))
