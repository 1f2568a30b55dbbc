"""What the benchmarks of a generated app share: render a project, run code inside it.

The code runs in a fresh interpreter with the project's `src/` on the path and the
offline fake provider, so imports are cold and nothing reaches a network. It prints one
JSON object as its last line; that is what comes back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aieng.generate import new_project

NAME = "bench-app"
PACKAGE = "bench_app"


def render(scratch: Path, **answers: Any) -> Path:
    """A project with the defaults plus `answers`, without git (nothing to commit here)."""
    return new_project(scratch / NAME, answers, use_defaults=True, git=False).path


def run_in_project(project: Path, code: str, *arguments: object, **env: str) -> Any:
    """Run `code` (its `{package}` filled in) with `arguments` as argv; its JSON result."""
    done = subprocess.run(
        [sys.executable, "-c", code.format(package=PACKAGE), *map(str, arguments)],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src"), "LLM_PROVIDER": "fake", **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])
