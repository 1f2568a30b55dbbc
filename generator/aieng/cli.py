"""The `aieng` command: a thin layer that turns flags into library calls.

Only this module knows about Typer and the terminal. The `new` command's question flags
are built from `copier.yml` (through `aieng.options`), so every question Copier asks is
a flag here, with the same choices and help.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import typer

from aieng import __version__
from aieng.errors import AiengError
from aieng.options import Option, load_options

app = typer.Typer(
    name="aieng",
    help="Generate a tested, production-shaped LLM application, and keep it up to date.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: rich's formatter would double the start-up time of `aieng --help`.
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"aieng {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """aieng: an LLM application generator (a Copier template and this CLI around it)."""


def _fail(error: AiengError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(error.exit_code)


def _question_parameter(option: Option) -> inspect.Parameter:
    """A Typer option for one Copier question; None as default means 'not given'."""
    help_text = option.help
    if option.default is not None and not option.default_is_computed:
        help_text += f" [default: {option.default}]"
    if option.type == "bool":
        info = typer.Option(option.flag, help=help_text, show_default=False)
        annotation: Any = Annotated[Optional[bool], info]  # noqa: UP045 (typer needs it)
    else:
        flag = "--" + option.name.replace("_", "-")
        info = typer.Option(flag, help=help_text, show_default=False)
        value_type: Any = Literal[option.choices] if option.choices else str
        annotation = Annotated[Optional[value_type], info]  # noqa: UP045
    return _keyword(option.name, annotation, None)


def _new(
    dest: Path,
    defaults: bool,
    data_file: Optional[Path],  # noqa: UP045
    force: bool,
    git: bool,
    **answers: Any,
) -> None:
    from aieng.generate import new_project, read_data_file

    try:
        merged = read_data_file(data_file) if data_file else {}
        merged.update({key: value for key, value in answers.items() if value is not None})
        project = new_project(
            dest,
            merged,
            use_defaults=defaults,
            interactive=sys.stdin.isatty() and sys.stdout.isatty(),
            force=force,
            git=git,
        )
    except AiengError as error:
        raise _fail(error) from error
    typer.echo(f"Generated {project.answers.get('project_name')} in {project.path}")
    typer.echo(f"Next: cd {dest} && make install && make test")


def _keyword(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def _build_new_command() -> None:
    """Register `new` with the fixed parameters followed by one flag per question."""
    dest_help = "The new project's directory (its name is the default project name)."
    parameters = [
        inspect.Parameter(
            "dest",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[Path, typer.Argument(help=dest_help)],
        ),
        _keyword(
            "defaults",
            Annotated[
                bool,
                typer.Option("--defaults", help="Take the default of every question not given."),
            ],
            False,
        ),
        _keyword(
            "data_file",
            Annotated[Optional[Path], typer.Option(help="A YAML file of answers; flags win.")],  # noqa: UP045
            None,
        ),
        _keyword(
            "force",
            Annotated[
                bool,
                typer.Option("--force", help="Render into a non-empty directory (overwrites)."),
            ],
            False,
        ),
        _keyword(
            "git",
            Annotated[
                bool, typer.Option("--git/--no-git", help="git init and commit the project.")
            ],
            True,
        ),
        *(_question_parameter(option) for option in load_options()),
    ]

    def new(**kwargs: Any) -> None:
        """Create a new LLM application in DEST.

        Every question of the template is a flag. On a terminal, the ones not given are
        asked; without one, pass them all or --defaults.
        """
        _new(**kwargs)

    new.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    new.__annotations__ = {p.name: p.annotation for p in parameters}
    app.command(name="new")(new)


_build_new_command()


@app.command(name="options")
def options_command() -> None:
    """List the template's options: flag, choices and default (read from copier.yml)."""
    for option in load_options():
        if option.choices:
            values = " | ".join(option.choices)
        elif option.type == "bool":
            values = "yes | no"
        else:
            values = option.type
        default = "computed" if option.default_is_computed else option.default
        default_text = str(default).lower() if isinstance(default, bool) else str(default)
        asked = f" (asked when {option.when.strip('{} ')})" if option.when else ""
        typer.echo(f"{option.flag:<26} {values:<50} default: {default_text}{asked}")
        typer.echo(f"{'':<26} {option.help}")


app.command(name="list", hidden=True, help="Same as `aieng options`.")(options_command)


def main() -> None:
    app()
