"""`app prompts list | show NAME | render NAME --var k=v`: look at prompts as the model will.

Rendering shows the exact messages a prompt produces for given variables, so a prompt
can be checked without calling a model.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from .cli_errors import fail
from .cli_tracing import traced_command

prompts_app = typer.Typer(help="List, show and render the prompt files.", no_args_is_help=True)


def _library() -> Any:
    from .prompting import PromptError, load_prompts
    from .settings import get_settings

    settings = get_settings()
    try:
        return load_prompts(settings.prompts_dir, settings.prompt_variants)
    except PromptError as error:
        raise fail(str(error)) from error


def _get(name: str) -> Any:
    try:
        return _library().get(name)
    except KeyError as error:
        raise fail(str(error.args[0])) from error


@prompts_app.command("list")
def list_prompts() -> None:
    """Each prompt with its version, variant, hash and description."""
    for line in prompt_table(_library().all()):
        typer.echo(line)


def prompt_table(prompts: list[Any]) -> list[str]:
    """A header and one row per prompt, each column as wide as its longest cell, so a long
    name (`rewrite_query`) or version does not push its row out of line."""
    header = ("name", "version", "variant", "hash", "description")
    rows = [
        (
            prompt.name,
            f"v{prompt.metadata['prompt_version']}",
            prompt.metadata["prompt_variant"],
            prompt.metadata["prompt_hash"],
            prompt.spec.description or "",
        )
        for prompt in prompts
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + f"  {row[4]}".rstrip()
        for row in [header, *rows]
    ]


@prompts_app.command()
def show(name: Annotated[str, typer.Argument(help="The prompt's name.")]) -> None:
    """The prompt file as loaded (the selected variant)."""
    prompt = _get(name)
    typer.echo(f"# {prompt.path}")
    typer.echo(prompt.path.read_text(encoding="utf-8"))


def _parse_var(pair: str, prompt: Any) -> tuple[str, Any]:
    """KEY=VALUE; a value for a non-string input is read as JSON (42, true, [1, 2]), one
    for an image input as the path of the image file."""
    key, sep, value = pair.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--var")
    declared = prompt.spec.input.get(key)
    if declared is None or declared.type == "string":
        return key, value
    if declared.type == "image":  # --var photo=path/to/photo.png
        return key, _read_image_var(key, value)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"{key} is {declared.type}: {value!r} is not", "--var") from error


def _read_image_var(key: str, path: str) -> Any:
    from pathlib import Path

    from .images import ImageError, read_image
    from .settings import get_settings

    try:
        return read_image(Path(path).read_bytes(), get_settings().max_image_bytes)
    except (OSError, ImageError) as error:
        raise typer.BadParameter(f"{key} is an image: {error}", param_hint="--var") from error


@prompts_app.command()
def render(
    name: Annotated[str, typer.Argument(help="The prompt's name.")],
    var: Annotated[list[str] | None, typer.Option(help="A variable: KEY=VALUE (repeat).")] = None,
) -> None:
    """The messages the prompt produces for these variables, as the model receives them."""
    from .prompting import PromptError

    prompt = _get(name)
    try:
        messages = prompt.messages(dict(_parse_var(pair, prompt) for pair in var or []))
    except PromptError as error:
        raise fail(str(error)) from error
    for message in messages:
        typer.echo(f"--- {message.type}")
        typer.echo(message.text)


@prompts_app.command()
def run(
    name: Annotated[str, typer.Argument(help="The prompt's name.")],
    var: Annotated[list[str] | None, typer.Option(help="A variable: KEY=VALUE (repeat).")] = None,
) -> None:
    """Call the model with the prompt; print the answer in the prompt's output format."""
    import asyncio
    from dataclasses import asdict, is_dataclass

    from .models import MissingApiKeyError, check_provider_key, model_for_command
    from .prompting import PromptError, StructuredOutputError, run_prompt
    from .settings import get_settings

    settings = get_settings()
    prompt = _get(name)
    try:
        check_provider_key(settings)
        variables = dict(_parse_var(pair, prompt) for pair in var or [])
        model = model_for_command(settings, prompt)
        with traced_command(settings, "prompts run"):  # one trace, budgets, as `app chat`
            result = asyncio.run(run_prompt(model, prompt, variables))
    except (MissingApiKeyError, PromptError, StructuredOutputError) as error:
        raise fail(str(error)) from error
    if is_dataclass(result):
        result = asdict(result)  # type: ignore[arg-type]
    typer.echo(result if isinstance(result, str) else json.dumps(result, indent=2))
