"""`app eval`: run the eval suite and exit non-zero when a gate fails, so CI fails too.

With `LLM_PROVIDER=fake` each case is answered by its `fake_reply`, so the suite runs
offline; with a real provider, the same cases measure the real model.

A dataset `evals/config.yaml` lists under `rag.semantic_datasets` (the paraphrase set) is
gated only when its cases ran on a semantic embedding; on the lexical one (always with
the fake model) it reports its scores and says why it is not gating.

`--variants` and `--tiers` run copies of the cases (one per prompt variant, one per model
tier) and print one table of pass rate, latency and cost per copy instead of the gates.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_errors import fail
from .wording import plural


def default_evals_dir() -> Path:
    source_tree = Path(__file__).resolve().parents[2] / "evals"
    return source_tree if source_tree.is_dir() else Path("evals")


def parse_variants(text: str) -> tuple[str, list[str]]:
    """`chat=default,concise` -> ("chat", ["default", "concise"]); whether the variants
    exist is checked once the prompts are loaded (`variant_cases`)."""
    name, equals, variants = text.partition("=")
    names = list(dict.fromkeys(v.strip() for v in variants.split(",") if v.strip()))
    if not name.strip() or not equals:
        raise typer.BadParameter("write PROMPT=VARIANT,VARIANT, e.g. chat=default,concise")
    if len(names) < 2:
        given = f"only {names[0]!r}" if names else "none"
        raise typer.BadParameter(
            f"a comparison needs two variants of {name.strip()!r} or more, {given} given: "
            "write PROMPT=VARIANT,VARIANT, e.g. chat=default,concise"
        )
    return name.strip(), names


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[Any], None]]:
    """A progress bar on a terminal; nothing in CI logs or when piped."""
    if not sys.stderr.isatty():
        yield lambda result: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("eval", total=total)
        yield lambda result: progress.advance(task)


def eval_command(
    dataset: Annotated[
        list[str] | None, typer.Option(help="Only this dataset (file name without .jsonl).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Only cases with this tag.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Cases run at once.")] = 8,
    repeat: Annotated[
        int, typer.Option(min=1, help="Run each case N times; report its pass rate.")
    ] = 1,
    timeout: Annotated[float, typer.Option(min=0.001, help="Seconds per case.")] = 120.0,
    keep_going: Annotated[bool, typer.Option(help="Skip bad dataset lines, run the rest.")] = False,
    markdown: Annotated[Path | None, typer.Option(help="Also write a Markdown summary.")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write a static HTML report.")] = None,
    evals_dir: Annotated[
        Path | None, typer.Option(help="Datasets and config.yaml; default: evals/.")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="Compare with a saved run: a file, or `last`.")
    ] = None,
    variants: Annotated[
        str | None,
        typer.Option(help="Compare prompt variants side by side: chat=default,concise."),
    ] = None,
    tiers: Annotated[
        bool,
        typer.Option(help="Compare LLM_MODEL_FAST and LLM_MODEL_SMART on the same cases."),
    ] = False,
    cache: Annotated[bool, typer.Option(help="Reuse answers to the same messages.")] = True,
    cache_path: Annotated[Path, typer.Option(help="The answer cache.")] = Path(
        ".data/eval-cache.sqlite"
    ),
) -> None:
    """Run evals/datasets/*.jsonl; exit 1 when a gate of evals/config.yaml fails."""
    import asyncio

    from .evals import DatasetError, load_dataset, run_cases
    from .evals.cache import EvalCache
    from .evals.report import load_gates
    from .evals.wiring import (
        build_judge,
        build_targets,
        eval_levers,
        lexical_retrieval,
        pricer,
    )
    from .models import MissingApiKeyError
    from .prompting import PromptError, load_prompts
    from .settings import get_settings
    from .tracing.setup import traced

    folder = evals_dir or default_evals_dir()
    files = sorted((folder / "datasets").glob("*.jsonl"))
    files = [f for f in files if not dataset or f.stem in dataset]
    settings = get_settings()
    compared = parse_variants(variants) if variants else None
    side_by_side = bool(compared or tiers)
    try:
        gates = load_gates(folder / "config.yaml")
        library = load_prompts(settings.prompts_dir)
        cases, skipped = [], []
        for path in files:
            found, errors = load_dataset(path, keep_going=keep_going, prompts=library.prompts)
            cases += found
            skipped += errors
        cases = [c for c in cases if not tag or set(tag) & set(c.tags)]
        if compared:
            cases = variant_cases(cases, *compared, library.prompts)
        if tiers:
            cases = tier_cases(cases, settings)
        if not cases:
            raise ValueError(f"no cases to run in {folder / 'datasets'}")
        answers = EvalCache(cache_path) if cache else None
        documents = [folder.parent / p for p in (gates.get("rag") or {}).get("documents", [])]
        levers = eval_levers(settings)  # one set of provider limits for the whole run
        targets = build_targets(settings, library, cases, answers, documents, levers)
        judge = build_judge(settings, library, answers, levers)
        not_gating = ungated_datasets(gates, lexical_retrieval(targets))
    except (DatasetError, PromptError, MissingApiKeyError, ValueError, OSError) as error:
        raise fail(str(error)) from error

    with progress_bar(len(cases) * repeat) as advance, traced(settings, "eval"):
        run = asyncio.run(
            run_cases(
                cases,
                targets,
                concurrency=concurrency,
                timeout_s=timeout,
                repeat=repeat,
                judge=judge,
                price=pricer(settings),
                on_result=advance,
            )
        )
    for line in skipped:
        typer.echo(f"skipped: {line}")
    if side_by_side:
        report_side_by_side(run.results, compared[0] if compared else None, tiers)
    else:
        gate_failed = report(run.results, gates, folder, baseline, markdown, html, not_gating)
    if answers is not None:
        typer.echo(f"cache: {plural(answers.hits, 'answer')} reused ({cache_path})")
    if run.interrupted:
        runs = plural(run.planned, "run")
        typer.echo(f"interrupted: {len(run.results)} of {runs} finished", err=True)
        raise typer.Exit(130)
    if skipped or (not side_by_side and gate_failed):
        raise typer.Exit(1)


def variant_cases(
    cases: list[Any], prompt: str, variants: list[str], prompts: Collection[Any]
) -> list[Any]:
    """The cases that use `prompt`, once per variant (`default` is the plain file).

    A variant with no file (`prompts` holds the library's `(name, variant)` keys) is an
    error before any model call, not a row of failures.
    """
    have = sorted(variant or "default" for name, variant in prompts if name == prompt)
    if not have:
        names = ", ".join(sorted({name for name, _ in prompts}))
        raise ValueError(f"--variants: no prompt {prompt!r} (have: {names})")
    missing = [v for v in variants if v not in have]
    if missing:
        raise ValueError(
            f"--variants: prompt {prompt!r} has no variant {missing[0]!r} "
            f"(have: {', '.join(have)}; a variant is a file {prompt}.VARIANT.prompt.md)"
        )
    uses = [c for c in cases if (c.prompt or ("chat" if c.target == "rag" else None)) == prompt]
    if not uses:
        raise ValueError(f"no case uses the prompt {prompt!r}")
    # Interleaved (case 1 under each variant, then case 2...): both share the same load.
    return [
        case.model_copy(update={"variant": None if variant == "default" else variant})
        for case in uses
        for variant in variants
    ]


def tier_cases(cases: list[Any], settings: Any) -> list[Any]:
    """Each case on the fast tier and on the smart one (whatever its prompt's tier)."""
    from .evals.wiring import tier_model

    fast, smart = tier_model(settings, "fast"), tier_model(settings, "smart")
    if fast == smart:
        raise ValueError(
            f"--tiers compares LLM_MODEL_FAST with LLM_MODEL_SMART, but both are {fast!r}: "
            "set them (in .env or the environment)"
        )
    return [case.model_copy(update={"tier": tier}) for case in cases for tier in ("fast", "smart")]


def report_side_by_side(results: list[Any], prompt: str | None, tiers: bool) -> None:
    """One row per variant and/or tier: the models that answered, pass rate, latency, cost."""
    from .evals.report import money, side_by_side

    def label(result: Any) -> str:
        variant = f"{prompt}.{result.case.variant or 'default'}" if prompt else None
        return "/".join(part for part in (variant, result.case.tier if tiers else None) if part)

    heading = "/".join(name for name, on in (("variant", prompt), ("tier", tiers)) if on)
    rows = [
        (s, ", ".join(sorted({m for r in results if label(r) == s.name for m in r.models})))
        for s in side_by_side(results, label)
    ]
    first = max(len(heading), *(len(s.name) for s, _ in rows))
    second = max(len("model"), *(len(models) for _, models in rows))
    typer.echo(
        f"{heading:<{first}}  {'model':<{second}} {'passed':>8} {'rate':>6} {'avg ms':>8} "
        f"{'avg cost':>12} {'total cost':>12}"
    )
    for s, models in rows:
        typer.echo(
            f"{s.name:<{first}}  {models or '-':<{second}} {s.passed:>4}/{s.total:<3} "
            f"{s.pass_rate:>6.0%} {s.avg_latency_ms:>8.0f} {money(s.avg_cost_usd):>12} "
            f"{money(s.total_cost_usd):>12}"
        )


def ungated_datasets(gates: dict[str, Any], lexical: str | None) -> dict[str, str]:
    """The datasets of `rag.semantic_datasets`, each with why it does not gate this run;
    none when the RAG cases ran on a semantic embedding (`lexical` is None)."""
    if lexical is None:
        return {}
    names = (gates.get("rag") or {}).get("semantic_datasets") or []
    why = (
        f"the eval embedded with {lexical}; its gate is set for a semantic embedding: "
        "EMBEDDING_PROVIDER=fastembed or provider, with a real LLM_PROVIDER"
    )
    return dict.fromkeys(names, why)


def report_only(summary: Any) -> Any:
    """The summary of a dataset that reports without gating: its gate column says so."""
    failures = ["not gating (lexical embedding)", *summary.gate_failures]
    return replace(summary, gate_failures=failures)


def report(
    results: list[Any],
    gates: dict[str, Any],
    folder: Path,
    baseline: str | None,
    markdown: Path | None,
    html: Path | None,
    not_gating: dict[str, str] | None = None,
) -> bool:
    """Print failures, per-case pass rates, summaries, retrieval metrics and changes;
    write the reports. A dataset of `not_gating` (name -> why) reports without gating.

    Returns whether a gate failed.
    """
    from .evals.history import compare, find_baseline, save_run
    from .evals.html_report import html_report
    from .evals.report import case_name, case_pass_rates, money, retrieval_scores, summarize
    from .evals.report import markdown as to_markdown

    not_gating = not_gating or {}
    for result in results:
        if not result.passed and result.case.dataset not in not_gating:  # those: a count
            why = result.error or "; ".join(result.failures)
            run = f" (run {result.repeat + 1})" if result.repeat else ""
            typer.echo(f"FAIL {case_name(result)}{run}: {why}")
    for key, (passed, total) in case_pass_rates(results).items():
        if total > 1 and passed < total:
            typer.echo(f"pass rate {key}: {passed}/{total}")
    summaries = [report_only(s) if s.name in not_gating else s for s in summarize(results, gates)]
    for s in summaries:
        gate = "; ".join(s.gate_failures) or "ok"
        typer.echo(
            f"{s.name:<16} {s.passed}/{s.total} passed  p95 {s.p95_latency_ms:.0f} ms  "
            f"avg cost {money(s.avg_cost_usd)}  {gate}"
        )
    for scores in retrieval_scores(results):
        typer.echo(f"{scores.name:<16} retrieval  {scores.line()}")
    for name in sorted(set(not_gating) & {s.name for s in summaries}):
        missed = sum(not r.passed for r in results if r.case.dataset == name)
        typer.echo(
            f"{name}: not gating: {not_gating[name]} "
            f"({plural(missed, 'run')} below a case's thresholds: see --markdown or --html)"
        )
    saved = save_run(results, folder / "runs")
    typer.echo(f"saved {saved}")
    if baseline:
        try:
            earlier = find_baseline(baseline, folder / "runs", exclude=saved)
            changes = compare(earlier, results)
        except (OSError, ValueError, KeyError) as error:
            raise fail(f"cannot compare with {baseline}: {error}") from error
        for key in changes.regressed:
            typer.echo(f"regressed: {key}")
        for key in changes.improved:
            typer.echo(f"improved: {key}")
        typer.echo(f"compared with {earlier}: {changes.outcome()}")
    if markdown:
        markdown.write_text(to_markdown(results, summaries), encoding="utf-8")
        typer.echo(f"wrote {markdown}")
    if html:
        html.write_text(html_report(results, summaries, "Eval report"), encoding="utf-8")
        typer.echo(f"wrote {html}")
    return any(s.gate_failures for s in summaries if s.name not in not_gating)
