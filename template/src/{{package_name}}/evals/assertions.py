"""What a case can assert about its run. Each check returns None, or why it failed.

A check sees the `Observed` run: the answer (in the shape the prompt's output format
gives: text, parsed JSON, or the final answer of a think-then-answer prompt), its
latency and cost, the sources retrieved (RAG) and the tools called (agent). `llm_judge`
needs a model call, so the runner scores it (see `judge.py`), not this module.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for

from .retrieval import hit_at_k, ndcg_at_k, reciprocal_rank


@dataclass(frozen=True)
class Observed:
    """One run of a case, as the assertions see it."""

    answer: Any
    latency_ms: float = 0.0
    #: None when the model's price is unknown (see tracing/cost.py and LLM_PRICES).
    cost_usd: float | None = None
    #: The case's `expected` field, for checks given no value of their own.
    expected: Any = None
    #: Retrieved sources in rank order, and the ones the case expects (RAG).
    sources: list[str] = field(default_factory=list)
    expected_sources: list[str] = field(default_factory=list)
    #: The retrieved passages the answer was written from (RAG), for the judge.
    context: str | None = None
    #: The names of the tools the agent called, in order.
    tool_calls: list[str] = field(default_factory=list)
    #: What each call that ran returned, in order: (tool name, its result's text).
    tool_results: list[tuple[str, str]] = field(default_factory=list)


def _text(answer: Any) -> str:
    return answer if isinstance(answer, str) else json.dumps(answer, sort_keys=True)


def _or_expected(value: Any, run: Observed) -> Any:
    return run.expected if value is None else value


def equals(run: Observed, value: Any) -> str | None:
    """The answer is `value` (or the case's `expected`), ignoring surrounding spaces."""
    value, answer = _or_expected(value, run), run.answer
    expected = value.strip() if isinstance(value, str) and isinstance(answer, str) else value
    got = answer.strip() if isinstance(answer, str) else answer
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def contains(run: Observed, value: Any) -> str | None:
    value = _or_expected(value, run)
    return None if str(value) in _text(run.answer) else f"{value!r} not in the answer"


def icontains(run: Observed, value: Any) -> str | None:
    value = _or_expected(value, run)
    found = str(value).lower() in _text(run.answer).lower()
    return None if found else f"{value!r} not in the answer (any case)"


def not_contains(run: Observed, value: Any) -> str | None:
    return None if str(value) not in _text(run.answer) else f"{value!r} is in the answer"


def starts_with(run: Observed, value: Any) -> str | None:
    ok = _text(run.answer).lstrip().startswith(str(value))
    return None if ok else f"the answer does not start with {value!r}"


def regex(run: Observed, value: Any) -> str | None:
    return None if re.search(str(value), _text(run.answer)) else f"no match for /{value}/"


def is_json(run: Observed, value: Any) -> str | None:
    if not isinstance(run.answer, str):
        return None  # already parsed by the prompt's JSON output format
    try:
        json.loads(run.answer)
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg}"
    return None


def json_schema(run: Observed, value: Any) -> str | None:
    try:
        data = json.loads(run.answer) if isinstance(run.answer, str) else run.answer
        validator_for(value)(value).validate(data)
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg}"
    except ValidationError as error:
        return f"schema: {error.message}"
    return None


def close_to(run: Observed, value: Any) -> str | None:
    """A number within `tolerance` of `value`: `{"value": 3.14, "tolerance": 0.01}`."""
    target, tolerance = float(value["value"]), float(value.get("tolerance", 1e-6))
    match = re.search(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", _text(run.answer).replace(",", ""))
    if match is None:
        return "no number in the answer"
    got = float(match.group())
    ok = math.isclose(got, target, abs_tol=tolerance)
    return None if ok else f"{got:g} is not within {tolerance:g} of {target:g}"


def python(run: Observed, value: Any) -> str | None:
    """Your own check, by dotted path (`my_pkg.checks:polite` or `my_pkg.checks.polite`).

    It gets the answer and the `Observed` run, and returns True/None (pass), False, or a
    string saying why it failed.
    """
    path = str(value)
    module_name, _, name = path.rpartition(":") if ":" in path else path.rpartition(".")
    check = getattr(importlib.import_module(module_name), name)
    verdict = check(run.answer, run)
    if verdict is None or verdict is True:
        return None
    return verdict if isinstance(verdict, str) else f"{path} returned {verdict!r}"


def max_latency_ms(run: Observed, value: Any) -> str | None:
    ok = run.latency_ms <= float(value)
    return None if ok else f"took {run.latency_ms:.0f} ms > {value} ms"


def max_cost_usd(run: Observed, value: Any) -> str | None:
    """Fails when the cost is unknown too: a budget nobody can check is not kept."""
    if run.cost_usd is None:
        return "the cost is unknown (no price for the model: set LLM_PRICES)"
    ok = run.cost_usd <= float(value)
    return None if ok else f"cost ${run.cost_usd:.6f} > ${float(value):.6f}"


def _k_and_min(value: Any, default_min: float) -> tuple[int, float]:
    """`3` means k=3; `{"k": 3, "min": 0.8}` sets the lowest passing score too."""
    if isinstance(value, dict):
        return int(value.get("k", 5)), float(value.get("min", default_min))
    return int(value or 5), default_min


def hit_at_k_check(run: Observed, value: Any) -> str | None:
    k, _ = _k_and_min(value, 1.0)
    hit = hit_at_k(run.sources, run.expected_sources, k)
    return None if hit else f"no expected source in the top {k}: {run.sources[:k]}"


def mrr_check(run: Observed, value: Any) -> str | None:
    """Reciprocal rank of the first expected source; `value` is the lowest passing one."""
    lowest = float(value if value is not None else 0.5)
    rank = reciprocal_rank(run.sources, run.expected_sources)
    return None if rank >= lowest else f"reciprocal rank {rank:.2f} < {lowest:g}"


def ndcg_at_k_check(run: Observed, value: Any) -> str | None:
    k, lowest = _k_and_min(value, 0.5)
    score = ndcg_at_k(run.sources, run.expected_sources, k)
    return None if score >= lowest else f"nDCG@{k} {score:.2f} < {lowest:g}"


def _tool_names(value: Any) -> list[str]:
    return [str(name) for name in (value if isinstance(value, list) else [value])]


def tool_calls(run: Observed, value: Any) -> str | None:
    """Each named tool was called (in any order; other calls allowed)."""
    missing = [name for name in _tool_names(value) if name not in run.tool_calls]
    return None if not missing else f"not called: {missing} (called: {run.tool_calls})"


def not_called(run: Observed, value: Any) -> str | None:
    """None of the named tools ran (a call refused approval shows as `NAME (not approved)`)."""
    ran = [name for name in _tool_names(value) if name in run.tool_calls]
    return None if not ran else f"called: {ran} (called: {run.tool_calls})"


def trajectory(run: Observed, value: Any) -> str | None:
    """The tools called, in order: `{"tools": [...], "match": "exact"}`.

    `exact`: these calls and no others; `in_order`: these, in this order, others may
    come between; `subset`: each of these, in any order. A bare list means `exact`.
    """
    spec = value if isinstance(value, dict) else {"tools": value}
    expected, mode = _tool_names(spec.get("tools", [])), spec.get("match", "exact")
    called = run.tool_calls
    if mode == "exact":
        ok = called == expected
    elif mode == "in_order":
        remaining = iter(called)
        ok = all(name in remaining for name in expected)  # consumes: order matters
    elif mode == "subset":
        ok = set(expected) <= set(called)
    else:
        return f"unknown match {mode!r} (exact, in_order, subset)"
    return None if ok else f"trajectory {called} does not match {expected} ({mode})"


def tool_returned(run: Observed, value: Any) -> str | None:
    """A call of `tool` returned text containing `contains`: `{"tool": "recall",
    "contains": "green"}` checks what a tool really gave the model (a memory recalled
    from another thread, an MCP server's result), not only that it was called."""
    tool, wanted = str(value["tool"]), str(value["contains"])
    returned = [result for name, result in run.tool_results if name == tool]
    if any(wanted in result for result in returned):
        return None
    if not returned:
        return f"{tool} returned nothing (called: {run.tool_calls})"
    return f"{tool} did not return {wanted!r}: {returned}"


Check = Callable[[Observed, Any], "str | None"]
ASSERTIONS: dict[str, Check] = {
    "equals": equals,
    "contains": contains,
    "icontains": icontains,
    "not_contains": not_contains,
    "starts_with": starts_with,
    "regex": regex,
    "is_json": is_json,
    "json_schema": json_schema,
    "close_to": close_to,
    "python": python,
    "max_latency_ms": max_latency_ms,
    "max_cost_usd": max_cost_usd,
    "hit_at_k": hit_at_k_check,
    "mrr": mrr_check,
    "ndcg_at_k": ndcg_at_k_check,
    "tool_calls": tool_calls,
    "not_called": not_called,
    "trajectory": trajectory,
    "tool_returned": tool_returned,
}
#: Assertions scored by a model, after the run (see judge.py).
JUDGED = {"llm_judge"}
