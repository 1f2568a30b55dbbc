"""Eval throughput of a generated app against its floor. Prints a table.

Renders a fresh project (defaults), then, in one process of its own, runs N eval cases
(the classifier prompt, an `equals` assertion, cost priced) against a fake model that
answers after a fixed latency, at a given concurrency, with no answer cache. The floor
is what the model's latency alone allows: cases x latency / concurrency. The overhead
per case is the eval suite's own cost; it is also measured directly, with a model that
answers at once, one case at a time (wall and CPU time: on a shared machine the CPU
time is the steadier figure).

    python benchmarks/evals.py [--cases 1000] [--latency-ms 50] [--concurrency 32] [--runs 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from generated import render, run_in_project

RUN = """
import asyncio, json, statistics, sys, time
from {package}.evals import Case, PromptTarget, run_cases
from {package}.evals.wiring import pricer
from {package}.fake_model import FakeChatModel
from {package}.prompting import load_prompts
from {package}.settings import Settings

cases_n, latency = int(sys.argv[1]), float(sys.argv[2])
concurrency, runs = int(sys.argv[3]), int(sys.argv[4])
prices = {{"fake": {{"input_per_mtok": 1, "output_per_mtok": 2}}}}
settings = Settings(llm_provider="fake", llm_prices=prices)
library = load_prompts(settings.prompts_dir)
equals = [{{"type": "equals", "value": "true"}}]
cases = [
    Case.model_validate({{"id": f"c{{i}}", "prompt": "classify", "assert": equals,
                         "vars": {{"message": f"Export {{i}} fails"}}, "fake_reply": "true"}})
    for i in range(cases_n)
]

def timed(delay, limit, n):
    def model_for(case, prompt, repeat):
        return FakeChatModel(script=[case.fake_reply], delay_s=delay)
    target = {{"prompt": PromptTarget(library, model_for)}}
    start, cpu = time.perf_counter(), time.process_time()
    run = asyncio.run(run_cases(cases[:n], target, concurrency=limit, price=pricer(settings)))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert all(r.passed for r in run.results) and len(run.results) == n
    return wall, cpu

timed(0.0, concurrency, min(200, cases_n))  # warm-up: imports, prompt rendering caches
walls = sorted(timed(latency, concurrency, cases_n)[0] for _ in range(runs))
serial = sorted(timed(0.0, 1, cases_n) for _ in range(runs))
figures = {{"wall": walls[len(walls) // 2], "serial": serial[len(serial) // 2][0],
            "cpu": serial[len(serial) // 2][1]}}
print(json.dumps(figures))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        project = render(Path(scratch))
        arguments = [args.cases, args.latency_ms / 1000, args.concurrency, args.runs]
        figures = run_in_project(project, RUN, *arguments)

    floor = args.cases * args.latency_ms / 1000 / args.concurrency
    wall, serial, cpu = figures["wall"], figures["serial"], figures["cpu"]
    print(
        f"{args.cases} cases, fake model {args.latency_ms:g} ms, concurrency {args.concurrency}, "
        f"median of {args.runs} runs, no cache\n"
    )
    print("| what                                        | value      | target      |")
    print("|---------------------------------------------|------------|-------------|")
    print(f"| floor (cases x latency / concurrency)       | {floor:8.2f} s |             |")
    target = f"< {1.3 * floor:.2f} s"
    print(f"| wall time                                   | {wall:8.2f} s | {target:<11} |")
    print(f"| wall / floor                                | {wall / floor:8.2f} x | < 1.30 x    |")
    overhead = (wall - floor) / args.cases * 1000
    print(f"| (wall - floor) / cases                      | {overhead:7.2f} ms |             |")
    per_case, cpu_case = serial / args.cases * 1000, cpu / args.cases * 1000
    print(f"| overhead per case (0 ms model, one at once) | {per_case:7.2f} ms |             |")
    print(f"|   of which CPU time of the process          | {cpu_case:7.2f} ms |             |")


if __name__ == "__main__":
    main()
