"""Saved runs, and what changed since one: which cases regressed and which improved.

Each `app eval` writes `evals/runs/<UTC time>.json`; `--baseline last` (or a file)
compares the new run with it case by case, so a prompt edit that breaks a case that
used to pass is named, even while the gates still pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..wording import plural
from .report import case_pass_rates
from .runner import CaseResult


@dataclass(frozen=True)
class Comparison:
    regressed: list[str]
    improved: list[str]
    #: Cases in both runs, compared; cases in one run only are not.
    shared: int = 0

    def outcome(self) -> str:
        """One line for the terminal, also when nothing changed."""
        if not self.shared:
            return "no case in common"
        if not self.regressed and not self.improved:
            return f"no change in {plural(self.shared, 'case')}"
        return f"{len(self.regressed)} regressed, {len(self.improved)} improved, " + (
            f"of {plural(self.shared, 'case')}"
        )


def save_run(results: list[CaseResult], runs_dir: Path) -> Path:
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.json"
    cases = [
        {
            "key": r.key,
            "repeat": r.repeat,
            "passed": r.passed,
            "answer": r.answer,
            "failures": r.failures,
            "error": r.error,
            "latency_ms": round(r.latency_ms, 1),
            "cost_usd": r.cost_usd,
        }
        for r in results
    ]
    path.write_text(json.dumps({"cases": cases}, indent=1, default=str), encoding="utf-8")
    return path


def find_baseline(name: str, runs_dir: Path, exclude: Path | None = None) -> Path:
    """`last` is the newest saved run (other than the one just written); else a path."""
    if name != "last":
        return Path(name)
    runs = sorted(p for p in runs_dir.glob("*.json") if p != exclude)
    if not runs:
        raise FileNotFoundError(f"no saved run in {runs_dir} to compare with")
    return runs[-1]


def _rates(counts: dict[str, tuple[int, int]]) -> dict[str, float]:
    return {key: passed / total for key, (passed, total) in counts.items()}


def compare(baseline: Path, results: list[CaseResult]) -> Comparison:
    """By pass rate per case (over its repeats): lower now is a regression."""
    counts: dict[str, tuple[int, int]] = {}
    for case in json.loads(baseline.read_text(encoding="utf-8"))["cases"]:
        passed, total = counts.get(case["key"], (0, 0))
        counts[case["key"]] = (passed + bool(case["passed"]), total + 1)
    before, now = _rates(counts), _rates(case_pass_rates(results))
    shared = sorted(before.keys() & now.keys())
    return Comparison(
        regressed=[key for key in shared if now[key] < before[key]],
        improved=[key for key in shared if now[key] > before[key]],
        shared=len(shared),
    )
