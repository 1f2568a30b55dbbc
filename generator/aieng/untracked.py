"""Untracked files and an update: which ones it could touch, and keeping the rest aside.

`make install` leaves an untracked `uv.lock`. Refusing to update until it is committed
would block the second thing a user does with the first. Copier itself refuses any
untracked file, but what it writes is known: the paths of the template, at the project's
version (the files it deletes) and at the new one (the files it renders), plus a `.rej`
next to one of them. So an untracked file that no template path can render to cannot be
touched by the update: aieng moves it into the repository's git directory while copier
runs, and back afterwards. An untracked file that a template path can render to could be
overwritten or deleted, so the update is refused before anything is written, as for a
changed tracked file.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aieng.errors import AiengError
from aieng.git import git, git_output

TEMPLATE_DIR = "template"  # copier.yml's `_subdirectory`
SUFFIX = ".jinja"  # copier.yml's `_templates_suffix`
_JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")
SET_ASIDE_DIR = "aieng-update-untracked"


def template_paths(source: Path, refs: Iterable[str]) -> list[str]:
    """The template's file names (Jinja in them unrendered) at each of `refs`, and in the
    working tree when `source` is a checkout (copier renders its uncommitted changes)."""
    names: set[str] = set()
    for ref in refs:
        listed = git(source, "ls-tree", "-r", "-z", "--name-only", ref, "--", TEMPLATE_DIR)
        names.update(listed.stdout.split("\0"))
    if (source / ".git").exists():
        listed = git(source, "ls-files", "-z", "-co", "--exclude-standard", "--", TEMPLATE_DIR)
        names.update(listed.stdout.split("\0"))
    prefix = TEMPLATE_DIR + "/"
    return sorted(name.removeprefix(prefix) for name in names if name.startswith(prefix))


def could_be_written(
    paths: Iterable[str], template_names: Iterable[str], contexts: Iterable[dict[str, Any]]
) -> list[str]:
    """The `paths` (from the project's root) that some template file can render to.

    Each template file name is rendered with each context (the answers before and after
    the update), as copier renders it: `src/{{package_name}}/{% if rag %}rag{% endif %}`
    gives `src/bot/rag`, and a name with an empty part is not rendered at all. A name
    that does not render here (a question this version does not know yet) matches
    anything in place of its Jinja: a false match only refuses an update that was safe.
    """
    from jinja2 import StrictUndefined, TemplateError  # only when there are untracked files
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(undefined=StrictUndefined)
    exact: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for name in template_names:
        name = name.removesuffix(SUFFIX)
        for context in contexts:
            try:
                rendered = environment.from_string(name).render(context)
            except TemplateError:
                parts = _JINJA.split(name)
                wild = [("[^/]*" if _JINJA.fullmatch(p) else re.escape(p)) for p in parts]
                patterns.append(re.compile("".join(wild) + r"(\.rej)?"))
                continue
            if all(rendered.split("/")):
                exact.update({rendered, rendered + ".rej"})
    return [path for path in paths if path in exact or any(p.fullmatch(path) for p in patterns)]


@contextmanager
def set_aside(project: Path, paths: list[str]) -> Iterator[None]:
    """Move `paths` out of the project for the `with` block, then put them back.

    They wait in the repository's git directory (same disk, so a move is a rename). A
    file the update wrote to the same path meanwhile is never overwritten: the user's
    stays aside and the error says where.
    """
    if not paths:
        yield
        return
    aside = Path(git_output(project, "rev-parse", "--absolute-git-dir")) / SET_ASIDE_DIR
    if aside.exists():
        raise AiengError(
            f"an interrupted aieng update left your untracked files in {aside}: "
            "move them back into the project, delete that folder, and update again"
        )
    for path in paths:
        _move(project / path, aside / path)
    try:
        yield
    finally:
        clashes = []
        for path in paths:
            if (project / path).exists():
                clashes.append(path)
            else:
                _move(aside / path, project / path)
        if clashes:
            raise AiengError(
                f"the update wrote {', '.join(clashes)}, which you had as untracked files: "
                f"yours are in {aside}"
            )
        shutil.rmtree(aside, ignore_errors=True)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError:  # another disk
        shutil.move(source, target)
