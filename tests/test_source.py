"""The template source a project records must let a later update find its version.

An installed aieng (a wheel, no git checkout) keeps a local repository of its template
versions; these tests stand in for a wheel with a plain copy of the template.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from aieng import source
from aieng.generate import new_project
from aieng.template import template_root


@pytest.fixture
def installed_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plain (non-git) copy of the template, as a wheel holds it; AIENG_HOME in tmp."""
    copy = tmp_path / "site-packages" / "aieng" / "_template"
    shutil.copytree(template_root() / "template", copy / "template")
    shutil.copy2(template_root() / "copier.yml", copy / "copier.yml")
    monkeypatch.setattr(source, "template_root", lambda: copy)
    monkeypatch.setenv("AIENG_HOME", str(tmp_path / "home"))
    return copy


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_checkout_renders_from_itself() -> None:
    assert source.template_source() == source.TemplateSource(template_root(), "HEAD")


def test_installed_template_is_cached_once_per_version(installed_template: Path) -> None:
    first = source.template_source()
    assert first.path == source.aieng_home() / "template.git"
    assert first.ref.startswith("v")
    head = git(first.path, "rev-parse", "HEAD")
    assert source.template_source() == first
    assert git(first.path, "rev-parse", "HEAD") == head  # the second call added nothing


def test_project_records_the_cache_and_its_tag_and_can_be_updated(
    installed_template: Path, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "bot", {}, use_defaults=True).path
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    repo = source.aieng_home() / "template.git"
    assert Path(answers["_src_path"]) == repo
    assert answers["_commit"] == source.template_source().ref

    # The user edits their project; a newer aieng ships a changed template.
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nNotes of the user.\n")
    git(project, "commit", "-qam", "user edit")
    dockerignore = installed_template / "template" / ".dockerignore"
    dockerignore.write_text(dockerignore.read_text() + "*.log\n")
    source.ensure_cached_version(installed_template, repo, "v99.0.0")

    from copier import run_update

    run_update(project, defaults=True, overwrite=True, quiet=True, vcs_ref="v99.0.0")
    assert "*.log" in (project / ".dockerignore").read_text()
    assert "Notes of the user." in readme.read_text()
    updated = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert updated["_commit"] == "v99.0.0"


def test_aieng_imports_without_fcntl_and_locks_with_msvcrt_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no `fcntl`: importing aieng must not need it, and the cache lock must
    take `msvcrt`'s lock there (a stand-in records the calls)."""
    import sys
    import types

    no_fcntl = "import sys; sys.modules['fcntl'] = None; import aieng.cli, aieng.update"
    imported = subprocess.run([sys.executable, "-c", no_fcntl], capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr

    calls: list[int] = []
    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_LOCK, msvcrt.LK_UNLCK = 1, 0  # type: ignore[attr-defined]
    msvcrt.locking = lambda fd, mode, size: calls.append(mode)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)
    monkeypatch.setattr(sys, "platform", "win32")
    with source.exclusive_lock(tmp_path / "cache.lock"):
        assert calls == [msvcrt.LK_LOCK]  # type: ignore[attr-defined]
    assert calls == [msvcrt.LK_LOCK, msvcrt.LK_UNLCK]  # type: ignore[attr-defined]
