"""Load on a generated app's HTTP server: requests/s and latency under concurrency.

Renders a fresh project (defaults), then runs its own load generator (`scripts/load.py`,
what `make load` runs): a real uvicorn server on 127.0.0.1, one worker, tracing on
(the local SQLite store), the fake model answering after a fixed latency. Two paths,
each run `--runs` times (the machine is noisy; the table gives the median run and the
range of req/s):
- distinct messages: every request calls the (fake) model;
- one message with RESPONSE_CACHE=true: after the first, every request is a cache hit.
With concurrency C and latency L, C / L requests/s is the latency bound (64 / 50 ms =
1,280 req/s); below it, the CPU (server and load generator share the machine) is the
limit. Prints a Markdown table.

    python benchmarks/load.py [--requests 5000] [--concurrency 64] [--latency-ms 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from aieng.generate import new_project


def load(project: Path, args: argparse.Namespace, *extra: str) -> dict[str, float]:
    command = [sys.executable, "scripts/load.py", "--spawn", "bench_app.api:create_app", "--json"]
    command += ["--requests", str(args.requests), "--concurrency", str(args.concurrency)]
    command += ["--latency-ms", str(args.latency_ms), "--workers", "1", "--duration", "300"]
    command += ["--env", "TRACING=local", "--env", "PLAYGROUND=false", *extra]
    command += ["--env", f"TRACE_PATH={project / '.traces' / 'traces.db'}"]  # counted below
    done = subprocess.run(command, cwd=project, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def traced_spans(project: Path) -> int:
    """How many spans the runs left in the local trace store: proof tracing was on."""
    import sqlite3

    store = project / ".traces" / "traces.db"
    if not store.exists():
        return 0
    with sqlite3.connect(store) as db:
        return db.execute("SELECT count(*) FROM spans").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    paths = {
        "model call (distinct messages)": (),
        "cache hit (one message, `RESPONSE_CACHE=true`)": (
            "--same-message",
            "--env",
            "RESPONSE_CACHE=true",
        ),
    }

    with tempfile.TemporaryDirectory() as scratch:
        project = new_project(Path(scratch) / "bench-app", {}, use_defaults=True, git=False).path
        # Alternate the paths run by run, so a noisy minute does not fall on one path only.
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
        for _ in range(args.runs):
            for name, extra in paths.items():
                runs[name].append(load(project, args, *extra))
        spans = traced_spans(project)

    bound = args.concurrency / (args.latency_ms / 1000)
    print(
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, one uvicorn worker, tracing local "
        f"({spans} spans stored), fake model {args.latency_ms:.0f} ms, "
        f"concurrency {args.concurrency}, {args.requests} requests per run, "
        f"{args.runs} runs per path (median run shown)\n"
    )
    print(
        "| path | req/s (median) | req/s (range) | latency bound | server CPU per request"
        " | p50 | p95 | p99 | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, rows in runs.items():
        rates = [row["requests_per_s"] for row in rows]
        row = min(rows, key=lambda r: abs(r["requests_per_s"] - statistics.median(rates)))
        errors = sum(r["errors"] for r in rows)
        print(
            f"| {name} | {row['requests_per_s']:,.0f} | {min(rates):,.0f}-{max(rates):,.0f}"
            f" | {bound:,.0f} | {row.get('server_cpu_ms_per_request', float('nan')):.2f} ms"
            f" | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms"
            f" | {row['p99_ms']:.0f} ms | {errors:.0f} |"
        )


if __name__ == "__main__":
    main()
