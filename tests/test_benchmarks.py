"""Every benchmark script still runs, on the smallest sizes. Not a timing test: the
figures are not checked, only that the script gets to its table. A benchmark broken by
a change of the template would otherwise be found only by the next person to measure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

SMALLEST = {
    "agent.py": ["--runs", "2", "--calls", "1", "--mcp-calls", "2"],
    "app.py": ["--requests", "20", "--runs", "1"],
    "evals.py": ["--cases", "40", "--runs", "1"],
    "load.py": ["--requests", "100", "--concurrency", "8", "--latency-ms", "5", "--runs", "1"],
    "rag.py": ["--sizes", "300", "--queries", "10", "--ingest-chunks", "300"],
    "render.py": ["--runs", "1"],
    "structure.py": [],
    "structured.py": ["--calls", "20", "--rates", "0,20"],
    "traces.py": ["--traces", "50", "--runs", "1"],
    "tracing.py": ["--calls", "100", "--block", "50"],
    "update.py": ["--runs", "1"],
}


def test_every_benchmark_script_is_listed() -> None:
    scripts = {path.name for path in BENCHMARKS.glob("*.py") if path.name != "generated.py"}
    assert scripts == set(SMALLEST)


@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_benchmark_runs_to_its_table(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *SMALLEST[script]],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "|---" in done.stdout, done.stdout  # the Markdown table the docs record
