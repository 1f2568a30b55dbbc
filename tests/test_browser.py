"""The generated playground in a real browser, for one project of each kind.

Renders a plain, a RAG and an agent project and runs each one's own browser tests
(`pytest -m browser`, what `make test-browser` runs): headless Chromium, driven by
Playwright, against the app on 127.0.0.1 with the fake model. Needs Debian's
`chromium` (`apt-get install chromium`; `.ci/run` installs it): without it these tests
fail, they do not skip. Screenshots of every state are kept under `AIENG_SCREENSHOTS`
(default: this test's temporary folder).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aieng.generate import new_project

from .test_matrix import NO_NETWORK, PROJECT_NAMES

pytestmark = pytest.mark.browser

KINDS: dict[str, tuple[dict[str, Any], int, list[str]]] = {
    # answers, browser tests the project has (exactly: a test lost is a failure, so a
    # test added to the template is counted here too), screenshots that must exist
    "plain": ({}, 15, ["answered", "streaming", "trace", "ran", "error", "budget"]),
    "rag": ({"rag": True}, 17, ["answered", "uploaded", "sources"]),
    "agent": ({"agent": True}, 19, ["answered", "tool-step", "agent-image"]),
}


@pytest.mark.parametrize("kind", KINDS)
def test_playground_in_chromium(kind: str, tmp_path: Path) -> None:
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not chromium:
        pytest.fail("no Chromium: apt-get install chromium (or set CHROMIUM_PATH)")
    answers, count, states = KINDS[kind]
    project = new_project(tmp_path / PROJECT_NAMES[0], answers, use_defaults=True, git=False).path
    shots = Path(os.environ.get("AIENG_SCREENSHOTS") or tmp_path / "screenshots") / kind
    env = {**os.environ, **NO_NETWORK, "LLM_PROVIDER": "fake", "SCREENSHOT_DIR": str(shots)}
    env["CHROMIUM_PATH"] = chromium
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "browser"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"\b{count} passed\b", done.stdout), done.stdout
    assert not re.search(r"\d+ (skipped|errors?)\b", done.stdout), done.stdout
    saved = {path.name for path in shots.glob("*.png") if path.stat().st_size > 5_000}
    for state in states:
        assert any(name.endswith(f"-{state}.png") for name in saved), (state, sorted(saved))
