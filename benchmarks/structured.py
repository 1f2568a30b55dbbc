"""Retries per 100 structured calls, on the native path and the prompt-and-parse path, in
the evals, offline. Prints a table.

Renders a fresh project (defaults) and, in one process of its own, runs the shipped
`extract` eval cases (a prompt with an output schema), repeated to N calls, through the
eval runner, once per path and invalid-answer rate:

- prompt-and-parse: a model with no LangChain profile; the schema is in the prompt's
  words and the reply is parsed (prompting/structured.py);
- native: a model whose profile says `structured_output`, so the schema goes to it
  through `with_structured_output` (the offline fake fills it as a tool call).

The fake answers each call (first tries and retries alike) with an invalid answer at the
set rate (seeded, so runs repeat): prose instead of JSON on the parse path, arguments
that break the schema on the native path; otherwise the case's own answer. Each invalid
first answer costs one retry; a case fails when its retry is invalid too. Expected: about
100 x rate retries and 100 x rate^2 failures per 100 calls on both paths. The offline
figures check the retry machinery, not a provider: a real provider's native path
constrains its decoding, so its invalid rate is not the prompt path's.

    python benchmarks/structured.py [--calls 1000] [--rates 0,5,20,40] [--seed 7]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from generated import render, run_in_project

RUN = """
import asyncio, json, random, sys, time
from langchain_core.messages import AIMessage
from {package}.eval_command import default_evals_dir
from {package}.evals import load_dataset, run_cases
from {package}.evals.runner import PromptTarget
from {package}.fake_model import FakeChatModel
from {package}.prompting import load_prompts
from {package}.settings import Settings

calls, rates, seed = int(sys.argv[1]), [float(r) for r in sys.argv[2].split(",")], int(sys.argv[3])
library = load_prompts(Settings(llm_provider="fake").prompts_dir)
shipped, _ = load_dataset(default_evals_dir() / "datasets" / "extract.jsonl")
cases = [
    shipped[i % len(shipped)].model_copy(update={{"id": f"{{shipped[i % len(shipped)].id}}-{{i}}"}})
    for i in range(calls)
]

def measure(native, rate):
    draw = random.Random(seed)
    asked = [0]

    def model_for(case, prompt, repeat):
        good = json.loads(case.fake_reply)

        def answer(request):
            asked[0] += 1
            invalid = draw.random() < rate
            if native:
                args = {{**good, "category": "nonsense"}} if invalid else good
                return AIMessage("", tool_calls=[{{"name": "answer", "args": args, "id": "c1"}}])
            return "Sure! Here is the ticket you asked for." if invalid else json.dumps(good)

        profile = {{"structured_output": True}} if native else None
        return FakeChatModel(respond=answer, profile=profile)

    target = {{"prompt": PromptTarget(library, model_for)}}
    start = time.perf_counter()
    run = asyncio.run(run_cases(cases, target, concurrency=1))
    wall = time.perf_counter() - start
    failed = sum(1 for r in run.results if r.error is not None)
    wrong = sum(1 for r in run.results if r.error is None and not r.passed)
    assert wrong == 0, [r.failures for r in run.results if r.failures][:3]
    return {{"native": native, "rate": rate, "calls": calls, "model_calls": asked[0],
             "retries": asked[0] - calls, "failed": failed, "ms": wall / calls * 1000}}

measure(False, 0.0)  # warm-up: imports, prompt rendering caches
print(json.dumps([measure(native, rate) for native in (False, True) for rate in rates]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="structured calls per row")
    parser.add_argument("--rates", default="0,5,20,40", help="invalid answers, in percent")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rates = ",".join(str(float(rate) / 100) for rate in args.rates.split(","))

    with tempfile.TemporaryDirectory() as scratch:
        project = render(Path(scratch))
        rows = run_in_project(project, RUN, args.calls, rates, args.seed)

    print(
        f"{args.calls} structured calls per row (the extract eval cases, repeated), "
        f"fake model, seed {args.seed}\n"
    )
    print(
        "| path | invalid answers | model calls | retries per 100 calls "
        "| failed per 100 calls | expected (retries, failed) | ms per call |"
    )
    print("|---|---:|---:|---:|---:|---|---:|")
    for row in rows:
        path = "native (with_structured_output)" if row["native"] else "prompt and parse"
        per_100 = 100 / row["calls"]
        rate = row["rate"]
        print(
            f"| {path} | {rate:.0%} | {row['model_calls']} "
            f"| {row['retries'] * per_100:.1f} | {row['failed'] * per_100:.1f} "
            f"| {100 * rate:.0f}, {100 * rate * rate:.1f} | {row['ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
