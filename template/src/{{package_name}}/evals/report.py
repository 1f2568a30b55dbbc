"""Gates and reports: pass rates, cost and latency per dataset and tag, against
`evals/config.yaml`'s thresholds; the Markdown summary; side-by-side summaries of the
same cases under each prompt variant or model tier.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .retrieval import RetrievalScores, score_rankings
from .runner import CaseResult

#: The thresholds a gate may set; any other key in config.yaml is an error.
GATES = {"min_pass_rate", "max_avg_cost", "max_p95_latency_ms"}


@dataclass(frozen=True)
class Summary:
    """One dataset (or `tag:NAME`): its runs, pass rate, average cost, p95 latency."""

    name: str
    passed: int
    total: int
    p95_latency_ms: float
    avg_cost_usd: float | None
    avg_latency_ms: float
    gate_failures: list[str]
    total_cost_usd: float | None = None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def load_gates(path: Path) -> dict[str, Any]:
    """`default:` thresholds, overridden per dataset under `datasets:`; `tags:` per tag."""
    if not path.is_file():
        return {}
    gates = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = [gates.get("default") or {}]
    groups += [*(gates.get("datasets") or {}).values(), *(gates.get("tags") or {}).values()]
    for group in groups:
        unknown = set(group) - GATES
        if unknown:
            known = ", ".join(sorted(GATES))
            raise ValueError(f"{path}: unknown gate {sorted(unknown)[0]!r} (known: {known})")
    return gates


def p95(values: list[float]) -> float:
    """Nearest rank: the smallest value that 95 % of the values do not exceed."""
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1] if ordered else 0.0


def average_cost(rows: list[CaseResult]) -> float | None:
    """The mean cost of the runs; None when any cost is unknown (a partial mean misleads)."""
    costs = [r.cost_usd for r in rows if r.error is None]
    if not costs or any(c is None for c in costs):
        return None
    return sum(c for c in costs if c is not None) / len(costs)


def summarize_group(name: str, rows: list[CaseResult], limits: dict[str, Any]) -> Summary:
    passed = sum(r.passed for r in rows)
    answered = [r.latency_ms for r in rows if r.error is None]
    p95_ms = p95(answered)
    avg_ms = sum(answered) / len(answered) if answered else 0.0
    cost = average_cost(rows)
    failures = []
    minimum = limits.get("min_pass_rate", 1.0)
    if passed / len(rows) < minimum:
        failures.append(f"pass rate {passed}/{len(rows)} < {minimum}")
    if "max_avg_cost" in limits:
        if cost is None:
            failures.append("average cost unknown (no price for the model: set LLM_PRICES)")
        elif cost > limits["max_avg_cost"]:
            failures.append(f"average cost ${cost:.6f} > ${limits['max_avg_cost']}")
    if "max_p95_latency_ms" in limits and p95_ms > limits["max_p95_latency_ms"]:
        failures.append(f"p95 latency {p95_ms:.0f} ms > {limits['max_p95_latency_ms']} ms")
    total = None if cost is None else cost * len(answered)
    return Summary(name, passed, len(rows), p95_ms, cost, avg_ms, failures, total)


def summarize(results: list[CaseResult], gates: dict[str, Any]) -> list[Summary]:
    """One summary per dataset, then one per tag that has gates (`tag:NAME`)."""
    default = gates.get("default") or {}
    per_dataset = gates.get("datasets") or {}
    summaries = []
    for name in sorted({r.case.dataset for r in results}):
        rows = [r for r in results if r.case.dataset == name]
        limits = {**default, **(per_dataset.get(name) or {})}
        summaries.append(summarize_group(name, rows, limits))
    for tag, limits in sorted((gates.get("tags") or {}).items()):
        rows = [r for r in results if tag in r.case.tags]
        if rows:
            summaries.append(summarize_group(f"tag:{tag}", rows, limits or {}))
    return summaries


def case_pass_rates(results: list[CaseResult]) -> dict[str, tuple[int, int]]:
    """Per case: (runs passed, runs), over its repeats, in the cases' order."""
    rates: dict[str, tuple[int, int]] = {}
    for r in results:
        passed, total = rates.get(r.key, (0, 0))
        rates[r.key] = (passed + r.passed, total + 1)
    return rates


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.6f}"


def side_by_side(results: list[CaseResult], label: Callable[[CaseResult], str]) -> list[Summary]:
    """The same cases under each variant or tier: one summary per label, no gates."""
    labels = list(dict.fromkeys(label(r) for r in results))
    return [
        summarize_group(name, [r for r in results if label(r) == name], {"min_pass_rate": 0})
        for name in labels
    ]


def markdown(results: list[CaseResult], summaries: list[Summary]) -> str:
    """A summary for a pull request or `$GITHUB_STEP_SUMMARY`."""
    lines = [
        "| dataset | passed | pass rate | avg cost | p95 ms | gate |",
        "|---|---|---|---|---|---|",
    ]
    for s in summaries:
        gate = "; ".join(s.gate_failures) or "ok"
        rate, p95_ms, cost = f"{s.pass_rate:.0%}", f"{s.p95_latency_ms:.0f}", money(s.avg_cost_usd)
        lines.append(f"| {s.name} | {s.passed}/{s.total} | {rate} | {cost} | {p95_ms} | {gate} |")
    lines += retrieval_markdown(retrieval_scores(results))
    failed = [r for r in results if not r.passed]
    if failed:
        lines += ["", "| failed case | run | why |", "|---|---|---|"]
        for r in failed:
            why = _cell(r.error or "; ".join(r.failures))
            lines.append(f"| {_cell(case_name(r))} | {r.repeat + 1} | {why} |")
    return "\n".join(lines) + "\n"


def case_name(result: CaseResult) -> str:
    """The case's key, and the images it attaches (as the dataset names them), so a
    report line says which picture a failed answer was about."""
    images = result.case.images
    if not images:
        return result.key
    return f"{result.key} (image{'s' if len(images) > 1 else ''}: {', '.join(images)})"


def retrieval_scores(results: list[CaseResult]) -> list[RetrievalScores]:
    """hit@1, hit@k, MRR and nDCG@k per dataset that has retrieval cases (cases naming
    `expected_sources`), over those cases' runs, datasets in name order."""
    rankings: dict[str, list[tuple[list[str], list[str]]]] = {}
    for r in results:
        if r.case.expected_sources:
            rankings.setdefault(r.case.dataset, []).append((r.sources, r.case.expected_sources))
    return [score_rankings(name, rankings[name]) for name in sorted(rankings)]


def retrieval_markdown(scores: list[RetrievalScores]) -> list[str]:
    """The retrieval table of the Markdown summary (no lines without retrieval datasets)."""
    if not scores:
        return []
    names = list(scores[0].metrics())
    lines = ["", "| retrieval dataset | runs | " + " | ".join(names) + " |"]
    lines.append("|---" * (len(names) + 2) + "|")
    for s in scores:
        values = " | ".join(f"{value:.2f}" for value in s.metrics().values())
        lines.append(f"| {s.name} | {s.runs} | {values} |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
