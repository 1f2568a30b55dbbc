"""Render every combination of the options and run each project's own checks on it.

For each project: nothing of Jinja is left, `ruff check` and `ruff format --check` pass,
deptry finds every import declared and no declared package unused, and the project's
own pytest passes offline with the fake provider. All projects share this environment,
which holds the union of their dependencies (the `matrix` extra, checked below).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from aieng.generate import new_project
from aieng.options import options_by_name

from .matrix import combination_id, combinations

pytestmark = pytest.mark.matrix

COMBINATIONS = combinations()
#: Names of every length a project may have, taken in turn: the longest package name
#: allowed (40 characters) shows a line that grows with it past 100 characters (a lint
#: error), the shortest one a line that ruff would join once it fits.
PROJECT_NAMES = (
    "openai-compatible-embedded-agent-support",
    "ai",
    "acme-customer-support-assistant",
)
#: A Jinja tag or expression naming a question of copier.yml: the template failed to render.
#: (Prompt files are Jinja templates at run time, with their own variable names.)
QUESTIONS = "|".join(options_by_name())
COPIER_LEFTOVER = re.compile(r"\{[{%][^}]*\b(" + QUESTIONS + r"|_copier\w*)\b")
#: Any HTTP a generated test tries to make goes to a closed local port and fails fast.
#: What the other projects run: all but the browser tests (as `make test`) and those that
#: start real processes.
LIGHT = "not browser and not processes"
NO_NETWORK = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost,::1",
}


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_matrix_has_thirty_combinations() -> None:
    assert len(COMBINATIONS) == 30
    assert len({combination_id(c) for c in COMBINATIONS}) == 30


def projects_with_processes() -> set[str]:
    """The projects that also run the tests that start real processes (marked `processes`:
    servers, workers, MCP servers; about a minute a project): one per provider, the
    features rotating, so each such test runs in aieng's CI at least once (the agent's in
    two projects). The defaults project (the first provider, no RAG, no agent) is left
    out: tests/test_fresh_install.py runs its whole `make test`, these included, twice
    (with uv and with pip). Every generated project's own `make test` and CI run them all."""
    others = options_by_name()["provider"].choices[1:]  # the first is the default
    features = [  # (RAG store, agent), one per provider in turn
        ("embedded", "agent"),
        ("pgvector", "noagent"),
        ("pgvector", "agent"),  # the agent's memories and the RAG store share PostgreSQL
        ("embedded", "noagent"),
    ]
    return {
        f"{provider}-{store}-{agent}"
        for provider, (store, agent) in zip(others, features, strict=True)
    }


def test_the_projects_with_processes_exist_and_cover_the_features() -> None:
    chosen = projects_with_processes()
    assert chosen <= {combination_id(c) for c in COMBINATIONS}
    assert len(chosen) == 4
    assert any(c.endswith("-agent") for c in chosen)
    assert any("-pgvector-" in c for c in chosen)
    assert any(c.endswith("-pgvector-agent") for c in chosen)
    # The one left out is what `aieng new --defaults` makes, the fresh-install project.
    defaults = {name: option.default for name, option in options_by_name().items()}
    assert (defaults["rag"], defaults["agent"]) == (False, False)
    assert combination_id(defaults) not in chosen


def test_the_names_are_the_shortest_and_longest_there_are() -> None:
    assert len(PROJECT_NAMES[0]) == 40 and len(PROJECT_NAMES[1]) == 2


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_combination(answers: dict[str, Any], tmp_path: Path) -> None:
    name = PROJECT_NAMES[COMBINATIONS.index(answers) % len(PROJECT_NAMES)]
    project = new_project(tmp_path / name, answers, use_defaults=True, git=False).path
    assert requirement_names(project) <= matrix_extra()

    leftovers = [
        str(path.relative_to(project))
        for path in project.rglob("*")
        # `.j2` files are the app's own runtime templates (the trace report), copied as is.
        if path.is_file()
        and path.suffix != ".j2"
        and COPIER_LEFTOVER.search(path.read_text(errors="ignore"))
    ]
    assert leftovers == []

    python = sys.executable
    run([python, "-m", "ruff", "check", "--no-cache", "."], project)
    run([python, "-m", "ruff", "format", "--check", "--no-cache", "."], project)
    run([python, "-m", "deptry", ".", "--optional-dependencies-dev-groups", "dev"], project)
    selected = [] if combination_id(answers) in projects_with_processes() else ["-m", LIGHT]
    output = run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", *selected],
        project,
        env={"LLM_PROVIDER": "fake", **NO_NETWORK},
    )
    assert re.search(r"\d+ passed", output)
    assert "skipped" not in output, output


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def requirement_names(project: Path) -> set[str]:
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    return {_name(r) for r in metadata["dependencies"] + metadata["optional-dependencies"]["dev"]}


def matrix_extra() -> set[str]:
    root = Path(__file__).resolve().parents[1]
    metadata = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    return {_name(r) for r in metadata["optional-dependencies"]["matrix"]}


def test_matrix_extra_holds_nothing_no_project_needs(tmp_path: Path) -> None:
    """Each combination checks its needs are in the extra; here, the converse.

    Every provider with RAG and the agent (a provider's RAG needs its own packages:
    Voyage for Anthropic), plus every RAG store, covers every requirement any
    combination has.
    """
    options = options_by_name()
    covering = [{"provider": p, "rag": True, "agent": True} for p in options["provider"].choices]
    covering += [
        {"rag": True, "rag_store": store, "agent": True} for store in options["rag_store"].choices
    ]
    union: set[str] = set()
    for index, answers in enumerate(covering):
        project = new_project(tmp_path / f"p{index}", answers, use_defaults=True, git=False)
        union |= requirement_names(project.path)
    assert matrix_extra() == union
