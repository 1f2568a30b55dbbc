"""`llm_judge`: a model scores the answer against a rubric, which is a prompt file.

    {"type": "llm_judge", "value": {"criteria": "Apologises and gives a next step",
                                    "rubric": "judge", "min_score": 4}}

`rubric` names the prompt file that asks for the score (`prompts/judge.prompt.md` by
default; RAG apps also ship `faithfulness`, which checks the answer against the
retrieved passages). The prompt answers `{"score": 1-5, "reason": ...}`; the case
passes at `min_score` or above. A string value is the criteria alone.

The judge is its own model (`EVAL_JUDGE_MODEL`, default the app's model). Offline,
the case's `fake_judge` (e.g. `{"score": 5, "reason": "..."}`) is its scripted reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field

from ..prompting import Prompt, PromptLibrary, run_prompt
from .assertions import Observed
from .dataset import Case

#: (case, rubric prompt, repeat) -> the judge model.
JudgeModelFor = Callable[[Case, Prompt, int], BaseChatModel]


class JudgeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    criteria: str = ""
    rubric: str = "judge"
    min_score: int = Field(4, ge=1, le=5)


def judge_spec(value: Any) -> JudgeSpec:
    return JudgeSpec(criteria=value) if isinstance(value, str) else JudgeSpec(**(value or {}))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


class LLMJudge:
    """Renders the rubric prompt with the case and its answer, and reads the score."""

    def __init__(self, library: PromptLibrary, model_for: JudgeModelFor) -> None:
        self.library = library
        self.model_for = model_for

    async def __call__(self, case: Case, run: Observed, value: Any, repeat: int) -> str | None:
        spec = judge_spec(value)
        prompt = self.library.prompts.get((spec.rubric, None))
        if prompt is None:
            return f"no rubric prompt {spec.rubric!r} (prompts/{spec.rubric}.prompt.md)"
        given = {
            "criteria": spec.criteria,
            "input": case.input or _text(case.vars),
            "answer": _text(run.answer),
            "context": run.context or "",
        }
        variables = {name: given[name] for name in prompt.spec.input if name in given}
        verdict = await run_prompt(self.model_for(case, prompt, repeat), prompt, variables)
        score, reason = int(verdict["score"]), str(verdict.get("reason", ""))
        if score >= spec.min_score:
            return None
        return f"{spec.rubric} scored {score} < {spec.min_score}: {reason}"
