"""The option space, read from `copier.yml`: the one list of questions.

Everything that needs the questions (the CLI flags, `aieng options`, the matrix test,
the docs) reads them from here, so nothing can drift from what `copier copy` asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from aieng.errors import AiengError, BadInputError
from aieng.template import copier_yml

# The copier.yml setting (copier ignores it) that declares what an answer implies.
IMPLIES_KEY = "_aieng_implies"


@dataclass(frozen=True)
class Option:
    """One Copier question, seen from the command line."""

    name: str
    type: str
    help: str
    default: Any
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, str] = field(default_factory=dict)
    when: str | None = None

    @property
    def flag(self) -> str:
        """The command-line spelling: `--rag-store`, or `--rag/--no-rag` for a yes/no."""
        base = "--" + self.name.replace("_", "-")
        if self.type == "bool":
            return f"{base}/--no-{self.name.replace('_', '-')}"
        return base

    def spelled(self, value: Any) -> str:
        """How `value` is given on the command line: `--rag`, `--no-rag`, `--ci none`."""
        base = self.name.replace("_", "-")
        if self.type == "bool":
            return f"--{base}" if value else f"--no-{base}"
        return f"--{base} {value}"

    @property
    def default_is_computed(self) -> bool:
        """True when the default depends on other answers (a Jinja expression)."""
        return isinstance(self.default, str) and "{{" in self.default


def _parse_question(name: str, spec: dict[str, Any]) -> Option:
    raw_choices = spec.get("choices") or {}
    if isinstance(raw_choices, dict):
        labels = {str(value): str(label) for label, value in raw_choices.items()}
    else:
        labels = {str(value): str(value) for value in raw_choices}
    when = spec.get("when")
    return Option(
        name=name,
        type=str(spec.get("type", "str")),
        help=" ".join(str(spec.get("help", "")).split()),
        default=spec.get("default"),
        choices=tuple(labels),
        choice_labels=labels,
        when=str(when) if when is not None else None,
    )


def load_options(path: Path | None = None) -> list[Option]:
    """The questions of `copier.yml`, in the order Copier asks them."""
    return list(_load_options(path or copier_yml()))


def load_implications(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """copier.yml's `_aieng_implies`: {question: {other question: the answer it implies}}."""
    implications = _load_document(path or copier_yml()).get(IMPLIES_KEY) or {}
    return {name: dict(implied) for name, implied in implications.items()}


@cache
def _load_document(path: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise AiengError(f"cannot read the template's questions in {path}: {error}") from error


@cache
def _load_options(path: Path) -> tuple[Option, ...]:
    return tuple(
        _parse_question(name, spec)
        for name, spec in _load_document(path).items()
        if not name.startswith("_") and isinstance(spec, dict)
    )


def check_question_names(names: Iterable[str], where: str) -> None:
    """Refuse answers to questions the template does not have.

    Copier ignores them, so a misspelt `provder` would silently leave the default.
    Copier's own keys of an answers file (`_src_path`, `_commit`) are let through.
    """
    known = [option.name for option in load_options()]
    unknown = sorted(set(names) - set(known) - {"_src_path", "_commit"})
    if unknown:
        quoted = ", ".join(repr(name) for name in unknown)
        verb = "is not a question" if len(unknown) == 1 else "are not questions"
        raise BadInputError(
            f"unknown question(s) in {where}: {quoted} {verb} of the template "
            f"(the questions are: {', '.join(known)})"
        )


def options_by_name(path: Path | None = None) -> dict[str, Option]:
    return {option.name: option for option in load_options(path)}
