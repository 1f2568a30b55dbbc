"""`app eval`: run the eval suite and exit non-zero when a gate fails, so CI fails too.

With `LLM_PROVIDER=fake` each case is answered by its `fake_reply`, so the suite runs
offline; with a real provider, the same cases measure the real model.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer


def default_evals_dir() -> Path:
    source_tree = Path(__file__).resolve().parents[2] / "evals"
    return source_tree if source_tree.is_dir() else Path("evals")


def _model_for(settings: Any, cache: Any) -> Any:
    """Case -> model: the case's scripted reply offline, else the configured model."""
    from .fake_model import FakeChatModel
    from .models import build_chat_model, check_provider_key, model_for_prompt

    def cached(model: Any) -> Any:
        """LangChain's own cache hook; a model wrapped with fallbacks goes uncached."""
        if cache is None or not hasattr(model, "cache"):
            return model
        return model.model_copy(update={"cache": cache})

    if settings.llm_provider == "fake":
        return lambda case, prompt: cached(
            FakeChatModel(script=[case.fake_reply] if case.fake_reply else [])
        )
    check_provider_key(settings)
    default = build_chat_model(settings)
    built: dict[tuple[str, str | None], Any] = {}

    def model_for(case: Any, prompt: Any) -> Any:
        key = (prompt.name, prompt.variant)
        if key not in built:
            built[key] = cached(model_for_prompt(settings, prompt, default))
        return built[key]

    return model_for


def eval_command(
    dataset: Annotated[
        list[str] | None, typer.Option(help="Only this dataset (file name without .jsonl).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Cases run at once.")] = 8,
    keep_going: Annotated[bool, typer.Option(help="Skip bad dataset lines, run the rest.")] = False,
    markdown: Annotated[Path | None, typer.Option(help="Also write a Markdown summary.")] = None,
    evals_dir: Annotated[
        Path | None, typer.Option(help="Datasets and config.yaml; default: evals/.")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="Compare with a saved run: a file, or `last`.")
    ] = None,
    cache: Annotated[bool, typer.Option(help="Reuse answers to the same messages.")] = True,
    cache_path: Annotated[Path, typer.Option(help="The answer cache.")] = Path(
        ".data/eval-cache.sqlite"
    ),
) -> None:
    """Run evals/datasets/*.jsonl; exit 1 when a gate of evals/config.yaml fails."""
    from .evals import DatasetError, load_dataset, run_cases
    from .evals.cache import SQLiteCache
    from .evals.history import compare, find_baseline, save_run
    from .evals.report import load_gates, summarize
    from .evals.report import markdown as to_markdown
    from .models import MissingApiKeyError
    from .prompting import PromptError, load_prompts
    from .settings import get_settings

    folder = evals_dir or default_evals_dir()
    files = sorted((folder / "datasets").glob("*.jsonl"))
    files = [f for f in files if not dataset or f.stem in dataset]
    settings = get_settings()
    try:
        library = load_prompts(settings.prompts_dir)
        answers = SQLiteCache(cache_path) if cache else None
        model_for = _model_for(settings, answers)
        cases, skipped = [], []
        for path in files:
            found, errors = load_dataset(path, keep_going=keep_going)
            cases += found
            skipped += errors
    except (DatasetError, PromptError, MissingApiKeyError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    if not cases:
        typer.echo(f"error: no cases in {folder / 'datasets'}", err=True)
        raise typer.Exit(1)

    results = asyncio.run(run_cases(cases, library, model_for, concurrency=concurrency))
    for line in skipped:
        typer.echo(f"skipped: {line}")
    for result in results:
        if not result.passed:
            why = result.error or "; ".join(result.failures)
            typer.echo(f"FAIL {result.case.dataset}/{result.case.id}: {why}")
    summaries = summarize(results, load_gates(folder / "config.yaml"))
    for s in summaries:
        gate = "; ".join(s.gate_failures) or "ok"
        typer.echo(
            f"{s.name:<16} {s.passed}/{s.total} passed  p95 {s.p95_latency_ms:.0f} ms  {gate}"
        )
    if answers is not None:
        typer.echo(f"cache: {answers.hits} of {len(results)} answers reused ({cache_path})")
    saved = save_run(results, folder / "runs")
    typer.echo(f"saved {saved}")
    if baseline:
        try:
            changes = compare(find_baseline(baseline, folder / "runs", exclude=saved), results)
        except (OSError, ValueError, KeyError) as error:
            typer.echo(f"error: cannot compare with {baseline}: {error}", err=True)
            raise typer.Exit(1) from error
        for key in changes.regressed:
            typer.echo(f"regressed: {key}")
        for key in changes.improved:
            typer.echo(f"improved: {key}")
    if markdown:
        markdown.write_text(to_markdown(results, summaries), encoding="utf-8")
    if skipped or any(s.gate_failures for s in summaries):
        raise typer.Exit(1)
