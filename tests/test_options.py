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


def test_options_columns_line_up() -> None:
    """Every flag's values and default start in the same columns, whatever their length
    (`openai | anthropic | ... | openai_compatible` pushed its default out of line)."""
    lines = runner.invoke(app, ["options"]).output.splitlines()
    rows = [line for line in lines if "default: " in line]
    assert len(rows) == len(load_options())
    assert len({row.index("default: ") for row in rows}) == 1
    values_columns = {len(row) - len(row[len(row.split()[0]) :].lstrip()) for row in rows}
    assert len(values_columns) == 1
    help_lines = [line for line in lines if line not in rows]
    assert {len(line) - len(line.lstrip()) for line in help_lines} == values_columns


def test_implications_are_declared_in_copier_yml() -> None:
    from aieng.options import load_implications

    document = yaml.safe_load(copier_yml().read_text())
    assert load_implications() == document["_aieng_implies"] == {"rag_store": {"rag": True}}
