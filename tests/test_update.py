"""Updating a generated project, as a user does it: render v1, edit, the template moves
to v2, update. Offline: the template is a temporary local git repository with tags.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from aieng.cli import app
from aieng.generate import new_project
from aieng.source import TemplateSource, ensure_cached_version
from aieng.template import template_root
from aieng.update import update_project

from .test_matrix import LIGHT

runner = CliRunner()
PACKAGE = "bot"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


class TemplateRepo:
    """A throw-away template repository with a tag per version, as aieng's cache keeps."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.work = path.with_name(path.name + "-work")  # where versions are edited
        shutil.copytree(template_root() / "template", self.work / "template")
        shutil.copy2(template_root() / "copier.yml", self.work / "copier.yml")
        self.release("v1.0.0")

    def edit(self, relative: str, change: Callable[[str], str]) -> None:
        file = self.work / "template" / relative
        file.write_text(change(file.read_text()))

    def release(self, tag: str) -> None:
        ensure_cached_version(self.work, self.path, tag)


@pytest.fixture
def template(tmp_path: Path) -> TemplateRepo:
    return TemplateRepo(tmp_path / "template-repo")


@pytest.fixture
def project(template: TemplateRepo, tmp_path: Path) -> Path:
    source = TemplateSource(template.path, "v1.0.0")
    return new_project(tmp_path / PACKAGE, {}, use_defaults=True, source=source).path


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text()))


def commit(project: Path, message: str = "user edits") -> None:
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)


def run_project_tests(project: Path) -> str:
    """The project's suite after an update, as the matrix runs most projects: the tests
    that start real processes run in the matrix's own selection (tests/test_matrix.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", "-m", LIGHT],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "LLM_PROVIDER": "fake"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


CHAT = "prompts/chat.prompt.md"
ROUTE = """from fastapi import APIRouter

router = APIRouter()


@router.get("/ping")
async def ping() -> dict[str, str]:
    return {"pong": "yes"}
"""


OWN_PROMPT = "---\nname: triage\nversion: 1\n---\nsystem:\nTriage tickets.\n\nhistory:\n"


def user_edits(project: Path) -> None:
    """What a user does to a fresh project: a prompt, a route, a README note, settings."""
    package = project / "src" / PACKAGE
    edit(project / CHAT, lambda t: t.replace("Answer briefly", "Answer like a pirate"))
    (package / "api" / "routes" / "ping.py").write_text(ROUTE)
    edit(project / "README.md", lambda t: t + "\n## Our notes\n\nDeployed on Fridays.\n")
    edit(project / ".env.example", lambda t: t + "\n# Our team's proxy\nLLM_BASE_URL=\n")
    (project / ".env").write_text("LLM_PROVIDER=fake\nOPENAI_API_KEY=sk-user-secret\n")
    (project / "prompts" / "triage.prompt.md").write_text(OWN_PROMPT)
    commit(project)


def test_update_merges_the_template_and_keeps_every_user_edit(
    template: TemplateRepo, project: Path
) -> None:
    user_edits(project)
    template.edit(
        "Makefile.jinja", lambda t: t + "\nclean:  ## Remove caches\n\trm -rf .pytest_cache\n"
    )
    template.edit(
        "src/{{package_name}}/settings.py.jinja",
        lambda t: t.replace(
            "max_message_chars: int = Field(8_000", "max_message_chars: int = Field(16_000"
        ),
    )
    template.release("v2.0.0")

    report = update_project(project)

    assert (report.from_version, report.to_version) == ("v1.0.0", "v2.0.0")
    assert report.conflicts == []
    assert "clean:" in (project / "Makefile").read_text()
    assert "Field(16_000" in (project / "src" / PACKAGE / "settings.py").read_text()
    assert "Answer like a pirate" in (project / CHAT).read_text()
    assert (project / "src" / PACKAGE / "api" / "routes" / "ping.py").read_text() == ROUTE
    assert "Deployed on Fridays." in (project / "README.md").read_text()
    assert "Our team's proxy" in (project / ".env.example").read_text()
    assert "sk-user-secret" in (project / ".env").read_text()
    assert (project / "prompts" / "triage.prompt.md").read_text() == OWN_PROMPT
    assert "_commit: v2.0.0" in (project / ".copier-answers.yml").read_text()
    run_project_tests(project)


def test_a_clash_is_a_visible_conflict_and_exit_1(template: TemplateRepo, project: Path) -> None:
    user_edits(project)
    template.edit(CHAT, lambda t: t.replace("Answer briefly", "Answer in one sentence"))
    template.release("v2.0.0")

    result = runner.invoke(app, ["update", str(project)])

    assert result.exit_code == 1, result.output
    assert "conflict" in result.output
    assert CHAT in result.output
    merged = (project / CHAT).read_text()
    assert "<<<<<<<" in merged and ">>>>>>>" in merged
    assert "Answer like a pirate" in merged  # the user's line is not lost
    assert "Answer in one sentence" in merged  # nor the template's


def test_conflicts_as_rej_files(template: TemplateRepo, project: Path) -> None:
    user_edits(project)
    template.edit(CHAT, lambda t: t.replace("Answer briefly", "Answer in one sentence"))
    template.release("v2.0.0")
    report = update_project(project, conflict="rej")
    assert any(path.endswith(".rej") for path in report.conflicts), report


def test_dry_run_reports_and_touches_nothing(template: TemplateRepo, project: Path) -> None:
    user_edits(project)
    head = git(project, "rev-parse", "HEAD")
    template.edit(CHAT, lambda t: t.replace("Answer briefly", "Answer in one sentence"))
    template.edit("Makefile.jinja", lambda t: t + "\n# a comment\n")
    template.release("v2.0.0")

    result = runner.invoke(app, ["update", str(project), "--dry-run"])

    assert result.exit_code == 1, result.output  # a conflict would need the user
    assert "would change" in result.output
    assert "Makefile" in result.output
    assert CHAT in result.output
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""
    assert "Answer like a pirate" in (project / CHAT).read_text()


def test_refusals_before_updating_say_why(project: Path, tmp_path: Path) -> None:
    # A committed file changed and not committed again: the update could lose the change.
    (project / "scratch.txt").write_text("first draft")
    commit(project, "a draft")
    (project / "scratch.txt").write_text("work in progress")
    result = runner.invoke(app, ["update", str(project)])
    assert result.exit_code == 2
    assert "uncommitted changes" in result.output and "scratch.txt" in result.output
    assert (project / "scratch.txt").read_text() == "work in progress"

    plain = tmp_path / "plain"
    plain.mkdir()
    result = runner.invoke(app, ["update", str(plain)])
    assert result.exit_code == 2
    assert "not a git repository" in result.output

    git(plain, "init", "-q")
    result = runner.invoke(app, ["update", str(plain)])
    assert result.exit_code == 2
    assert "has no .copier-answers.yml" in result.output


def test_untracked_files_the_template_does_not_have_do_not_block_an_update(
    template: TemplateRepo, project: Path
) -> None:
    """`make install` leaves an untracked uv.lock: updating right after must work, and
    leave it as it was (untracked, same bytes)."""
    (project / "uv.lock").write_text("version = 1\n# the user's lock\n")
    (project / "notes" / "ideas.md").parent.mkdir()
    (project / "notes" / "ideas.md").write_text("an idea\n")
    template.edit("Makefile.jinja", lambda t: t + "\n# v2\n")
    template.release("v2.0.0")

    result = runner.invoke(app, ["update", str(project)])

    assert result.exit_code == 0, result.output
    assert "Makefile" in result.output and "uv.lock" not in result.output
    assert (project / "uv.lock").read_text() == "version = 1\n# the user's lock\n"
    assert (project / "notes" / "ideas.md").read_text() == "an idea\n"
    untracked = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert {"?? uv.lock", "?? notes/ideas.md"} <= set(untracked)
    assert "# v2" in (project / "Makefile").read_text()


def test_an_untracked_file_the_template_could_write_still_blocks_an_update(
    project: Path,
) -> None:
    """`add rag` renders src/bot/rag/store.py: an untracked file there would be lost."""
    mine = project / "src" / PACKAGE / "rag" / "store.py"
    mine.parent.mkdir()
    mine.write_text("# my own store, not committed yet\n")
    before = git(project, "rev-parse", "HEAD")

    result = runner.invoke(app, ["add", "rag", str(project)])

    assert result.exit_code == 2, result.output
    assert "uncommitted changes" in result.output
    assert f"src/{PACKAGE}/rag/store.py" in result.output
    assert mine.read_text() == "# my own store, not committed yet\n"
    assert git(project, "rev-parse", "HEAD") == before
    assert "rag: true" not in (project / ".copier-answers.yml").read_text()


def test_which_untracked_paths_a_template_file_name_can_render_to() -> None:
    from aieng.untracked import could_be_written

    names = [
        "src/{{package_name}}/{% if rag %}rag{% endif %}/store.py",
        "{{ a_question_of_a_newer_version }}/tool.py",  # cannot render: matches anything
        "README.md.jinja",
    ]
    before, after = {"package_name": "bot", "rag": False}, {"package_name": "bot", "rag": True}
    paths = ["src/bot/rag/store.py", "x/tool.py", "README.md", "README.md.rej", "x/y/tool.py"]
    paths += ["uv.lock", "src/bot/rag/notes.md", "src/bot/store.py"]
    assert could_be_written(paths, names, [before, after]) == paths[:4]
    assert could_be_written(["src/bot/rag/store.py"], names[:1], [before]) == []


def test_an_edited_file_the_update_removes_is_kept_named_and_exit_1(
    template: TemplateRepo, project: Path
) -> None:
    """Renaming the package moves every module: an edited one must not vanish."""
    settings = project / "src" / PACKAGE / "settings.py"
    edit(settings, lambda t: t + "\n# our production notes\n")
    user_edits(project)
    edited = settings.read_text()
    untouched = project / "src" / PACKAGE / "__init__.py"

    result = runner.invoke(app, ["update", str(project), "--data", "package_name=helper"])

    assert result.exit_code == 1, result.output
    assert "you edited are not in the new template" in result.output
    assert f"  src/{PACKAGE}/settings.py" in result.output.splitlines()
    assert settings.read_text() == edited  # the user's version, as committed
    assert (project / "src" / "helper" / "settings.py").is_file()
    assert not untouched.exists()  # not edited: the rename deletes it
    assert (project / "src" / PACKAGE / "api" / "routes" / "ping.py").read_text() == ROUTE


def test_a_file_a_new_version_drops_is_kept_only_if_edited(
    template: TemplateRepo, project: Path
) -> None:
    edit(project / ".dockerignore", lambda t: t + "secrets/\n")
    commit(project)
    (template.work / "template" / ".dockerignore").unlink()
    dropped_untouched = next((template.work / "template" / "scripts").iterdir())
    dropped_untouched.unlink()
    template.release("v2.0.0")

    dry = runner.invoke(app, ["update", str(project), "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert "  .dockerignore" in dry.output.splitlines() and "would be kept" in dry.output
    assert git(project, "status", "--porcelain") == ""

    report = update_project(project)
    assert report.kept == [".dockerignore"]
    assert (project / ".dockerignore").read_text().endswith("secrets/\n")
    untouched = project / "scripts" / dropped_untouched.name.removesuffix(".jinja")
    assert not untouched.exists()


def test_a_project_inside_a_larger_repository_updates_and_dry_runs(
    template: TemplateRepo, tmp_path: Path
) -> None:
    monorepo = tmp_path / "monorepo"
    monorepo.mkdir()
    git(monorepo, "init", "-q")
    (monorepo / "README.md").write_text("Our monorepo\n")
    source = TemplateSource(template.path, "v1.0.0")
    project = new_project(
        monorepo / "apps" / PACKAGE, {}, use_defaults=True, source=source, git=False
    ).path
    git(monorepo, "add", "-A")
    git(monorepo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "all")
    template.edit("Makefile.jinja", lambda t: t + "\n# v2\n")
    template.release("v2.0.0")

    dry = runner.invoke(app, ["update", str(project), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would change" in dry.output and "  Makefile" in dry.output.splitlines()
    assert git(monorepo, "status", "--porcelain") == ""

    result = runner.invoke(app, ["update", str(project)])
    assert result.exit_code == 0, result.output
    assert "  Makefile" in result.output.splitlines()  # named from the project, not the top
    assert "# v2" in (project / "Makefile").read_text()


def test_a_project_copier_made_without_git_is_told_how_to_become_updatable(
    template: TemplateRepo, tmp_path: Path
) -> None:
    source = TemplateSource(template.path, "v1.0.0")
    project = new_project(tmp_path / "copied", {}, use_defaults=True, source=source, git=False).path
    result = runner.invoke(app, ["update", str(project)])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert "not a git repository" in line and "git init && git add -A && git commit" in line

    template.edit("Makefile.jinja", lambda t: t + "\n# v2\n")
    template.release("v2.0.0")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "Generate")
    assert runner.invoke(app, ["update", str(project)]).exit_code == 0
    assert "# v2" in (project / "Makefile").read_text()


def test_a_project_that_does_not_exist_is_named_so(tmp_path: Path) -> None:
    for command in ("check", "update"):
        result = runner.invoke(app, [command, str(tmp_path / "no" / "such")])
        assert result.exit_code == 2
        assert result.output.strip() == f"error: {tmp_path / 'no' / 'such'} does not exist"


def test_bad_answers_file_data_or_version_is_one_line(project: Path) -> None:
    unknown = runner.invoke(app, ["update", str(project), "--data", "provder=anthropic"])
    assert unknown.exit_code == 2
    assert "'provder' is not a question of the template" in unknown.output

    missing = runner.invoke(app, ["update", str(project), "--to", "v9.9.9"])
    assert missing.exit_code == 2
    assert "has no version 'v9.9.9' (its versions: v1.0.0)" in missing.output

    answers = project / ".copier-answers.yml"
    for broken, says in (("_commit: [\n", "is not valid YAML"), ("- a\n", "not a mapping")):
        answers.write_text(broken)
        commit(project, "break the answers file")
        for command in ("update", "check"):
            result = runner.invoke(app, [command, str(project)])
            assert result.exit_code == 2, result.output
            assert says in result.output and "Traceback" not in result.output


def test_check_says_when_an_update_is_available(template: TemplateRepo, project: Path) -> None:
    result = runner.invoke(app, ["check", str(project)])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output

    template.edit("Makefile.jinja", lambda t: t + "\n# v2\n")
    template.release("v2.0.0")
    result = runner.invoke(app, ["check", str(project)])
    assert result.exit_code == 2
    assert "v1.0.0 -> v2.0.0" in result.output

    update_project(project)
    commit(project, "update to v2")
    assert runner.invoke(app, ["check", str(project)]).exit_code == 0


def test_add_rag_then_agent_keeps_edits_and_the_tests_pass(project: Path) -> None:
    user_edits(project)

    result = runner.invoke(app, ["add", "rag", str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "src" / PACKAGE / "rag").is_dir()
    commit(project, "add rag")

    result = runner.invoke(app, ["add", "agent", str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "src" / PACKAGE / "agent").is_dir()
    commit(project, "add agent")

    answers = (project / ".copier-answers.yml").read_text()
    assert "rag: true" in answers and "agent: true" in answers
    assert "Answer like a pirate" in (project / CHAT).read_text()
    assert "Deployed on Fridays." in (project / "README.md").read_text()
    run_project_tests(project)


def test_add_rag_keeps_the_store_the_project_has(template: TemplateRepo, tmp_path: Path) -> None:
    source = TemplateSource(template.path, "v1.0.0")
    answers = {"rag": True, "rag_store": "pgvector"}
    project = new_project(tmp_path / "pg", answers, use_defaults=True, source=source).path
    result = runner.invoke(app, ["add", "rag", str(project)])
    assert result.exit_code == 0, result.output
    assert "rag_store: pgvector" in (project / ".copier-answers.yml").read_text()
    assert (project / "src" / "pg" / "rag" / "pgvector_store.py").is_file()


def test_add_provider_switches_the_dependency(project: Path) -> None:
    user_edits(project)
    result = runner.invoke(app, ["add", "provider", "anthropic", str(project)])
    assert result.exit_code == 0, result.output
    pyproject = (project / "pyproject.toml").read_text()
    assert "langchain-anthropic" in pyproject and "langchain-openai" not in pyproject
    assert "ChatAnthropic" in (project / "src" / PACKAGE / "provider.py").read_text()
    assert "Answer like a pirate" in (project / CHAT).read_text()

    refused = runner.invoke(app, ["add", "provider", "azure", str(project)])
    assert refused.exit_code == 2
    assert "openai_compatible" in refused.output


MIGRATION = """
_migrations:
  - version: "2.0.0"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/template/_migrations/dotenv.py",
              "--rename", "MAX_MESSAGE_CHARS=CHAT_MAX_MESSAGE_CHARS"]
"""


def test_a_renamed_setting_is_carried_into_the_users_env_by_a_migration(
    template: TemplateRepo, project: Path
) -> None:
    env = "# our limits\nMAX_MESSAGE_CHARS=123  # support asked for short ones\nLLM_PROVIDER=fake\n"
    (project / ".env").write_text(env)
    template.edit(
        "src/{{package_name}}/settings.py.jinja",
        lambda t: t.replace("    max_message_chars: int", "    chat_max_message_chars: int"),
    )
    template.edit("../copier.yml", lambda t: t.replace("_migrations: []\n", MIGRATION))
    template.release("v2.0.0")
    template.edit("Makefile.jinja", lambda t: t + "\n# v3\n")  # a later update: no migration
    template.release("v3.0.0")

    update_project(project, to="v2.0.0")
    migrated = "# our limits\nCHAT_MAX_MESSAGE_CHARS=123  # support asked for short ones\n"
    assert (project / ".env").read_text() == migrated + "LLM_PROVIDER=fake\n"
    assert "chat_max_message_chars: int" in (project / "src" / PACKAGE / "settings.py").read_text()

    (project / ".env").write_text("MAX_MESSAGE_CHARS=7\n")  # the migration must not run again
    commit(project, "after v2")
    update_project(project, to="v3.0.0")
    assert (project / ".env").read_text() == "MAX_MESSAGE_CHARS=7\n"


def load_dotenv_migration() -> ModuleType:
    path = template_root() / "template" / "_migrations" / "dotenv.py"
    spec = importlib.util.spec_from_file_location("dotenv_migration", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_dotenv_migration_renames_keeps_and_never_clobbers(tmp_path: Path) -> None:
    migration = load_dotenv_migration()
    env = tmp_path / ".env"
    env.write_text("export OLD=1\nNEW_TOO=2\nOLD_TOO=3\nOTHER=x")
    renames = ["--rename", "OLD=NEW", "--rename", "OLD_TOO=NEW_TOO"]
    keeps = ["--keep", "OTHER=y", "--keep", "EMBEDDING_PROVIDER=local"]
    status = migration.main(["--file", str(env), *renames, *keeps])
    assert status == 0
    assert env.read_text().splitlines() == [
        "export NEW=1",
        "NEW_TOO=2",
        "# OLD_TOO=3  # OLD_TOO is now NEW_TOO, which is set below",
        "OTHER=x",
        "# Added by aieng update: the default before this version.",
        "EMBEDDING_PROVIDER=local",
    ]
    missing = tmp_path / "absent.env"
    assert migration.main(["--file", str(missing), "--rename", "A=B"]) == 0
    assert not missing.exists()
