"""How long does `aieng update` take against `aieng new`? Prints a table of medians.

Copier's update renders the template three times (old version, new version, and the
merge), so its cost is measured as a ratio to a fresh render of the same template.
Both run in-process on a temporary tagged template repository, offline.

    python benchmarks/update.py [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from aieng.generate import new_project
from aieng.source import TemplateSource, ensure_cached_version
from aieng.template import template_root
from aieng.update import update_project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        work, repo = scratch / "work", scratch / "repo"
        shutil.copytree(template_root() / "template", work / "template")
        shutil.copy2(template_root() / "copier.yml", work / "copier.yml")
        ensure_cached_version(work, repo, "v1.0.0")
        makefile = work / "template" / "Makefile.jinja"
        makefile.write_text(makefile.read_text() + "\n# a change in v2\n")
        ensure_cached_version(work, repo, "v2.0.0")

        new_times, update_times = [], []
        for run in range(runs + 1):  # the first run warms imports and is not counted
            dest = scratch / f"project-{run}"
            start = time.perf_counter()
            new_project(dest, {}, use_defaults=True, source=TemplateSource(repo, "v1.0.0"))
            new_seconds = time.perf_counter() - start
            readme = dest / "README.md"
            readme.write_text(readme.read_text() + "\nA user's edit.\n")
            subprocess.run(["git", "commit", "-qam", "edit"], cwd=dest, check=True)
            start = time.perf_counter()
            report = update_project(dest, to="v2.0.0")
            update_seconds = time.perf_counter() - start
            assert not report.conflicts and "Makefile" in report.changed
            if run:
                new_times.append(new_seconds)
                update_times.append(update_seconds)

    new, update = statistics.median(new_times), statistics.median(update_times)
    print(f"median of {runs} runs, in-process, offline\n")
    print("| what                              | median s | ratio |")
    print("|-----------------------------------|----------|-------|")
    print(f"| aieng new (render + git commit)   | {new:>8.3f} | {1:>5.2f} |")
    print(f"| aieng update (v1 -> v2, 1 edit)   | {update:>8.3f} | {update / new:>5.2f} |")


if __name__ == "__main__":
    main()
