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

from .runner import CaseResult


@dataclass(frozen=True)
class Comparison:
    regressed: list[str]
    improved: list[str]


def case_key(result: CaseResult) -> str:
    return f"{result.case.dataset}/{result.case.id}"


def save_run(results: list[CaseResult], runs_dir: Path) -> Path:
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.json"
    cases = [
        {
            "key": case_key(r),
            "passed": r.passed,
            "answer": r.answer,
            "failures": r.failures,
            "error": r.error,
            "latency_ms": round(r.latency_ms, 1),
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


def compare(baseline: Path, results: list[CaseResult]) -> Comparison:
    before = {c["key"]: c["passed"] for c in json.loads(baseline.read_text())["cases"]}
    now = {case_key(r): r.passed for r in results}
    shared = sorted(before.keys() & now.keys())
    return Comparison(
        regressed=[key for key in shared if before[key] and not now[key]],
        improved=[key for key in shared if not before[key] and now[key]],
    )
