"""Gates and reports: pass rates per dataset against `evals/config.yaml`'s thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .runner import CaseResult


@dataclass(frozen=True)
class DatasetSummary:
    name: str
    passed: int
    total: int
    p95_latency_ms: float
    gate_failures: list[str]

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def load_gates(path: Path) -> dict[str, Any]:
    """`default:` thresholds, overridden per dataset under `datasets:`."""
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0


def summarize(results: list[CaseResult], gates: dict[str, Any]) -> list[DatasetSummary]:
    summaries = []
    for name in sorted({r.case.dataset for r in results}):
        rows = [r for r in results if r.case.dataset == name]
        limits = {**gates.get("default", {}), **gates.get("datasets", {}).get(name, {})}
        passed = sum(r.passed for r in rows)
        p95 = _p95([r.latency_ms for r in rows if r.error is None])
        failures = []
        if passed / len(rows) < limits.get("min_pass_rate", 1.0):
            failures.append(f"pass rate {passed}/{len(rows)} < {limits.get('min_pass_rate', 1.0)}")
        if "max_p95_latency_ms" in limits and p95 > limits["max_p95_latency_ms"]:
            failures.append(f"p95 latency {p95:.0f} ms > {limits['max_p95_latency_ms']} ms")
        summaries.append(DatasetSummary(name, passed, len(rows), p95, failures))
    return summaries


def markdown(results: list[CaseResult], summaries: list[DatasetSummary]) -> str:
    """A summary for a pull request or `$GITHUB_STEP_SUMMARY`."""
    lines = ["| dataset | passed | pass rate | p95 ms | gate |", "|---|---|---|---|---|"]
    for s in summaries:
        gate = "; ".join(s.gate_failures) or "ok"
        rate, p95 = f"{s.pass_rate:.0%}", f"{s.p95_latency_ms:.0f}"
        lines.append(f"| {s.name} | {s.passed}/{s.total} | {rate} | {p95} | {gate} |")
    failed = [r for r in results if not r.passed]
    if failed:
        lines += ["", "| failed case | why |", "|---|---|"]
        lines += [
            f"| {r.case.dataset}/{r.case.id} | {r.error or '; '.join(r.failures)} |" for r in failed
        ]
    return "\n".join(lines) + "\n"
