"""What does the agent loop itself cost per step? Prints a table of medians.

Renders a project with `--agent`, then runs its agent in a fresh process with the offline
fake model answering at once, so all that is timed is the graph: the model node, the
tool node, state updates and the checkpointer. A run is `calls` tool steps plus the
final answer, i.e. `calls + 1` model steps; overhead per step is a run's time divided by
its model steps. Measured with conversation memory in the process and in SQLite.

Then the cost of a tool call through MCP over a direct one: the same `add` tool called
`--mcp-calls` times straight (a LangChain tool in the process), through the project's
MCP test server over stdio, and over streamable HTTP on 127.0.0.1, each on the session
the app keeps open (agent/mcp_client.py). Medians per call.

    python benchmarks/agent.py [--runs 300] [--calls 3] [--mcp-calls 200]
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


MCP_OVERHEAD = """
import asyncio, json, socket, statistics, subprocess, sys, tempfile, time
from pathlib import Path
from langchain_core.tools import StructuredTool
from {package}.agent.mcp_client import open_mcp_tools
from {package}.settings import Settings

SERVER = str(Path("tests/mcp_test_server.py").resolve())

def add(a: int, b: int) -> int:
    \"\"\"Add two integers.\"\"\"
    return a + b

async def per_call(tool, calls):
    samples = []
    for index in range(calls + 20):  # 20 warm-up calls, not counted
        start = time.perf_counter()
        await tool.ainvoke({{"a": index, "b": 1}})
        if index >= 20:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)

async def main(calls):
    direct = await per_call(StructuredTool.from_function(add), calls)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = subprocess.Popen([sys.executable, SERVER, "http", str(port)])
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as scratch:
            config = Path(scratch) / "mcp.json"
            config.write_text(json.dumps({{"mcpServers": {{
                "stdio": {{"command": sys.executable, "args": [SERVER]}},
                "http": {{"url": f"http://127.0.0.1:{{port}}/mcp"}},
            }}}}))
            settings = Settings(llm_provider="fake", mcp_config=config)
            async with open_mcp_tools(settings) as mcp:
                tools = {{tool.name: tool for tool in mcp.tools}}
                stdio = await per_call(tools["stdio_add"], calls)
                over_http = await per_call(tools["http_add"], calls)
    finally:
        http.terminate()
    print(json.dumps({{"direct": direct, "stdio": stdio, "http": over_http}}))

asyncio.run(main(int(sys.argv[1])))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--calls", type=int, default=3, help="tool calls per run")
    parser.add_argument("--mcp-calls", type=int, default=200, help="calls per MCP transport")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        project = render(Path(scratch), agent=True)
        figures = run_in_project(project, AGENT_OVERHEAD, args.runs, args.calls, TRACING="off")
        mcp = run_in_project(project, MCP_OVERHEAD, args.mcp_calls, TRACING="off")

    steps = args.calls + 1
    print(f"{args.runs} agent runs of {steps} model steps ({args.calls} tool calls), fake model\n")
    print("| memory            | overhead/step p50 | p99      | target  |")
    print("|-------------------|-------------------|----------|---------|")
    for name, label in (("memory", "in the process"), ("sqlite", "SQLite file")):
        p50, p99 = figures[name]
        print(f"| {label:<17} | {p50 * 1000:14.2f} ms | {p99 * 1000:5.2f} ms | < 5 ms  |")

    print(f"\n{args.mcp_calls} calls of one tool (`add`), medians per call\n")
    print("| tool call                 | p50       | over direct |")
    print("|---------------------------|-----------|-------------|")
    direct = mcp["direct"]
    for name, label in (
        ("direct", "direct (in the process)"),
        ("stdio", "MCP over stdio"),
        ("http", "MCP over HTTP"),
    ):
        extra = "" if name == "direct" else f"{(mcp[name] - direct) * 1000:+8.2f} ms"
        print(f"| {label:<25} | {mcp[name] * 1000:6.2f} ms | {extra:>11} |")


if __name__ == "__main__":
    main()
