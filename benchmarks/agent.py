"""What does the agent loop itself cost per step? Prints a table of medians.

Renders a project with `--agent`, then runs its agent in a fresh process with the offline
fake model answering at once, so all that is timed is the graph: the model node, the
tool node, state updates and the checkpointer. A run is `calls` tool steps plus the
final answer, i.e. `calls + 1` model steps; overhead per step is a run's time divided by
its model steps. Measured with conversation memory in the process and in SQLite.

    python benchmarks/agent.py [--runs 300] [--calls 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from generated import render, run_in_project

AGENT_OVERHEAD = """
import asyncio, json, statistics, sys, tempfile, time
from langchain_core.messages import AIMessage
from {package}.agent import build_agent, run_agent
from {package}.agent.memory import open_checkpointer
from {package}.fake_model import FakeChatModel
from {package}.settings import Settings

def script(calls):
    replies = [
        AIMessage("", tool_calls=[{{"name": "calculator", "args": {{"expression": "6 * 7"}},
                                   "id": f"c{{i}}", "type": "tool_call"}}])
        for i in range(calls)
    ]
    return [*replies, "It is 42."]

async def measure(checkpoint_path, runs, calls):
    settings = Settings(llm_provider="fake", agent_checkpoint_path=checkpoint_path)
    model = FakeChatModel()
    async with open_checkpointer(settings) as saver:
        agent = build_agent(settings, model, saver)
        samples = []
        for run in range(runs + 20):  # 20 warm-up runs, not counted
            model.script, model._position = script(calls), 0
            start = time.perf_counter()
            result = await run_agent(agent, settings, "What is 6 * 7?", f"thread-{{run}}")
            elapsed = time.perf_counter() - start
            assert result.answer == "It is 42." and result.steps == calls + 1, result
            if run >= 20:
                samples.append(elapsed / (calls + 1))
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99)]

async def main(runs, calls):
    with tempfile.TemporaryDirectory() as scratch:
        memory = await measure(":memory:", runs, calls)
        sqlite = await measure(scratch + "/checkpoints.sqlite", runs, calls)
    print(json.dumps({{"memory": memory, "sqlite": sqlite}}))

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--calls", type=int, default=3, help="tool calls per run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        project = render(Path(scratch), agent=True)
        figures = run_in_project(project, AGENT_OVERHEAD, args.runs, args.calls, TRACING="off")

    steps = args.calls + 1
    print(f"{args.runs} agent runs of {steps} model steps ({args.calls} tool calls), fake model\n")
    print("| memory            | overhead/step p50 | p99      | target  |")
    print("|-------------------|-------------------|----------|---------|")
    for name, label in (("memory", "in the process"), ("sqlite", "SQLite file")):
        p50, p99 = figures[name]
        print(f"| {label:<17} | {p50 * 1000:14.2f} ms | {p99 * 1000:5.2f} ms | < 5 ms  |")


if __name__ == "__main__":
    main()
