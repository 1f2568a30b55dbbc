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
from aieng.errors import AiengError, BadInputError
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


# --- updating ------------------------------------------------------------------------

ProjectArgument = Annotated[Path, typer.Argument(help="The generated project.")]


def _report(report: Any, *, dry_run: bool = False) -> None:
    """Print what an update changed and what needs a hand; exit 1 on a conflict."""
    verb = "would change" if dry_run else "changed"
    typer.echo(f"template {report.from_version} -> {report.to_version}")
    typer.echo(f"{len(report.changed)} file(s) {verb}" + (":" if report.changed else ""))
    for path in report.changed:
        typer.echo(f"  {path}")
    if report.conflicts:
        typer.echo(
            f"{len(report.conflicts)} conflict(s) {'would need' if dry_run else 'need'} you:"
        )
        for path in report.conflicts:
            typer.echo(f"  {path}")
        if not dry_run:
            typer.echo(
                "resolve: edit each file (keep what you want between <<<<<<< and >>>>>>>, "
                "delete *.rej after applying them by hand), then: git add -A && git commit"
            )
        raise typer.Exit(1)


def _parse_data(pairs: list[str]) -> dict[str, Any]:
    import yaml

    from aieng.options import load_options

    questions = [option.name for option in load_options()]
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--data")
        if key not in questions:  # copier would ignore it, and the typo would go unseen
            raise typer.BadParameter(
                f"{key!r} is not a question of the template (one of: {', '.join(questions)})",
                param_hint="--data",
            )
        data[key] = yaml.safe_load(value)  # "true" -> True, like copier's own --data
    return data


def _update(project: Path, **kwargs: Any) -> None:
    from aieng.update import update_project

    try:
        report = update_project(project, **kwargs)
    except AiengError as error:
        raise _fail(error) from error
    _report(report, dry_run=kwargs.get("dry_run", False))


@app.command()
def update(
    project: ProjectArgument = Path("."),
    to: Annotated[str | None, typer.Option(help="A template version (git tag or commit).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; touch nothing.")
    ] = False,
    conflict: Annotated[
        Literal["inline", "rej"], typer.Option(help="Conflicts as inline markers or .rej files.")
    ] = "inline",
    data: Annotated[
        list[str] | None, typer.Option(help="Change an answer: KEY=VALUE (repeatable).")
    ] = None,
) -> None:
    """Merge the newer template into PROJECT, keeping your edits (a three-way merge)."""
    _update(project, to=to, dry_run=dry_run, conflict=conflict, data=_parse_data(data or []))


@app.command()
def check(project: ProjectArgument = Path(".")) -> None:
    """Is PROJECT behind the installed template? Exit 2 when an update is available."""
    from aieng.update import check_project

    try:
        current, newest, behind = check_project(project)
    except AiengError as error:
        raise _fail(error) from error
    if behind:
        typer.echo(f"update available: {current} -> {newest} (run: aieng update {project})")
        raise typer.Exit(2)
    typer.echo(f"up to date ({current})")


add_app = typer.Typer(help="Turn a feature on in an existing project, keeping your edits.")
app.add_typer(add_app, name="add")


@add_app.command("rag")
def add_rag(
    project: ProjectArgument = Path("."),
    store: Annotated[
        Literal["embedded", "pgvector"] | None,
        typer.Option(help="Where the index lives [default: the project's, else embedded]."),
    ] = None,
) -> None:
    """Add the RAG store."""
    # Without --store the project's recorded answer stands: a pgvector project stays one.
    _update(project, data={"rag": True, **({"rag_store": store} if store else {})})


@add_app.command("agent")
def add_agent(project: ProjectArgument = Path(".")) -> None:
    """Add the LangGraph agent."""
    _update(project, data={"agent": True})


@add_app.command("provider")
def add_provider(
    name: Annotated[
        str, typer.Argument(help="openai, anthropic, google, ollama, openai_compatible")
    ],
    project: ProjectArgument = Path("."),
    model: Annotated[str | None, typer.Option(help="The model; default: the provider's.")] = None,
) -> None:
    """Switch the project to another model provider."""
    from aieng.options import options_by_name

    choices = options_by_name()["provider"].choices
    if name not in choices:
        raise _fail(BadInputError(f"unknown provider {name!r}: choose one of {', '.join(choices)}"))
    _update(project, data={"provider": name, **({"model": model} if model else {})})


def main() -> None:
    app()
