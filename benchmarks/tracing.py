"""What tracing adds to a model call, on the calling thread. Prints a table.

Renders a project (defaults), then in one process times `model.ainvoke` of the chat
prompt with the offline fake model (it answers at once, so the call is nearly all
LangChain and tracing), in blocks that alternate between tracing off (no handler
attached, as with TRACING=off) and on (the local SQLite store, its writer thread running
in the same process), so both see the same machine state. The figure is the median per
call, on minus off; target under 60 µs. A no-op handler shows LangChain's own share (what
attaching any callback handler costs); contents recorded (TRACE_CONTENT=true) and a
budget (priced on the calling thread, since the budget needs the cost) are measured the same way.

    python benchmarks/tracing.py [--calls 5000] [--block 100]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from generated import render, run_in_project

PER_CALL = """
import asyncio, json, statistics, sys, time
from pathlib import Path
from {package}.fake_model import FakeChatModel
from {package}.prompting import call_config, load_prompts
from {package}.settings import Settings
from {package}.tracing.callbacks import active_handler
from {package}.tracing.setup import setup_tracing
from langchain_core.callbacks import BaseCallbackHandler

calls, block, store = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
prices = {{"fake": {{"input_per_mtok": 1.0, "output_per_mtok": 2.0}}}}
modes = {{
    "off": None,
    "on": Settings(llm_provider="fake", trace_path=store / "on.db", llm_prices=prices),
    "on, contents": Settings(
        llm_provider="fake", trace_path=store / "c.db", llm_prices=prices, trace_content=True
    ),
    "on, daily budget": Settings(
        llm_provider="fake", trace_path=store / "b.db", llm_prices=prices, budget_usd_per_day=1e9
    ),
}}
tracings = {{name: setup_tracing(s) if s else None for name, s in modes.items()}}


class Noop(BaseCallbackHandler):  # what LangChain charges for dispatching to any handler
    run_inline = True

    def on_chat_model_start(self, *args, **kwargs):
        pass


modes = {{"off": None, "no-op handler": None, **{{k: v for k, v in modes.items() if k != "off"}}}}
model = FakeChatModel()
prompt = load_prompts(Settings(llm_provider="fake").prompts_dir).get("chat")
messages = prompt.messages({{"question": "How do I reset my password?", "context": None}})
config = call_config(prompt)


async def timed(n):
    samples = []
    for _ in range(n):
        start, cpu = time.perf_counter_ns(), time.thread_time_ns()
        await model.ainvoke(messages, config=config)
        samples.append((time.perf_counter_ns() - start, time.thread_time_ns() - cpu))
    return samples


def run(name, n):
    if name == "no-op handler":
        token = active_handler.set(Noop())
        try:
            return asyncio.run(timed(n))
        finally:
            active_handler.reset(token)
    tracing = tracings.get(name)
    if tracing is None:
        return asyncio.run(timed(n))
    with tracing.span("bench"):  # the request span the calls sit under
        return asyncio.run(timed(n))


for name in modes:  # warm-up: imports, price table, SQLite files
    run(name, 200)
samples = {{name: [] for name in modes}}
for i in range(calls // block):
    order = list(modes) if i % 2 == 0 else list(reversed(modes))
    for name in order:
        samples[name] += run(name, block)
for tracing in tracings.values():
    if tracing is not None:
        tracing.shutdown()
stored = {{}}
import sqlite3
for name, s in modes.items():
    if s is not None:
        with sqlite3.connect(s.trace_path) as db:
            stored[name] = db.execute("SELECT COUNT(*) FROM spans WHERE kind='llm'").fetchone()[0]
wall = {{n: [w for w, _ in v] for n, v in samples.items()}}
cpu = {{n: [c for _, c in v] for n, v in samples.items()}}
print(json.dumps({{
    "median_us": {{n: statistics.median(v) / 1000 for n, v in wall.items()}},
    "p90_us": {{n: statistics.quantiles(v, n=10)[-1] / 1000 for n, v in wall.items()}},
    "cpu_us": {{n: statistics.median(v) / 1000 for n, v in cpu.items()}},
    "stored": stored,
    "calls": {{n: len(v) for n, v in samples.items()}},
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000, help="calls per mode")
    parser.add_argument("--block", type=int, default=100, help="calls per alternating block")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        project = render(Path(scratch))
        result = run_in_project(project, PER_CALL, args.calls, args.block, scratch)
    median, p90, cpu = result["median_us"], result["p90_us"], result["cpu_us"]
    print(f"{args.calls} calls per mode, alternating blocks of {args.block}; fake model")
    print("wall: time per call; cpu: the calling thread's CPU time per call (medians)\n")
    print("| tracing          | wall / call | p90 wall  | added wall | cpu / call | added cpu |")
    print("|------------------|-------------|-----------|------------|------------|-----------|")
    for name in median:
        added = "" if name == "off" else f"{median[name] - median['off']:7.1f} µs"
        added_cpu = "" if name == "off" else f"{cpu[name] - cpu['off']:6.1f} µs"
        print(
            f"| {name:<16} | {median[name]:8.1f} µs | {p90[name]:6.1f} µs | {added:>10} "
            f"| {cpu[name]:7.1f} µs | {added_cpu:>9} |"
        )
    own = median["on"] - median["no-op handler"]
    print(f"\ntracing's own share (on minus the no-op handler): {own:.1f} µs per call")
    print("target: tracing on adds < 60 µs per call")
    for name, count in result["stored"].items():
        expected = result["calls"][name] + 200
        print(f"\nstored llm spans ({name}): {count} of {expected}", end="")
    print()


if __name__ == "__main__":
    main()
