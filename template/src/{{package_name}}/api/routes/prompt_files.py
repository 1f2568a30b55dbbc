"""GET /prompts and POST /prompts/{name}/run: the prompt files, and one run of a prompt.

The playground's prompt picker lists every prompt file (each version and variant, with
the variables it declares; the app's own, `internal: true`, apart) and runs the one
picked with the variables filled in; any
client can do the same, e.g. to try a variant before switching PROMPT_VARIANTS to it.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from langchain_core.exceptions import ModelError
from pydantic import BaseModel, Field

from ...chat import Usage
from ...models import model_for_prompt
from ...prompting import (
    Prompt,
    PromptError,
    StructuredOutputError,
    ThoughtAnswer,
    run_prompt,
)
from ...tracing.budget import BudgetExceededError
from ...usage import count_usage
from ..deps import BudgetChecked, PromptModelsDep, PromptsDep, StateDep
from ..schemas import PromptInfo

router = APIRouter(tags=["prompts"])


class PromptVariable(BaseModel):
    name: str
    type: str
    description: str
    required: bool
    default: Any = None


class PromptFile(BaseModel):
    name: str
    version: str
    variant: str = Field(description='"default", or the variant in name.VARIANT.prompt.md.')
    active: bool = Field(description="The variant the app uses (PROMPT_VARIANTS).")
    hash: str
    description: str
    output: str = Field(description="text, json or thought_answer")
    internal: bool = Field(description="Run by the app itself (`internal: true`), not by people.")
    variables: list[PromptVariable]


class PromptRunRequest(BaseModel):
    variables: dict[str, Any] = Field(default_factory=dict)
    variant: str | None = Field(None, description='Unset: the active one; "default": the base.')


class PromptRunResponse(BaseModel):
    #: Text, the JSON the schema allows, or {"thought": ..., "answer": ...}.
    output: Any
    prompt: PromptInfo
    usage: Usage
    latency_ms: float


def describe(prompt: Prompt, active: bool) -> PromptFile:
    spec = prompt.spec
    return PromptFile(
        name=prompt.name,
        version=str(spec.version),
        variant=prompt.variant or "default",
        active=active,
        hash=prompt.content_hash,
        description=spec.description.strip(),
        output=spec.output.format,
        internal=spec.internal,
        variables=[
            PromptVariable(name=name, **variable.model_dump())
            for name, variable in spec.input.items()
        ],
    )


@router.get("/prompts")
def list_prompts(prompts: PromptsDep) -> list[PromptFile]:
    """Every prompt file, each variant on its own, the active ones marked."""
    return [describe(p, p is prompts.get(p.name)) for p in prompts.all()]


@router.post("/prompts/{name}/run", dependencies=[BudgetChecked])
async def run(
    name: str,
    body: PromptRunRequest,
    prompts: PromptsDep,
    models: PromptModelsDep,
    state: StateDep,
) -> PromptRunResponse:
    try:
        active = prompts.get(name)
    except KeyError as error:
        raise HTTPException(404, error.args[0]) from error
    variant = None if body.variant == "default" else body.variant
    prompt = active if body.variant is None else prompts.prompts.get((name, variant))
    if prompt is None:
        raise HTTPException(404, f"prompt {name!r} has no variant {body.variant!r}")
    model = models[name]
    if prompt is not active:  # another variant may carry other model settings
        model = model_for_prompt(state.settings, prompt, state.chat_model, state.levers)
    started = time.perf_counter()
    try:
        # Counts the tokens of every model call made inside (a JSON retry included).
        with count_usage() as usage:
            output = await run_prompt(model, prompt, prompt.variables(body.variables))
    except PromptError as error:
        raise HTTPException(422, str(error)) from error
    except (BudgetExceededError, ModelError, StructuredOutputError):
        raise  # the app's handlers: 429 for a budget, 502/503/504/413 (api/errors.py)
    except Exception as error:  # the model's output was unusable: say which way
        raise HTTPException(502, f"{type(error).__name__}: {error}") from error
    latency_ms = (time.perf_counter() - started) * 1000
    tokens_in = sum(tokens[0] for tokens in usage.values())
    tokens_out = sum(tokens[1] for tokens in usage.values())
    return PromptRunResponse(
        output=asdict(output) if isinstance(output, ThoughtAnswer) else output,
        prompt=PromptInfo(**prompt.metadata),
        usage=Usage(tokens_in, tokens_out),
        latency_ms=latency_ms,
    )
