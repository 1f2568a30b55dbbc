"""Run cases concurrently: each case's target answers, then its assertions are checked.

A target turns a case into an `Output` (the answer, the tokens each model used, and for
RAG and agent cases the sources retrieved and the tools called): `PromptTarget` runs a
prompt file; `rag_target.py` and `agent_target.py` exist in apps with those features.
Cases run at most `concurrency` at a time, each `repeat` times, each under a timeout;
cancelling the run (Ctrl-C) keeps the results that finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel

from ..prompting import Prompt, PromptLibrary, run_prompt
from ..prompting.structured import ThoughtAnswer
from ..usage import count_usage
from .assertions import ASSERTIONS, JUDGED, Observed
from .dataset import Case

#: Case, prompt and repeat number -> the model to ask (scripted offline, cached...).
ModelFor = Callable[[Case, Prompt, int], BaseChatModel]
#: Scores an `llm_judge` assertion: (case, run, assertion value, repeat) -> why it failed.
Judge = Callable[[Case, Observed, Any, int], Awaitable["str | None"]]


@dataclass(frozen=True)
class Output:
    answer: Any
    #: Tokens per model name: `{"gpt-4o-mini": (input_tokens, output_tokens)}`.
    usage: dict[str, tuple[int, int]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    context: str | None = None
    tool_calls: list[str] = field(default_factory=list)
    #: (tool name, result) of each call that ran (agent), for `tool_returned`.
    tool_results: list[tuple[str, str]] = field(default_factory=list)


#: Output -> its cost in USD (None: unknown); see eval_command.py for the app's pricing.
Pricer = Callable[[Output], "float | None"]


class Target(Protocol):
    async def __call__(self, case: Case, repeat: int) -> Output: ...


def prompt_for(library: PromptLibrary, case: Case, name: str | None = None) -> Prompt:
    key = (name or case.prompt or "", case.variant)
    if key not in library.prompts:
        raise KeyError(f"no prompt {key[0]!r} (variant {case.variant or 'default'})")
    return library.prompts[key]


class PromptTarget:
    """A prompt file with the case's `vars`; the answer in the prompt's output shape."""

    def __init__(self, library: PromptLibrary, model_for: ModelFor) -> None:
        self.library = library
        self.model_for = model_for

    async def __call__(self, case: Case, repeat: int) -> Output:
        prompt = prompt_for(self.library, case)
        with count_usage() as usage:
            model = self.model_for(case, prompt, repeat)
            answer = await run_prompt(model, prompt, case.vars, case.loaded_images)
        if isinstance(answer, ThoughtAnswer):
            answer = answer.answer
        return Output(answer, usage)


@dataclass(frozen=True)
class CaseResult:
    case: Case
    answer: Any = None
    latency_ms: float = 0.0
    failures: list[str] = field(default_factory=list)
    error: str | None = None
    repeat: int = 0
    cost_usd: float | None = None
    sources: list[str] = field(default_factory=list)
    tool_calls: list[str] = field(default_factory=list)
    #: The models that answered (their usage's names), e.g. to show which tier ran.
    models: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures

    @property
    def key(self) -> str:
        return f"{self.case.dataset}/{self.case.id}"


@dataclass(frozen=True)
class Run:
    results: list[CaseResult]
    #: Cancelled (Ctrl-C) before every case finished; `results` holds those that did.
    interrupted: bool = False
    planned: int = 0


async def _judged(
    case: Case, run: Observed, judge: Judge | None, repeat: int, timeout_s: float
) -> list[str]:
    failures = []
    for check in case.asserts:
        if check.type not in JUDGED:
            continue
        if judge is None:
            failures.append(f"{check.type}: no judge model configured")
            continue
        try:
            reason = await asyncio.wait_for(judge(case, run, check.value, repeat), timeout_s)
        except TimeoutError:
            reason = f"the judge timed out after {timeout_s:g} s"
        except Exception as error:  # a broken judge fails the case, not the run
            reason = f"the judge failed: {type(error).__name__}: {error}"
        if reason:
            failures.append(f"{check.type}: {reason}")
    return failures


async def run_case(
    case: Case,
    target: Target,
    *,
    repeat: int = 0,
    timeout_s: float = 60.0,
    judge: Judge | None = None,
    price: Pricer | None = None,
) -> CaseResult:
    start = time.perf_counter()
    try:
        output = await asyncio.wait_for(target(case, repeat), timeout_s)
    except TimeoutError:
        return CaseResult(case, error=f"timed out after {timeout_s:g} s", repeat=repeat)
    except Exception as error:  # a failing case is a result, not the end of the run
        return CaseResult(case, error=f"{type(error).__name__}: {error}", repeat=repeat)
    latency_ms = (time.perf_counter() - start) * 1000
    cost = price(output) if price else None
    run = Observed(
        answer=output.answer,
        latency_ms=latency_ms,
        cost_usd=cost,
        expected=case.expected,
        sources=output.sources,
        expected_sources=case.expected_sources,
        context=output.context,
        tool_calls=output.tool_calls,
        tool_results=output.tool_results,
    )
    failures = []
    for check in case.asserts:
        if check.type in JUDGED:
            continue
        try:
            reason = ASSERTIONS[check.type](run, check.value)
        except Exception as error:  # e.g. a bad regex or a broken custom check
            reason = f"could not check: {type(error).__name__}: {error}"
        if reason:
            failures.append(f"{check.type}: {reason}")
    failures += await _judged(case, run, judge, repeat, timeout_s)
    return CaseResult(
        case,
        output.answer,
        latency_ms,
        failures,
        repeat=repeat,
        cost_usd=cost,
        sources=output.sources,
        tool_calls=output.tool_calls,
        models=tuple(output.usage),
    )


async def run_cases(
    cases: Sequence[Case],
    targets: dict[str, Target],
    *,
    concurrency: int = 8,
    timeout_s: float = 60.0,
    repeat: int = 1,
    judge: Judge | None = None,
    price: Pricer | None = None,
    on_result: Callable[[CaseResult], None] = lambda result: None,
) -> Run:
    """Every case `repeat` times, at most `concurrency` at a time; results in case order.

    When the run is cancelled (Ctrl-C under `asyncio.run`), the cases still running are
    cancelled and the finished ones are returned, marked `interrupted`.
    """
    runs = [(case, number) for case in cases for number in range(repeat)]
    results: list[CaseResult | None] = [None] * len(runs)
    jobs = iter(enumerate(runs))

    async def one(case: Case, number: int) -> CaseResult:
        target = targets.get(case.target)
        if target is None:
            return CaseResult(case, error=f"this app has no {case.target!r} target", repeat=number)
        return await run_case(
            case, target, repeat=number, timeout_s=timeout_s, judge=judge, price=price
        )

    async def worker() -> None:
        # Workers share one iterator of jobs. (Not one task per case behind a semaphore:
        # asyncio.Semaphore scans its waiters on every acquire, quadratic in the cases.)
        for index, (case, number) in jobs:
            result = await one(case, number)
            results[index] = result
            on_result(result)

    workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(runs)))]
    interrupted = False
    try:
        await asyncio.gather(*workers)
    except asyncio.CancelledError:
        interrupted = True
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return Run([r for r in results if r is not None], interrupted, planned=len(runs))
