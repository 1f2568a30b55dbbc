"""Run cases concurrently: render each case's prompt, ask the model, check the answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from ..prompting import Prompt, PromptLibrary, run_prompt
from ..prompting.structured import ThoughtAnswer
from .assertions import ASSERTIONS
from .dataset import Case

ModelFor = Callable[[Case, Prompt], BaseChatModel]


@dataclass(frozen=True)
class CaseResult:
    case: Case
    answer: Any = None
    latency_ms: float = 0.0
    failures: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures


def prompt_for(library: PromptLibrary, case: Case) -> Prompt:
    key = (case.prompt, case.variant)
    if key not in library.prompts:
        raise KeyError(f"no prompt {case.prompt!r} (variant {case.variant or 'default'})")
    return library.prompts[key]


async def run_case(
    case: Case, library: PromptLibrary, model_for: ModelFor, timeout_s: float
) -> CaseResult:
    start = time.perf_counter()
    try:
        prompt = prompt_for(library, case)
        answer = await asyncio.wait_for(
            run_prompt(model_for(case, prompt), prompt, case.vars), timeout_s
        )
    except TimeoutError:
        return CaseResult(case, error=f"timed out after {timeout_s:g} s")
    except Exception as error:  # a failing case is a result, not the end of the run
        return CaseResult(case, error=f"{type(error).__name__}: {error}")
    latency_ms = (time.perf_counter() - start) * 1000
    if isinstance(answer, ThoughtAnswer):
        answer = answer.answer
    failures = [
        f"{check.type}: {reason}"
        for check in case.asserts
        if (reason := ASSERTIONS[check.type](answer, check.value, latency_ms))
    ]
    return CaseResult(case, answer, latency_ms, failures)


async def run_cases(
    cases: Sequence[Case],
    library: PromptLibrary,
    model_for: ModelFor,
    *,
    concurrency: int = 8,
    timeout_s: float = 60.0,
) -> list[CaseResult]:
    """Every case, at most `concurrency` at a time; results in the cases' order."""
    limit = asyncio.Semaphore(concurrency)

    async def bounded(case: Case) -> CaseResult:
        async with limit:
            return await run_case(case, library, model_for, timeout_s)

    return list(await asyncio.gather(*(bounded(case) for case in cases)))
