"""How long does it take to generate a project? Prints a table of medians.

Compares `aieng new` (a fresh process, as a user runs it) with plain `copier copy` of
the same template (also a fresh process), copier's in-process `run_copy`, and the floor:
jinja2 rendering the same files in-process with no copier at all.

    python benchmarks/render.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jinja2

from aieng.template import template_root

BIN = Path(sys.executable).parent
ANSWERS = {"project_name": "bench-app", "package_name": "bench_app", "provider": "openai"}


def timed(rows: list[tuple[str, Callable[[Path], object]]], runs: int) -> list[float]:
    """Median seconds of each row's `action(fresh_empty_dir)`.

    Runs are interleaved (row 1, row 2, ..., then again), so a machine that slows down or
    speeds up during the benchmark shifts every row alike instead of favouring one.
    """
    samples: list[list[float]] = [[] for _ in rows]
    for _ in range(runs):
        for index, (_, action) in enumerate(rows):
            with tempfile.TemporaryDirectory() as scratch:
                dest = Path(scratch) / "bench-app"
                start = time.perf_counter()
                action(dest)
                samples[index].append(time.perf_counter() - start)
    return [statistics.median(row) for row in samples]


def command(*args: str) -> Callable[[Path], object]:
    def run(dest: Path) -> object:
        argv = [arg.replace("DEST", str(dest)) for arg in args]
        return subprocess.run(argv, check=True, capture_output=True)

    return run


def in_process_copier(dest: Path) -> None:
    from copier import run_copy

    run_copy(str(template_root()), dest, defaults=True, quiet=True, vcs_ref="HEAD")


def jinja_floor(dest: Path) -> None:
    """Render every template file and path with jinja2 alone: the least work possible."""
    source = template_root() / "template"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_root()), keep_trailing_newline=True
    )
    context = {"rag": False, "agent": False, "ci": "github", "model": "gpt-5-mini", **ANSWERS}
    context["_copier_answers"] = dict(context)
    context["_copier_conf"] = {"answers_file": ".copier-answers.yml"}
    env.filters["to_nice_yaml"] = str
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or relative.parts[0] == "_partials":
            continue
        parts = [env.from_string(part).render(context) for part in relative.parts]
        if not all(parts):  # a path that renders empty is a switched-off feature
            continue
        target = Path(*parts)
        out = dest / target
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".jinja":
            text = env.get_template(str(path.relative_to(template_root()))).render(context)
            out.with_suffix("").write_text(text)
        else:  # copied as bytes: the template ships images too
            shutil.copyfile(path, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    copier_cli = shutil.which("copier", path=str(BIN)) or "copier"
    aieng = str(BIN / "aieng")
    files = sum(1 for p in (template_root() / "template").rglob("*") if p.is_file())

    rows = [
        (
            "aieng new (fresh process, git init + commit)",
            command(aieng, "new", "DEST", "--defaults"),
        ),
        (
            "aieng new --no-git (fresh process)",
            command(aieng, "new", "DEST", "--defaults", "--no-git"),
        ),
        (
            "copier copy (fresh process)",
            command(
                copier_cli,
                "copy",
                "--trust",
                "--defaults",
                "--quiet",
                "--vcs-ref",
                "HEAD",
                str(template_root()),
                "DEST",
            ),
        ),
        ("copier run_copy (in-process)", in_process_copier),
        ("jinja2 floor (in-process)", jinja_floor),
        ("python -c 'import copier'", command(sys.executable, "-c", "import copier")),
        ("aieng --help", command(aieng, "--help")),
    ]
    in_process_copier(Path(tempfile.mkdtemp()) / "warm-up")  # import copier once
    results = list(zip([name for name, _ in rows], timed(rows, runs), strict=True))
    baseline = results[2][1]
    print(f"Template: {files} files; median of {runs} runs; ratio against `copier copy`.\n")
    print(f"| {'what':<46} | {'median s':>8} | {'ratio':>5} |")
    print(f"|{'-' * 48}|{'-' * 10}|{'-' * 7}|")
    for name, seconds in results:
        print(f"| {name:<46} | {seconds:>8.3f} | {seconds / baseline:>5.2f} |")


if __name__ == "__main__":
    main()
