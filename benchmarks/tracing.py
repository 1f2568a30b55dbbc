"""What tracing adds to a model call, on the calling thread. Prints a table.

Renders a project (defaults), then in one process times `model.ainvoke` of the chat
prompt with the offline fake model (it answers at once, so the call is nearly all
LangChain and tracing), (and `model.invoke`, LangChain's synchronous path, rows marked "sync"),
in blocks that alternate between tracing off (no handler
attached, as with TRACING=off) and on (the local SQLite store, its writer thread running
in the same process), so both see the same machine state. The figure is the median per
call, on minus off; target under 60 µs. A no-op handler shows LangChain's own share (what
attaching any callback handler costs); contents recorded (TRACE_CONTENT=true) and a
budget (priced on the calling thread, since the budget needs the cost) are measured the
same way, and a budget with TRACING=off (the handler with no span processors, metering).

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
    "off, daily budget": Settings(
        llm_provider="fake", tracing="off", llm_prices=prices, budget_usd_per_day=1e9
    ),
}}
tracings = {{name: setup_tracing(s) if s else None for name, s in modes.items()}}


class Noop(BaseCallbackHandler):  # what LangChain charges for dispatching to any handler
    run_inline = True

    def on_chat_model_start(self, *args, **kwargs):
        pass


modes = {{"off": None, "no-op handler": None, **{{k: v for k, v in modes.items() if k != "off"}}}}
modes |= {{f"{{name}}, sync": modes[name] for name in ("off", "no-op handler", "on")}}
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


def timed_sync(n):  # the same call through LangChain's synchronous path
    samples = []
    for _ in range(n):
        start, cpu = time.perf_counter_ns(), time.thread_time_ns()
        model.invoke(messages, config=config)
        samples.append((time.perf_counter_ns() - start, time.thread_time_ns() - cpu))
    return samples


def run(name, n):
    sync = name.endswith(", sync")
    name = name.removesuffix(", sync")
    calls = timed_sync if sync else lambda n: asyncio.run(timed(n))
    if name == "no-op handler":
        token = active_handler.set(Noop())
        try:
            return calls(n)
        finally:
            active_handler.reset(token)
    tracing = tracings.get(name)
    if tracing is None:
        return calls(n)
    with tracing.span("bench"):  # the request span the calls sit under
        return calls(n)


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
    if s is not None and s.tracing and not name.endswith(", sync"):
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
    columns = ("wall / call", "p90 wall ", "added wall", "cpu / call", "added cpu")
    print(f"| {'tracing':<22} | " + " | ".join(columns) + " |")
    print(f"|{'-' * 24}|" + "|".join("-" * (len(c) + 2) for c in columns) + "|")
    for name in median:
        off = "off, sync" if name.endswith(", sync") else "off"
        added = "" if name == off else f"{median[name] - median[off]:7.1f} µs"
        added_cpu = "" if name == off else f"{cpu[name] - cpu[off]:6.1f} µs"
        print(
            f"| {name:<22} | {median[name]:8.1f} µs | {p90[name]:6.1f} µs | {added:>10} "
            f"| {cpu[name]:7.1f} µs | {added_cpu:>9} |"
        )
    for path, suffix in (("ainvoke", ""), ("invoke", ", sync")):
        langchain = median[f"no-op handler{suffix}"] - median[f"off{suffix}"]
        own = median[f"on{suffix}"] - median[f"no-op handler{suffix}"]
        print(
            f"\n{path}: LangChain's dispatch to any handler (no-op minus off) {langchain:.1f} µs, "
            f"tracing's own share (on minus no-op) {own:.1f} µs per call"
        )
    print("target: tracing on adds < 60 µs per call")
    print()
    for name, count in result["stored"].items():  # each mode's calls, sync ones too, + warm-up
        runs = [n for n in (name, f"{name}, sync") if n in result["calls"]]
        expected = sum(result["calls"][n] + 200 for n in runs)
        print(f"stored llm spans ({name}): {count} of {expected}")


if __name__ == "__main__":
    main()
