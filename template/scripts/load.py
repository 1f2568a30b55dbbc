"""A bounded load test: N requests at a fixed concurrency, then a report; it always stops.

    python scripts/load.py --spawn PACKAGE.api:create_app   # start a server, load it, stop it
    python scripts/load.py --url http://127.0.0.1:8000       # load a server already running

With `--spawn` the server runs the offline fake model with a fixed latency
(`FAKE_LATENCY_MS`, `--latency-ms`), so the figures measure the app, not a provider:
with concurrency C and latency L, C / L requests per second is the ceiling; below it,
the server's CPU time per request (`server_cpu_ms_per_request`, on Linux) says what the
CPU allows: one worker serves at most 1,000 / that many requests a second. The spawned
server keeps its traces, cache and agent memory in a scratch folder, not the project's
`.traces`/`.data`, and checks an API key this script makes up (so `API_KEYS` in `.env`
does not turn every request into a 401). Against `--url`, set `LOAD_API_KEY` if the
server wants a key. It stops
after `--requests` requests or `--duration` seconds, whichever comes first, and
only targets this machine (127.0.0.1 / localhost): it is not a tool to flood others.

The client is plain asyncio HTTP/1.1 (one keep-alive connection per concurrent
request, standard library only), because the load generator shares the machine with
the server and must cost less than it: measured on 2 cores, httpx's AsyncClient with a
64-connection pool made the same server look 7 times slower (59 against 403 req/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="A running server on this machine.")
    target.add_argument("--spawn", metavar="APP", help="Start `uvicorn APP --factory` first.")
    parser.add_argument("--requests", type=int, default=2000, help="Total requests (cap).")
    parser.add_argument("--duration", type=float, default=60.0, help="Time limit in seconds.")
    parser.add_argument("--concurrency", type=int, default=64, help="Requests in flight.")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="The fake model's delay.")
    parser.add_argument("--workers", type=int, default=1, help="Server worker processes.")
    parser.add_argument("--same-message", action="store_true", help="Repeat one message (cache).")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="Server setting."
    )
    args = parser.parse_args(argv)
    if args.url and urlsplit(args.url).hostname not in LOCAL_HOSTS:
        parser.error(f"--url must be on this machine (127.0.0.1 or localhost), not {args.url}")
    if min(args.requests, args.concurrency) < 1 or args.duration <= 0:
        parser.error("--requests, --concurrency and --duration must be positive")
    if bad := [item for item in args.env if not item.partition("=")[0] or "=" not in item]:
        parser.error(f"--env takes NAME=VALUE, not {bad[0]!r}")
    return args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The settings naming files a server writes: a load run's go to a scratch folder.
STATE_PATHS = {
    "TRACE_PATH": "traces.db",
    "RESPONSE_CACHE_PATH": "response-cache.sqlite",
    "AGENT_CHECKPOINT_PATH": "agent-checkpoints.sqlite",
}


@contextmanager
def spawned_server(app: str, args: argparse.Namespace, api_key: str) -> Iterator[tuple[str, int]]:
    """uvicorn on a free local port with the fake model, as (URL, pid); stopped (SIGTERM)
    on exit."""
    port = free_port()
    scratch = tempfile.TemporaryDirectory(prefix="load-")
    env = {**os.environ, "LLM_PROVIDER": "fake", "FAKE_LATENCY_MS": str(args.latency_ms)}
    env |= {name: str(Path(scratch.name) / file) for name, file in STATE_PATHS.items()}
    env |= {"API_KEYS": api_key}
    env |= dict(item.split("=", 1) for item in args.env)
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--workers", str(args.workers), "--no-access-log"]
    command += ["--app-dir", str(Path(__file__).resolve().parents[1] / "src")]
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not ready(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("error: the server did not become ready")
            time.sleep(0.2)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
        scratch.cleanup()


def cpu_seconds(pid: int) -> float | None:
    """The CPU time a process and its children (uvicorn's workers) have used so far
    (Linux's /proc); None elsewhere."""
    stats = {}
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:  # after the command name, which may hold spaces: state, ppid, ...
            stats[int(path.parent.name)] = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
    if pid not in stats:
        return None
    tree, found = {pid}, True
    while found:  # the workers, and anything they started
        grown = tree | {child for child, fields in stats.items() if int(fields[1]) in tree}
        found, tree = grown != tree, grown
    ticks = sum(int(stats[p][11]) + int(stats[p][12]) for p in tree)  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def ready(url: str) -> bool:
    try:
        with urlopen(f"{url}/health/ready", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Connection:
    """One keep-alive HTTP/1.1 connection: POST a JSON body, read the status and body."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.address = (host, port)
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"host": host, **headers}.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, payload: dict[str, str]) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(*self.address)
        reader, writer = self.streams
        body = json.dumps(payload).encode()
        request = f"POST {path} HTTP/1.1\r\n{self.head}content-type: application/json\r\n"
        writer.write(f"{request}content-length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
        await reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection") == "close":
            self.close()
        return int(head[0].split()[1])

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def run_load(url: str, args: argparse.Namespace, api_key: str | None) -> dict[str, Any]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()  # status code (or "no answer") -> count
    issued = 0
    parts = urlsplit(url)
    headers = {"x-api-key": api_key} if api_key else {}
    start = time.perf_counter()
    deadline = start + args.duration

    async def worker() -> None:
        nonlocal issued
        connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80, headers)
        while issued < args.requests and time.perf_counter() < deadline:
            issued += 1
            message = "hello" if args.same_message else f"hello {issued}"
            sent = time.perf_counter()
            try:
                status = await asyncio.wait_for(connection.post("/chat", {"message": message}), 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
                connection.close()
            latencies.append(time.perf_counter() - sent)
            if status != 200:
                errors[str(status) if status else "no answer"] += 1
        connection.close()

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:  # nearest rank, as the eval report and `app traces` use
        return latencies[max(0, math.ceil(len(latencies) * p) - 1)] * 1000

    return {
        "requests": len(latencies),
        "errors": errors.total(),
        "errors_by_status": dict(errors),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "ceiling_per_s": round(args.concurrency / (args.latency_ms / 1000), 1)
        if args.latency_ms
        else 0.0,
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.spawn:
        api_key = os.environ.get("LOAD_API_KEY") or f"load-{secrets.token_hex(8)}"
        with spawned_server(args.spawn, args, api_key) as (url, pid):
            before, client_before = cpu_seconds(pid), time.process_time()
            report = asyncio.run(run_load(url, args, api_key))
            after, client_after = cpu_seconds(pid), time.process_time()
        # What one request costs the server (all its workers), and this load generator.
        if before is not None and after is not None:
            report["server_cpu_ms_per_request"] = round(
                (after - before) * 1000 / report["requests"], 2
            )
        report["client_cpu_ms_per_request"] = round(
            (client_after - client_before) * 1000 / report["requests"], 2
        )
    else:
        report = asyncio.run(run_load(args.url, args, os.environ.get("LOAD_API_KEY")))
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>16}  {value}")
    if "401" in report["errors_by_status"]:
        print("error: the server wants an API key: set LOAD_API_KEY", file=sys.stderr)
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
