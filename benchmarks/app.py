"""Figures of a generated app, with the offline fake model. Prints a table.

Renders a fresh project (defaults: openai provider, no RAG, no agent), then measures,
each in a fresh process so imports are cold:
- `app --help` and `app chat --help` (the CLI's start-up), and import + `create_app()`
  (the API's cold start);
- the overhead of `POST /chat` per request, in-process through the ASGI app with the
  fake model answering at once: what the app itself costs around a model call;
- the same for `POST /v1/chat/completions` (OpenAI's shape of the same chat), the two
  requests in turn, and how much more it costs than /chat (target: within 10 %).

    python benchmarks/app.py [--requests 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generated import PACKAGE, render, run_in_project

CHAT_OVERHEAD = """
import asyncio, json, statistics, sys, time
import httpx
from {package}.api import create_app
from {package}.fake_model import FakeChatModel
from {package}.settings import Settings

PATHS = {{
    "chat": ("/chat", {{"message": "hello"}}),
    "v1": (
        "/v1/chat/completions",
        {{"model": "chat", "messages": [{{"role": "user", "content": "hello"}}]}},
    ),
}}

async def main(n):
    app = create_app(Settings(llm_provider="fake"), chat_model=FakeChatModel())
    transport = httpx.ASGITransport(app=app)
    samples = {{name: [] for name in PATHS}}
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        for _ in range(200):  # warm-up
            for path, body in PATHS.values():
                await client.post(path, json=body)
        for _ in range(n):  # the two paths in turn: any drift of the machine hits both
            for name, (path, body) in PATHS.items():
                start = time.perf_counter()
                response = await client.post(path, json=body)
                samples[name].append(time.perf_counter() - start)
                assert response.status_code == 200
    figures = {{}}
    for name, taken in samples.items():
        taken.sort()
        figures[name] = {{"p50": taken[len(taken) // 2], "p99": taken[int(len(taken) * 0.99)]}}
    print(json.dumps(figures))

asyncio.run(main(int(sys.argv[1])))
"""


def cold(python: str, code: str, cwd: Path, runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(cwd / "src"), "LLM_PROVIDER": "fake"}
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-c", code], cwd=cwd, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable

    with tempfile.TemporaryDirectory() as scratch:
        project = render(Path(scratch))
        package = PACKAGE
        baseline = cold(python, "pass", project, args.runs)
        help_time, chat_help = (
            cold(
                python,
                f"import sys; sys.argv={['app', *command, '--help']!r}\n"
                f"from {package}.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
                project,
                args.runs,
            )
            for command in ([], ["chat"])
        )
        start_time = cold(
            python, f"from {package}.api import create_app\ncreate_app()", project, args.runs
        )
        overhead = run_in_project(project, CHAT_OVERHEAD, args.requests)

    chat, v1 = overhead["chat"], overhead["v1"]
    extra = (v1["p50"] / chat["p50"] - 1) * 100
    print(f"median of {args.runs} cold runs; {args.requests} requests per path in-process\n")
    print("| what                                   | value     | target   |")
    print("|----------------------------------------|-----------|----------|")
    print(f"| python -c pass (interpreter floor)     | {baseline * 1000:6.0f} ms |          |")
    print(f"| app --help (fresh process)             | {help_time * 1000:6.0f} ms | < 300 ms |")
    print(f"| app chat --help (fresh process)        | {chat_help * 1000:6.0f} ms | < 500 ms |")
    print(f"| import + create_app() (fresh process)  | {start_time * 1000:6.0f} ms |          |")
    print(f"| POST /chat overhead p50 (fake model)   | {chat['p50'] * 1000:6.2f} ms | < 3 ms   |")
    print(f"| POST /chat overhead p99 (fake model)   | {chat['p99'] * 1000:6.2f} ms |          |")
    print(f"| POST /v1/chat/completions p50          | {v1['p50'] * 1000:6.2f} ms |          |")
    print(f"| POST /v1/chat/completions p99          | {v1['p99'] * 1000:6.2f} ms |          |")
    print(f"| /v1 over /chat, p50                    | {extra:+6.1f} %  | < +10 %  |")


if __name__ == "__main__":
    main()
