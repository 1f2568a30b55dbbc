"""Running git: the one place aieng starts it, for generating, caching and updating."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from aieng.errors import AiengError


def has_git() -> bool:
    return shutil.which("git") is not None


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git and return what happened; the caller decides what a failure means."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def git_output(cwd: Path, *args: str) -> str:
    """The output of a git command that must succeed; git's last words if it does not."""
    if not has_git():
        raise AiengError("git is not installed: aieng needs it to record and merge versions")
    done = git(cwd, *args)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        command = next(arg for arg in args if not arg.startswith("-") and "=" not in arg)
        raise AiengError(
            f"git {command} failed in {cwd}: {lines[-1] if lines else done.returncode}"
        )
    return done.stdout.strip()


def project_status(project: Path) -> list[tuple[str, str]]:
    """`git status` of the project's folder alone: (two-letter code, path from the project).

    git names paths from the repository's top, which is a parent folder when the project
    lives inside a larger repository; the paths here are the project's own.
    """
    prefix = git_output(project, "rev-parse", "--show-prefix")
    listed = git(project, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".")
    entries = []
    fields = iter(listed.stdout.split("\0"))
    for field in fields:
        if not field:
            continue
        code, path = field[:2], field[3:]
        if code[0] in "RC":
            next(fields, None)  # a rename or copy is followed by the path it came from
        entries.append((code, path.removeprefix(prefix)))
    return entries
