"""The option space read from copier.yml, and the CLI flags built from it."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from aieng.cli import app
from aieng.options import load_options
from aieng.template import copier_yml

runner = CliRunner()


def test_options_are_copier_questions_in_order() -> None:
    document = yaml.safe_load(copier_yml().read_text())
    questions = [name for name in document if not name.startswith("_")]
    assert [option.name for option in load_options()] == questions
    assert questions == [
        "project_name",
        "package_name",
        "provider",
        "model",
        "rag",
        "rag_store",
        "agent",
        "ci",
    ]


def test_every_question_has_help() -> None:
    assert all(option.help for option in load_options())


def test_choices_and_defaults_match_copier_yml() -> None:
    options = {option.name: option for option in load_options()}
    assert options["provider"].choices == (
        "openai",
        "anthropic",
        "google",
        "ollama",
        "openai_compatible",
    )
    assert options["provider"].default == "openai"
    assert options["rag_store"].choices == ("embedded", "pgvector")
    assert options["rag_store"].when == "{{ rag }}"
    assert options["ci"].choices == ("github", "none")
    assert options["rag"].default is False
    assert options["model"].default_is_computed


def test_options_command_lists_every_flag_choice_and_default() -> None:
    result = runner.invoke(app, ["options"])
    assert result.exit_code == 0
    for option in load_options():
        assert option.flag in result.output
        for choice in option.choices:
            assert choice in result.output
    assert "default: openai" in result.output
    assert "asked when rag" in result.output
    assert runner.invoke(app, ["list"]).output == result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("aieng ")
