"""How fast do `app traces` and its HTML report read a big store? Prints a table of medians.

Renders a project, seeds its trace store with `--traces` requests of five spans each (a
request, a retrieval, two model calls and a tool call; one in fifty failed), then times
each reader in a fresh process (median of `--runs`), and the whole command (process
start, imports, query, output) as a user runs it.

    python benchmarks/traces.py [--traces 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aieng.generate import new_project

READERS = """
import json, statistics, sys, time
from pathlib import Path
from {package}.tracing import query
from {package}.tracing.report import render_report

store = query.open_store(Path(sys.argv[1]))
some_id = query.recent_traces(store, limit=1)[0].trace_id[:8]
cases = {{
    "list (newest 20)": lambda: query.recent_traces(store),
    "list --errors": lambda: query.recent_traces(store, errors_only=True),
    "show (prefix lookup + tree)": lambda: query.trace_tree(
        store, query.resolve_trace_id(store, some_id)),
    "cost --by model": lambda: query.cost_by(store, "model"),
    "cost --by day": lambda: query.cost_by(store, "day"),
    "html (200 traces drawn)": lambda: render_report(store),
}}
result = {{}}
for name, case in cases.items():
    samples = []
    for _ in range(int(sys.argv[2])):
        start = time.perf_counter()
        case()
        samples.append(time.perf_counter() - start)
    result[name] = statistics.median(samples) * 1000
print(json.dumps(result))
"""

SEED = """
import random, sys
from pathlib import Path
from {package}.tracing.schema import connect

store = connect(Path(sys.argv[1]))
random.seed(1)
columns = ("span_id, trace_id, parent_id, name, kind, start_ns, end_ns, status, model, "
           "prompt_name, prompt_version, input_tokens, output_tokens, cost_usd")
rows, number = [], 0
for trace in range(int(sys.argv[2])):
    trace_id = f"{{random.getrandbits(128):032x}}"
    start = 1_700_000_000 * 10**9 + trace * 6 * 10**10  # a request a minute
    status = "error" if trace % 50 == 0 else "ok"
    root = f"{{number:016x}}"
    spans = [
        (None, "POST /chat", "request", 0, 900, status, None, None, None),
        (root, "retrieve", "retrieval", 5, random.uniform(5, 80), "ok", None, None, None),
        (root, "chat gpt-4.1-mini", "llm", 90, random.uniform(200, 3000), status,
         "gpt-4.1-mini", 1000, 0.00072),
        (root, "lookup", "tool", 95, 3, "ok", None, None, None),
        (root, "chat gpt-4.1", "llm", 100, 700, "ok", "gpt-4.1", 300, 0.001),
    ]
    for parent, name, kind, offset, ms, span_status, model, tokens, cost in spans:
        begin = start + int(offset * 1e6)
        rows.append((f"{{number:016x}}", trace_id, parent, name, kind, begin,
                     begin + int(ms * 1e6), span_status, model, model and "chat",
                     model and "1", tokens, tokens and 200, cost))
        number += 1
with store:
    store.executemany(f"INSERT INTO spans ({{columns}}) VALUES ({{','.join('?' * 14)}})", rows)
print(number)
"""


def wall(command: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "bench-app"
        new_project(project, {}, use_defaults=True, git=False)
        package = "bench_app"
        env = {**os.environ, "PYTHONPATH": str(project / "src"), "LLM_PROVIDER": "fake"}
        store = Path(scratch) / "traces.db"
        env["TRACE_PATH"] = str(store)
        run = [sys.executable, "-c"]
        spans = subprocess.run(
            [*run, SEED.format(package=package), str(store), str(args.traces)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        readers = json.loads(
            subprocess.run(
                [*run, READERS.format(package=package), str(store), str(args.runs)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        cli = [*run, f"from {package}.cli import main; main()"]
        commands = {
            "app --help": [*cli, "--help"],
            "app traces list": [*cli, "traces", "list"],
            "app traces cost": [*cli, "traces", "cost"],
            "app traces html": [*cli, "traces", "html", "-o", str(Path(scratch) / "r.html")],
        }
        whole = {name: wall(command, env, args.runs) for name, command in commands.items()}
    print(f"Trace store: {args.traces} traces, {spans} spans; median of {args.runs} runs\n")
    print("| reader (query only, warm) | ms |\n|---|---:|")
    for name, ms in readers.items():
        print(f"| {name} | {ms:.1f} |")
    print("\n| command (whole process) | ms |\n|---|---:|")
    for name, ms in whole.items():
        print(f"| `{name}` | {ms:.0f} |")


if __name__ == "__main__":
    main()
