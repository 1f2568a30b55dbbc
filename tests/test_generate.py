"""The library behind `aieng new`: what a rendered project records and contains."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from aieng.errors import BadInputError
from aieng.generate import new_project, read_data_file, resolve_implied
from aieng.template import template_root

from .conftest import Render


def answers_of(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def test_answers_file_records_an_absolute_source_and_a_commit(render: Render) -> None:
    answers = answers_of(render("bot", provider="anthropic"))
    source = Path(str(answers["_src_path"]))
    assert source.is_absolute()
    assert source == template_root()
    assert answers["_commit"]  # without it a project can never be updated
    assert answers["provider"] == "anthropic"
    assert answers["model"] == "claude-sonnet-4-5"  # the provider's default model
    assert answers["project_name"] == "bot"
    assert answers["package_name"] == "bot"


def test_rag_store_is_recorded_only_with_rag(render: Render) -> None:
    assert "rag_store" not in answers_of(render("a"))
    assert answers_of(render("b", rag=True))["rag_store"] == "embedded"


def test_rag_store_implies_rag() -> None:
    assert resolve_implied({"rag_store": "pgvector"}) == {"rag_store": "pgvector", "rag": True}
    assert resolve_implied({"rag": True}) == {"rag": True, "rag_store": "embedded"}
    assert resolve_implied({"rag": False}) == {"rag": False}


def test_implications_come_from_copier_yml(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generator knows no rule of its own: another declared implication works alike."""
    from aieng import generate

    monkeypatch.setattr(generate, "load_implications", lambda: {"ci": {"agent": True}})
    assert resolve_implied({"ci": "none"}) == {"ci": "none", "agent": True}
    assert resolve_implied({"agent": True}) == {"agent": True, "ci": "github"}
    assert resolve_implied({"rag_store": "pgvector"}) == {"rag_store": "pgvector"}
    with pytest.raises(BadInputError, match=r"--ci needs AGENT \(--agent\), but --no-agent"):
        resolve_implied({"ci": "none", "agent": False})


def test_ci_none_has_no_workflow_and_github_has_one(render: Render) -> None:
    assert not (render("a", ci="none") / ".github").exists()
    workflow = render("b", ci="github") / ".github" / "workflows" / "ci.yml"
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    commands = [step.get("run") for step in jobs["test"]["steps"]]
    assert "make test" in commands
    assert "make lint" in commands


def test_ci_runs_the_evals_offline_and_against_the_real_provider_when_keyed(
    render: Render,
) -> None:
    workflow = render("an", ci="github", provider="anthropic") / ".github" / "workflows"
    jobs = yaml.safe_load((workflow / "ci.yml").read_text())["jobs"]
    offline = [step.get("run") or "" for step in jobs["test"]["steps"]]
    assert any("eval --markdown" in run for run in offline)
    real = jobs["eval-real-provider"]
    assert real["env"]["ANTHROPIC_API_KEY"] == "${{ secrets.ANTHROPIC_API_KEY }}"
    assert all(step["if"] == "env.ANTHROPIC_API_KEY != ''" for step in real["steps"])
    assert "eval --no-cache" in real["steps"][-1]["run"]
    ollama = render("ol", ci="github", provider="ollama") / ".github" / "workflows"
    assert "eval-real-provider" not in yaml.safe_load((ollama / "ci.yml").read_text())["jobs"]


def test_ci_runs_the_playground_browser_tests_in_chromium(render: Render) -> None:
    project = render("br", ci="github", agent=True)
    jobs = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())["jobs"]
    steps = jobs["browser"]["steps"]
    runs = [step.get("run") or "" for step in steps]
    browser_run = next(step for step in steps if step.get("run") == "make test-browser")
    # The Chromium the tests launch is the one this job finds or installs.
    chromium = next(run for run in runs if "apt-get install -y chromium" in run)
    assert 'echo "CHROMIUM_PATH=' in chromium and "$GITHUB_ENV" in chromium
    assert "CHROMIUM_PATH" in (project / "tests" / "browser.py").read_text()
    assert "pytest -m browser" in (project / "Makefile").read_text()
    # Every screenshot the tests save is uploaded, whether they pass or not.
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-"))
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == browser_run["env"]["SCREENSHOT_DIR"]
    assert runs.index("make install") < runs.index("make test-browser")


def test_pgvector_projects_test_against_a_pgvector_service_in_ci(render: Render) -> None:
    workflow = render("pg", ci="github", rag=True, rag_store="pgvector") / ".github"
    job = yaml.safe_load((workflow / "workflows" / "ci.yml").read_text())["jobs"]["test"]
    assert job["services"]["postgres"]["image"].startswith("pgvector/pgvector:")
    assert job["env"]["TEST_DATABASE_URL"] == job["env"]["DATABASE_URL"]
    assert "localhost:5432" in job["env"]["DATABASE_URL"]
    embedded = render("emb", ci="github", rag=True) / ".github" / "workflows" / "ci.yml"
    assert "services" not in yaml.safe_load(embedded.read_text())["jobs"]["test"]


def test_only_the_chosen_provider_package_is_a_dependency(render: Render) -> None:
    pyproject = (render("a", provider="google") / "pyproject.toml").read_text()
    assert "langchain-google-genai" in pyproject
    for other in ("langchain-openai", "langchain-anthropic", "langchain-ollama"):
        assert other not in pyproject


def test_partials_are_not_copied(render: Render) -> None:
    project = render("a")
    assert not list(project.rglob("_partials"))
    assert not list(project.rglob("*.jinja"))


def test_git_commit_is_made_unless_disabled(tmp_path: Path) -> None:
    project = new_project(tmp_path / "a", {}, use_defaults=True).path
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True
    )
    assert "Generate with aieng" in log.stdout
    assert (
        subprocess.run(
            ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True
        ).stdout
        == ""
    )
    assert not (
        new_project(tmp_path / "b", {}, use_defaults=True, git=False).path / ".git"
    ).exists()


def test_force_renders_into_a_non_empty_directory_keeping_other_files(tmp_path: Path) -> None:
    dest = tmp_path / "bot"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    new_project(dest, {}, use_defaults=True, force=True, git=False)
    assert (dest / "notes.txt").read_text() == "mine"
    assert (dest / "pyproject.toml").is_file()


def test_destination_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bot").write_text("a file")
    with pytest.raises(BadInputError, match="is not a directory"):
        new_project(tmp_path / "bot", {}, use_defaults=True)
    assert (tmp_path / "bot").read_text() == "a file"


@pytest.mark.parametrize(
    ("content", "message"),
    [("provider: [unclosed", "not valid YAML"), ("- a list", "must be a mapping")],
)
def test_bad_data_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(content)
    with pytest.raises(BadInputError, match=message):
        read_data_file(path)


def test_missing_data_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read the answers file"):
        read_data_file(tmp_path / "nope.yml")
