"""`app eval --tiers`, as the generated README gives it, runs on a fresh project of every
provider: the fast tier's default (`template/_partials/tiers.jinja`) is a model of that
provider other than the chosen one, and the smart tier is the chosen model.

Issue 17, item 8: on a fresh project both tiers were LLM_MODEL, and the command failed
with "both are 'claude-sonnet-4-5'".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Render

PROVIDERS = ["openai", "anthropic", "google", "ollama", "openai_compatible"]


def run_app(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The generated app's CLI, offline (the fake model), from the project's source."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLM_", "OPENAI_", "ANTHROPIC_", "GOOGLE_", "TRACE"))
    }
    env.update(PYTHONPATH=str(project / "src"), LLM_PROVIDER="fake", TRACING="off")
    code = "import sys; from demo_app.cli import app; sys.argv[0] = 'demo-app'; app()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_eval_tiers_runs_on_a_fresh_project(render: Render, provider: str) -> None:
    project = render(provider=provider)
    done = run_app(project, "eval", "--tiers", "--dataset", "classify", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:3]]
    assert [row[0] for row in rows] == ["fast", "smart"]
    fast, smart = rows[0][1], rows[1][1]
    assert fast != smart
    settings = (project / "src" / "demo_app" / "settings.py").read_text()
    assert f'llm_model_fast: str | None = "{fast}"' in settings
    assert f"the fast tier is `{fast}`" in (project / "README.md").read_text()


def test_a_chosen_model_equal_to_the_fast_default_gets_another_fast_model(
    render: Render,
) -> None:
    project = render(provider="anthropic", model="claude-haiku-4-5")
    settings = (project / "src" / "demo_app" / "settings.py").read_text()
    assert 'llm_model: str = "claude-haiku-4-5"' in settings
    assert 'llm_model_fast: str | None = "claude-3-5-haiku-latest"' in settings
