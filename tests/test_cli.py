"""The CLI layer: flags are passed through to the library, errors become exit codes.

Most tests replace the library call and check what the CLI hands it; the last ones run
the real thing to prove that bad input leaves the disk untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aieng import generate
from aieng.cli import app
from aieng.options import load_options

runner = CliRunner()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Replace `new_project`; record its arguments."""
    seen: list[dict[str, Any]] = []

    def fake_new_project(dest: Path, answers: dict[str, Any], **kwargs: Any) -> Any:
        seen.append({"dest": dest, "answers": answers, **kwargs})
        return generate.NewProject(path=dest, answers={"project_name": dest.name}, committed=True)

    monkeypatch.setattr(generate, "new_project", fake_new_project)
    return seen


def test_every_question_is_a_flag_with_copiers_choices(calls: list[dict[str, Any]]) -> None:
    for option in load_options():
        flag = "--" + option.name.replace("_", "-")
        if option.type == "bool":
            given = [([flag], True), (["--no-" + flag[2:]], False)]
        elif option.choices:
            given = [([flag, choice], choice) for choice in option.choices]
            refused = runner.invoke(app, ["new", "bot", flag, "not-a-choice"])
            assert refused.exit_code == 2
            assert all(choice in refused.output for choice in option.choices)
        else:
            given = [([flag, "some-value"], "some-value")]
        for arguments, value in given:
            calls.clear()
            result = runner.invoke(app, ["new", "bot", *arguments])
            assert result.exit_code == 0, result.output
            assert calls[0]["answers"][option.name] == value


def test_flags_reach_the_library_as_answers(calls: list[dict[str, Any]]) -> None:
    result = runner.invoke(
        app,
        ["new", "bot", "--provider", "anthropic", "--rag", "--agent", "--ci", "none", "--no-git"],
    )
    assert result.exit_code == 0, result.output
    [call] = calls
    assert call["dest"] == Path("bot")
    assert call["answers"] == {"provider": "anthropic", "rag": True, "agent": True, "ci": "none"}
    assert call["git"] is False
    assert call["use_defaults"] is False
    assert call["interactive"] is False  # CliRunner is not a terminal


def test_flags_win_over_the_data_file(calls: list[dict[str, Any]], tmp_path: Path) -> None:
    data = tmp_path / "answers.yml"
    data.write_text("provider: google\nrag: true\nci: none\n")
    result = runner.invoke(
        app, ["new", "bot", "--data-file", str(data), "--provider", "ollama", "--defaults"]
    )
    assert result.exit_code == 0, result.output
    assert calls[0]["answers"] == {"provider": "ollama", "rag": True, "ci": "none"}
    assert calls[0]["use_defaults"] is True


def test_no_rag_is_passed_as_false(calls: list[dict[str, Any]]) -> None:
    runner.invoke(app, ["new", "bot", "--no-rag", "--defaults"])
    assert calls[0]["answers"] == {"rag": False}


def test_unknown_provider_lists_the_valid_ones(calls: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["new", "bot", "--provider", "azure"])
    assert result.exit_code == 2
    for provider in ("openai", "anthropic", "google", "ollama", "openai_compatible"):
        assert provider in result.output
    assert calls == []


def test_unknown_key_in_data_file_is_refused(calls: list[dict[str, Any]], tmp_path: Path) -> None:
    data = tmp_path / "answers.yml"
    data.write_text("provder: openai\n")
    result = runner.invoke(app, ["new", "bot", "--data-file", str(data)])
    assert result.exit_code == 2
    assert "unknown question(s)" in result.output
    assert "provder" in result.output
    assert calls == []


# --- the real library: refusals touch nothing ----------------------------------------


def test_missing_answers_without_a_terminal_name_the_flags(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "bot"), "--rag"])
    assert result.exit_code == 2
    assert "--provider" in result.output
    assert "--agent/--no-agent" in result.output
    assert "--rag/--no-rag" not in result.output  # given
    assert "--rag-store" not in result.output  # a bare --rag means the default store
    assert not (tmp_path / "bot").exists()


def test_existing_non_empty_directory_is_refused_and_untouched(tmp_path: Path) -> None:
    dest = tmp_path / "bot"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["new", str(dest), "--defaults"])
    assert result.exit_code == 2
    assert "already exists and is not empty" in result.output
    assert "--force" in result.output
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]
    assert (dest / "notes.txt").read_text() == "mine"


def test_an_interrupted_render_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def interrupted(src: str, dst: Path, **kwargs: Any) -> None:  # Ctrl-C mid-render
        (Path(dst) / "src").mkdir(parents=True)
        (Path(dst) / "src" / "half.py").write_text("")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", interrupted)
    result = runner.invoke(app, ["new", str(tmp_path / "bot"), "--defaults"])
    assert result.exit_code == 1
    assert "interrupted: nothing was generated" in result.output
    assert not (tmp_path / "bot").exists()
    # Into an existing directory (here with --force): only what the render wrote goes.
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["new", str(tmp_path / "mine"), "--defaults", "--force"])
    assert result.exit_code == 1
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_unreadable_inputs_are_one_line(tmp_path: Path) -> None:
    long_name = runner.invoke(app, ["new", str(tmp_path / ("a" * 300)), "--defaults"])
    assert long_name.exit_code == 2
    assert "cannot use" in long_name.output and "Traceback" not in long_name.output
    data = tmp_path / "answers.yml"
    data.write_bytes(b"provider: \xff\xfe\n")
    not_utf8 = runner.invoke(app, ["new", str(tmp_path / "bot"), "--data-file", str(data)])
    assert not_utf8.exit_code == 2
    assert "is not UTF-8 text" in not_utf8.output
    data.write_text("provider: [openai\n")
    bad_yaml = runner.invoke(app, ["new", str(tmp_path / "bot"), "--data-file", str(data)])
    assert bad_yaml.exit_code == 2
    assert len(bad_yaml.output.strip().splitlines()) == 1


def test_bad_name_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "os"), "--defaults"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: package name 'os' shadows the standard-library module 'os': choose another name"
    )
    assert not (tmp_path / "os").exists()


def test_a_derived_package_name_that_is_refused_names_the_flag_that_fixes_it(
    tmp_path: Path,
) -> None:
    """`123bot` is a good project name, but its derived package name is not an identifier:
    the fix is --package-name, not another folder."""
    result = runner.invoke(app, ["new", str(tmp_path / "123bot"), "--defaults"])
    assert result.exit_code == 2
    assert "'123bot' is not a Python identifier" in result.output
    assert "pass --package-name" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "123bot").exists()
    given = runner.invoke(app, ["new", str(tmp_path / "x"), "--defaults", "--package-name", "9x"])
    assert given.exit_code == 2
    assert "--package-name" not in given.output  # given, so the rule alone says it


def test_data_pairs_and_the_answers_file_are_checked_by_one_rule(tmp_path: Path) -> None:
    data = tmp_path / "answers.yml"
    data.write_text("provder: openai\n")
    from_file = runner.invoke(app, ["new", str(tmp_path / "bot"), "--data-file", str(data)])
    from_pairs = runner.invoke(app, ["update", str(tmp_path), "--data", "provder=openai"])
    for result, where in ((from_file, str(data)), (from_pairs, "--data")):
        assert result.exit_code == 2
        assert result.output.startswith(
            f"error: unknown question(s) in {where}: 'provder' is not a question of the template"
        ), result.output
        assert len(result.output.strip().splitlines()) == 1


def test_conflicting_rag_flags_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["new", str(tmp_path / "bot"), "--no-rag", "--rag-store", "pgvector", "--defaults"]
    )
    assert result.exit_code == 2
    assert "--rag-store needs RAG" in result.output
    assert not (tmp_path / "bot").exists()


def test_new_with_defaults_generates_and_commits(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "demo"), "--defaults"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / ".git").is_dir()
    assert "make test" in result.output
