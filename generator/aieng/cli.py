"""The `aieng` command: a thin layer that turns flags into library calls.

Only this module knows about Typer and the terminal. The `new` command's question flags
are built from `copier.yml` (through `aieng.options`), so every question Copier asks is
a flag here, with the same choices and help.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from collections.abc import Callable, Sequence
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


def _question_flag(option: Option) -> inspect.Parameter:
    """The keyword parameter that makes one copier.yml question a flag of `new`.

    Its default, None, means "not given", so copier's own default (or question) applies.
    """
    help_text = option.help
    if option.default is not None and not option.default_is_computed:
        help_text += f" [default: {option.default}]"
    info = typer.Option(option.flag, help=help_text, show_default=False)
    value_type: Any = str
    if option.type == "bool":
        value_type = bool
    elif option.choices:
        value_type = Literal[option.choices]
    annotation = Annotated[Optional[value_type], info]  # noqa: UP045 (typer needs it)
    return inspect.Parameter(
        option.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def with_question_flags(command: Callable[..., None]) -> Callable[..., None]:
    """Replace `command`'s `**answers` by one flag per copier.yml question.

    Typer makes a command's options from its function's signature (and type hints). The
    questions are known only once copier.yml is read, so this writes them into the
    signature Typer reads: the fixed parameters as written, then one keyword parameter
    per question. Typer passes the flags given back by name, and they land in the
    function's real `**answers`. A question added to copier.yml is a flag with no change
    here, with copier's choices and help.
    """
    signature = inspect.signature(command, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    parameters = [*fixed, *(_question_flag(option) for option in load_options())]
    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    return command


@app.command(name="new")
@with_question_flags
def new(
    dest: Annotated[
        Path,
        typer.Argument(help="The new project's directory (its name is the default project name)."),
    ],
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Take the default of every question not given.")
    ] = False,
    data_file: Annotated[
        Optional[Path],  # noqa: UP045 (typer needs it)
        typer.Option(help="A YAML file of answers; flags win."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Render into a non-empty directory (overwrites).")
    ] = False,
    git: Annotated[
        bool, typer.Option("--git/--no-git", help="git init and commit the project.")
    ] = True,
    **answers: Any,
) -> None:
    """Create a new LLM application in DEST.

    Every question of the template is a flag. On a terminal, the ones not given are
    asked; without one, pass them all or --defaults.
    """
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


@app.command(name="options")
def options_command() -> None:
    """List the template's options: flag, choices and default (read from copier.yml)."""
    rows = []
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
        rows.append((option.flag, values, f"default: {default_text}{asked}", option.help))
    flag_width = max(len(row[0]) for row in rows)
    values_width = max(len(row[1]) for row in rows)
    for flag, values, default, help_text in rows:
        typer.echo(f"{flag:<{flag_width}}  {values:<{values_width}}  {default}")
        indent = " " * (flag_width + 2)
        typer.echo(textwrap.fill(help_text, 100, initial_indent=indent, subsequent_indent=indent))


app.command(name="list", hidden=True, help="Same as `aieng options`.")(options_command)


# --- updating ------------------------------------------------------------------------

ProjectArgument = Annotated[Path, typer.Argument(help="The generated project.")]


def _echo_paths(heading: str, paths: Sequence[str], advice: str | None) -> None:
    """A heading, the paths indented under it, then what to do about them (if anything)."""
    typer.echo(heading)
    for path in paths:
        typer.echo(f"  {path}")
    if advice:
        typer.echo(advice)


def _report(report: Any, *, dry_run: bool = False) -> None:
    """Print what an update changed and what needs a hand; exit 1 if anything does."""
    verb = "would change" if dry_run else "changed"
    typer.echo(f"template {report.from_version} -> {report.to_version}")
    typer.echo(f"{len(report.changed)} file(s) {verb}" + (":" if report.changed else ""))
    for path in report.changed:
        typer.echo(f"  {path}")
    if report.kept:
        _echo_paths(
            f"{len(report.kept)} file(s) you edited are not in the new template; "
            f"{'they would be' if dry_run else 'they are'} kept as you left them:",
            report.kept,
            None
            if dry_run
            else "move your changes where they belong now (a renamed package: its new "
            "folder), then delete these files: git rm PATH...",
        )
    if report.conflicts:
        _echo_paths(
            f"{len(report.conflicts)} conflict(s) {'would need' if dry_run else 'need'} you:",
            report.conflicts,
            None
            if dry_run
            else "resolve: edit each file (keep what you want between <<<<<<< and >>>>>>>, "
            "delete *.rej after applying them by hand), then: git add -A && git commit",
        )
    if report.kept or report.conflicts:
        raise typer.Exit(1)


def _parse_data(pairs: list[str]) -> dict[str, Any]:
    """`--data KEY=VALUE` pairs as answers; only the template's questions are taken."""
    import yaml

    from aieng.options import check_question_names

    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise _fail(BadInputError(f"--data {pair!r} is not KEY=VALUE"))
        data[key] = yaml.safe_load(value)  # "true" -> True, like copier's own --data
    try:
        check_question_names(data, "--data")
    except AiengError as error:
        raise _fail(error) from error
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
