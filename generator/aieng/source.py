"""The template source that a project records, so that `aieng update` can merge later.

Copier can only update a project whose `.copier-answers.yml` names a git repository and
a commit in it. A source checkout of aieng is such a repository. An installed wheel is
not: its template is a plain folder, and copier would record no commit at all, leaving
a project that can never be updated. So an installed aieng keeps a local git repository
of its templates (under `AIENG_HOME`, default `~/.local/share/aieng`), with one commit
and tag per aieng version. Projects record that repository's absolute path and the
version's tag: the path survives moving the project, and the tag survives upgrading
aieng, which only adds the next version on top.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aieng import __version__
from aieng.git import git, git_output, has_git
from aieng.template import template_root

_TEMPLATE_ITEMS = ("copier.yml", "template")
_IDENTITY = [
    "-c",
    "user.name=aieng",
    "-c",
    "user.email=aieng@localhost",
    "-c",
    "commit.gpgsign=false",
]


@dataclass(frozen=True)
class TemplateSource:
    path: Path
    ref: str


def aieng_home() -> Path:
    default = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "aieng"
    return Path(os.environ.get("AIENG_HOME") or default)


def template_source() -> TemplateSource:
    """The repository and ref to render from: the checkout itself, or the local cache."""
    root = template_root()
    if _is_git_work_tree(root):
        return TemplateSource(root, "HEAD")
    tag = f"v{__version__}"
    return TemplateSource(ensure_cached_version(root, aieng_home() / "template.git", tag), tag)


def ensure_cached_version(root: Path, repo: Path, tag: str) -> Path:
    """Commit the template at `root` to `repo` under `tag`, unless it is already there."""
    repo.mkdir(parents=True, exist_ok=True)
    # Two `aieng new` at once must not both commit the same version.
    with exclusive_lock(repo.parent / f"{repo.name}.lock"):
        if not (repo / ".git").exists():
            git_output(repo, "init", "-q", "-b", "main")
        if git_output(repo, "tag", "--list", tag):
            return repo
        for item in _TEMPLATE_ITEMS:
            target = repo / item
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            source = root / item
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
        git_output(repo, "add", "-A")
        git_output(repo, *_IDENTITY, "commit", "-q", "--allow-empty", "-m", f"aieng template {tag}")
        git_output(repo, *_IDENTITY, "tag", tag)
    return repo


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (made if missing) for the `with` block; wait for it.

    The lock is the operating system's, so a crashed holder releases it: `flock` on
    POSIX, `msvcrt.locking` of the file's first byte on Windows. Imported here, not at
    the top, so that aieng imports on either system.
    """
    with path.open("a+") as handle:
        _lock(handle)
        try:
            yield
        finally:
            _unlock(handle)


def _lock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        while True:  # LK_LOCK gives up after ten one-second tries: keep waiting
            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)


def _unlock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_UN)


def _is_git_work_tree(path: Path) -> bool:
    if not has_git():
        return False
    done = git(path, "rev-parse", "--show-toplevel")
    return done.returncode == 0 and Path(done.stdout.strip()).resolve() == path.resolve()
