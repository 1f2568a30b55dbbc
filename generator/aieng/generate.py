"""Render a new project from the template: the library behind `aieng new`.

Takes plain keyword arguments and returns a result, so it can be used without the CLI.
Every refusal happens before anything is written: a bad answer, a conflicting option
or an occupied destination leaves the disk as it was.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aieng import __version__
from aieng.errors import AiengError, BadInputError
from aieng.git import git, git_output, has_git
from aieng.options import (
    Option,
    check_question_names,
    load_implications,
    load_options,
    options_by_name,
)
from aieng.source import TemplateSource, template_source


@dataclass(frozen=True)
class NewProject:
    path: Path
    answers: dict[str, Any]
    committed: bool


def read_data_file(path: Path) -> dict[str, Any]:
    """Answers from a YAML file (`--data-file`), checked against the question names."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise BadInputError(f"cannot read the answers file {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise BadInputError(f"the answers file {path} is not UTF-8 text") from error
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0]
        raise BadInputError(f"the answers file {path} is not valid YAML: {first}") from error
    if not isinstance(data, dict):
        raise BadInputError(f"the answers file {path} must be a mapping of question: answer")
    check_question_names(data, str(path))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def resolve_implied(answers: dict[str, Any]) -> dict[str, Any]:
    """Apply what copier.yml declares one answer implies for another (`_aieng_implies`).

    An answer sets what it implies (`--rag-store pgvector` sets `rag`), and is refused
    next to an answer that contradicts it (`--no-rag`). The implied answer given alone
    takes the implying question's default instead of asking it (a bare `--rag` means
    the default store).
    """
    options = options_by_name()
    resolved = dict(answers)
    for name, implied in load_implications().items():
        question = options[name]
        for other, value in implied.items():
            if resolved.get(name) is not None:
                given = resolved.get(other)
                if given is not None and given != value:
                    raise BadInputError(
                        f"{question.flag} needs {other.replace('_', ' ').upper()} "
                        f"({options[other].spelled(value)}), but "
                        f"{options[other].spelled(given)} was given: drop one of the two"
                    )
                resolved[other] = value
            elif resolved.get(other) == value and not question.default_is_computed:
                resolved[name] = question.default
    return resolved


def is_asked(option: Option, answers: dict[str, Any], options: list[Option]) -> bool:
    """Whether Copier asks this question, given the answers so far (its `when:`)."""
    if option.when is None:
        return True
    from jinja2 import Environment  # only needed for conditional questions

    context = {o.name: o.default for o in options if not o.default_is_computed}
    context.update(answers)
    rendered = Environment().from_string(option.when).render(context).strip()
    return rendered.lower() not in {"", "false", "0", "none", "no"}


def missing_answers(answers: dict[str, Any]) -> list[Option]:
    """The questions Copier would have to ask: an error where nobody can answer.

    A question whose default is derived from other answers (the project name from the
    directory, the package name from the project name, the model from the provider) is
    answered by them, so it is not missing.
    """
    options = load_options()
    return [
        option
        for option in options
        if not option.default_is_computed
        and answers.get(option.name) is None
        and is_asked(option, answers, options)
    ]


def check_destination(dest: Path, *, force: bool) -> None:
    try:
        exists, is_dir = dest.exists(), dest.is_dir()
    except OSError as error:  # e.g. a name over the file system's limit
        raise BadInputError(f"cannot use {dest}: {error.strerror}") from error
    if exists and not is_dir:
        raise BadInputError(f"{dest} exists and is not a directory: choose another path")
    if is_dir and any(dest.iterdir()) and not force:
        raise BadInputError(
            f"{dest} already exists and is not empty: choose a new directory, or pass "
            "--force to render into it (files with the template's names are overwritten)"
        )


def new_project(
    dest: Path,
    answers: dict[str, Any],
    *,
    use_defaults: bool = False,
    interactive: bool = False,
    force: bool = False,
    git: bool = True,
    source: TemplateSource | None = None,
) -> NewProject:
    """Render the template into `dest` and (unless `git=False`) make the first commit.

    `source` defaults to the installed template (see `aieng.source`).
    """
    dest = dest.expanduser().resolve()
    answers = resolve_implied({k: v for k, v in answers.items() if v is not None})
    check_destination(dest, force=force)
    if not interactive and not use_defaults:
        missing = missing_answers(answers)
        if missing:
            flags = ", ".join(option.flag for option in missing)
            raise BadInputError(
                f"no terminal to ask on, and these answers are missing: {flags}. "
                "Pass them, or --defaults to take the defaults"
            )
    _render(
        dest,
        answers,
        source=source or template_source(),
        use_defaults=use_defaults or not interactive,
        force=force,
    )
    committed = _first_commit(dest) if git else False
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    return NewProject(path=dest, answers=recorded, committed=committed)


def _render(
    dest: Path, answers: dict[str, Any], *, source: TemplateSource, use_defaults: bool, force: bool
) -> None:
    from copier import run_copy  # ~0.4 s to import: only when rendering
    from copier.errors import CopierError
    from jinja2 import TemplateError

    # What was there before: copier removes a failed render's files, but not on Ctrl-C.
    before = set(dest.iterdir()) if dest.is_dir() else None
    try:
        with warnings.catch_warnings():
            # A checkout with uncommitted template changes is normal while developing.
            warnings.filterwarnings("ignore", message="Dirty template changes")
            run_copy(
                str(source.path),
                dest,
                data=answers,
                # The template as installed (a checkout's working tree included), not
                # the newest tag of its repository.
                vcs_ref=source.ref,
                defaults=use_defaults,
                overwrite=force,
                quiet=True,
                unsafe=False,
            )
    except ValueError as error:  # copier's validators raise ValueError
        raise BadInputError(_validation_message(str(error), answers)) from error
    except CopierError as error:
        raise AiengError(f"copier could not render the template: {error}") from error
    except OSError as error:
        raise AiengError(f"cannot write the project: {error}") from error
    except TemplateError as error:  # a bug in the template itself, not in the answers
        raise AiengError(f"the template failed to render (please report it): {error}") from error
    except KeyboardInterrupt as error:
        _remove_partial(dest, before)
        raise AiengError("interrupted: nothing was generated") from error


def _validation_message(error: str, answers: dict[str, Any]) -> str:
    """Copier's "Validation error for question 'x': why", as why.

    When the refused answer was not given but derived, and the rule's message does not
    already say to choose another name, the flag that fixes it is added: `aieng new
    123bot` is a valid project name whose derived package name is not, so the fix is
    `--package-name`, which the rule ("not starting with a digit") does not say.
    """
    if "Validation error" not in error:
        return error
    prefix, _, message = error.partition(": ")
    question = prefix.rsplit("'", 2)[-2] if prefix.count("'") >= 2 else ""
    option = options_by_name().get(question)
    if option is not None and option.name not in answers and "choose" not in message:
        message += (
            f" (not given, so derived from the other answers: pass {option.flag} to choose it)"
        )
    return message


def _remove_partial(dest: Path, before: set[Path] | None) -> None:
    """Remove what an interrupted render wrote: `dest` itself if the render made it, else
    only the entries that were not there before (so none of the user's files)."""
    if before is None:
        shutil.rmtree(dest, ignore_errors=True)
        return
    for entry in set(dest.iterdir()) - before:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _first_commit(dest: Path) -> bool:
    """`git init` and commit the fresh project, so `aieng update` can merge later."""
    if not has_git():
        return False
    identity: list[str] = []
    if not git(dest, "config", "user.email").stdout.strip():
        identity = ["-c", "user.name=aieng", "-c", "user.email=aieng@localhost"]
    message = f"Generate with aieng {__version__}"
    try:
        if not (dest / ".git").exists():
            git_output(dest, "init", "-q")
        git_output(dest, "add", "-A")
        git_output(dest, *identity, "commit", "-q", "--no-verify", "-m", message)
    except AiengError as error:
        raise AiengError(f"the project was generated in {dest}, but {error}") from error
    return True
