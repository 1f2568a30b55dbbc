"""`aieng update` against plain `copier update`: the same project, the same versions.

Copier's update renders the template three times (the old version, the new one, and the
merge); that is copier's cost, not aieng's. What aieng adds around it (its checks
before, its conflict and deleted-file search after, its own start-up) must stay within
1.1x of copier alone. Both commands run, alternating, on fresh copies of one project
(v1 with a user's edit committed) updated to v2 of a temporary tagged template
repository, offline: as command lines (what a user waits for, start-up included) and
in-process (`update_project` against `copier.run_update`, the work alone). Wall time is
what a user waits for; CPU time (the process and every git it starts) is also printed,
as it varies far less than wall time on a machine shared with other work. POSIX only
(CPU time from `resource`).

    python benchmarks/update.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aieng
from aieng.generate import new_project
from aieng.source import TemplateSource, ensure_cached_version
from aieng.template import template_root
from aieng.update import update_project

TARGET = "v2.0.0"
MARK = "# a change in v2"


def make_project(scratch: Path) -> Path:
    """A template repository with v1 and v2, and a project at v1 with one edit committed."""
    work, repo = scratch / "work", scratch / "repo"
    shutil.copytree(template_root() / "template", work / "template")
    shutil.copy2(template_root() / "copier.yml", work / "copier.yml")
    ensure_cached_version(work, repo, "v1.0.0")
    makefile = work / "template" / "Makefile.jinja"
    makefile.write_text(makefile.read_text() + f"\n{MARK}\n")
    ensure_cached_version(work, repo, TARGET)
    project = new_project(
        scratch / "pristine", {}, use_defaults=True, source=TemplateSource(repo, "v1.0.0")
    ).path
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nA user's edit.\n")
    subprocess.run(["git", "commit", "-qam", "edit"], cwd=project, check=True)
    return project


def aieng_command(project: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "aieng", "update", str(project), "--to", TARGET],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(Path(aieng.__file__).resolve().parents[1])},
    )


def copier_command(project: Path) -> None:
    switches = ["--defaults", "--skip-answered", "--trust", "--quiet", "--vcs-ref", TARGET]
    subprocess.run(
        [sys.executable, "-m", "copier", "update", *switches, str(project)],
        check=True,
        capture_output=True,
    )


def aieng_in_process(project: Path) -> None:
    update_project(project, to=TARGET)


def copier_in_process(project: Path) -> None:
    from copier import run_update

    run_update(
        project,
        defaults=True,
        overwrite=True,
        skip_answered=True,
        vcs_ref=TARGET,
        quiet=True,
        unsafe=True,
    )


WAYS: dict[str, Callable[[Path], None]] = {
    "aieng update (command)": aieng_command,
    "copier update (command)": copier_command,
    "aieng update (in-process)": aieng_in_process,
    "copier update (in-process)": copier_in_process,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    times: dict[str, list[float]] = {name: [] for name in WAYS}
    cpu_times: dict[str, list[float]] = {name: [] for name in WAYS}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        pristine = make_project(scratch)
        aieng_in_process(_fresh_copy(pristine, scratch / "warm-up"))  # imports, caches
        for run in range(runs):
            names = list(WAYS)
            pairs = [names[:2], names[2:]]
            for pair in pairs:  # alternate which of a pair goes first
                for name in pair if run % 2 == 0 else reversed(pair):
                    project = _fresh_copy(pristine, scratch / f"{run}-{len(times[name])}")
                    start, cpu_start = time.perf_counter(), _cpu_seconds()
                    WAYS[name](project)
                    times[name].append(time.perf_counter() - start)
                    cpu_times[name].append(_cpu_seconds() - cpu_start)
                    _check_updated(project, name)
                    shutil.rmtree(project)

    wall = {name: statistics.median(values) for name, values in times.items()}
    cpu = {name: statistics.median(values) for name, values in cpu_times.items()}
    print(f"median of {runs} runs each, alternating, offline, v1 -> v2 with one user edit\n")
    print("| what                         | wall s | ratio | CPU s | ratio |")
    print("|------------------------------|--------|-------|-------|-------|")
    for aieng_name, copier_name in (list(WAYS)[:2], list(WAYS)[2:]):
        for name in (aieng_name, copier_name):
            wall_ratio, cpu_ratio = wall[name] / wall[copier_name], cpu[name] / cpu[copier_name]
            print(
                f"| {name:<28} | {wall[name]:>6.3f} | {wall_ratio:>5.2f} "
                f"| {cpu[name]:>5.3f} | {cpu_ratio:>5.2f} |"
            )


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for (git, commands)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _fresh_copy(pristine: Path, dest: Path) -> Path:
    shutil.copytree(pristine, dest, symlinks=True)
    return dest


def _check_updated(project: Path, name: str) -> None:
    """Both must have done the same update: v2's change in, the user's edit kept."""
    assert MARK in (project / "Makefile").read_text(), name
    assert "A user's edit." in (project / "README.md").read_text(), name
    assert f"_commit: {TARGET}" in (project / ".copier-answers.yml").read_text(), name


if __name__ == "__main__":
    main()
