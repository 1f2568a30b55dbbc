"""A user's path, end to end: `aieng new`, then the project's own README commands.

The project gets a fresh virtual environment filled from the package registry (by
`make install`, with uv when it is on PATH, else venv + pip), then `make test` and
`make lint` run in it, exactly as its README says. This is the one test that installs
from the registry; everything else shares the test environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def aieng_command() -> list[str]:
    script = Path(sys.executable).with_name("aieng")
    return [str(script)] if script.exists() else [sys.executable, "-m", "aieng"]


def readme_commands(project: Path) -> list[str]:
    """The commands of the README's 'Two commands' block, in order."""
    readme = (project / "README.md").read_text()
    block = re.search(r"## Two commands\s+```bash\n(.*?)```", readme, re.DOTALL)
    assert block, "the generated README has no 'Two commands' block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_new_project_passes_its_own_readme_commands(tmp_path: Path, installer: str) -> None:
    """With uv on PATH, and without it (`UV=` makes the Makefile fall back to venv + pip)."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    created = subprocess.run(
        [*aieng_command(), "new", "support-bot", "--defaults"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert created.returncode == 0, created.stderr
    project = tmp_path / "support-bot"

    commands = readme_commands(project)
    assert commands == ["make install", "make test"]
    make_variables = [] if installer == "uv" else ["UV="]
    for command in [*commands, "make lint", "make eval"]:
        done = subprocess.run(
            [*command.split(), *make_variables],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
        assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        if command == "make test":
            assert re.search(r"\d+ passed", done.stdout)
    assert (project / ".venv" / "bin" / "support-bot").exists()
    # uv pins what it installed, for the Docker image (`uv sync --frozen`); pip has no lock.
    assert (project / "uv.lock").exists() == (installer == "uv")


def test_installed_wheel_renders_without_the_source_tree(tmp_path: Path) -> None:
    """The wheel carries copier.yml and template/; its projects record an updatable source."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["AIENG_HOME"] = str(tmp_path / "home")

    def run(*command: str, cwd: Path = tmp_path) -> str:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
        assert done.returncode == 0, f"{command}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        return done.stdout

    run("uv", "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist"), cwd=root)
    [wheel] = (tmp_path / "dist").glob("aieng-*.whl")
    run("uv", "venv", "--quiet", str(tmp_path / "venv"))
    run("uv", "pip", "install", "--quiet", "--python", str(tmp_path / "venv"), str(wheel))

    run(str(tmp_path / "venv" / "bin" / "aieng"), "new", "demo", "--defaults", "--rag")
    answers = (tmp_path / "demo" / ".copier-answers.yml").read_text()
    assert f"_src_path: {tmp_path / 'home' / 'template.git'}" in answers
    assert "_commit: v" in answers
    assert (tmp_path / "demo" / "src" / "demo" / "api" / "app.py").is_file()
