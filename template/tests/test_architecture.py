"""docs/architecture.md is the newcomer's map: every file it names must exist.

A map that names a moved or deleted file sends the reader to nothing, and nobody
notices until a newcomer does. So each path in backquotes is checked against the
project, and the README must send a reader to the map before anything else.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
MAP = ROOT / "docs" / "architecture.md"
#: A path in backquotes: has a folder or a file suffix, no spaces, no wildcards.
NAMED_PATH = re.compile(r"`([\w.-]+(?:/[\w.-]+)*/?)`")
#: Written at run time (and git-ignored): named on the map, absent from a fresh project.
RUNTIME = (".data/", ".traces/", "evals/runs/")
SUFFIXES = (".py", ".md", ".jsonl", ".yaml", ".yml", ".toml", ".js", ".html", ".css", ".j2")


def named_paths(text: str) -> list[str]:
    """The backquoted words that are paths: `src/app/api/`, `Makefile`, `chat.py`..."""
    return [
        word
        for word in NAMED_PATH.findall(text)
        if ("/" in word or word.endswith(SUFFIXES) or word in {"Makefile", "Dockerfile"})
        and not word.startswith(RUNTIME)
    ]


def resolve(name: str, package: Path) -> Path | None:
    """A path from the project root, or one from inside the package (`api/app.py`)."""
    for base in (ROOT, package):
        if (base / name).exists():
            return base / name
    return None


def test_every_file_the_map_names_exists() -> None:
    package = next(path.parent for path in (ROOT / "src").glob("*/__init__.py"))
    names = named_paths(MAP.read_text(encoding="utf-8"))
    assert len(names) >= 20, f"the map names only {len(names)} files: {names}"
    missing = sorted({name for name in names if resolve(name, package) is None})
    assert missing == [], f"docs/architecture.md names files that do not exist: {missing}"


def test_the_readme_links_the_map_first() -> None:
    links = re.findall(r"\]\((docs/[\w.-]+)\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert links and links[0] == "docs/architecture.md", links


def test_a_removed_file_would_be_caught() -> None:
    """The check itself: a name that does not exist is reported as missing."""
    package = next(path.parent for path in (ROOT / "src").glob("*/__init__.py"))
    assert named_paths("see `api/no_such_module.py` and `api/app.py`") == [
        "api/no_such_module.py",
        "api/app.py",
    ]
    assert resolve("api/no_such_module.py", package) is None
    assert resolve("api/app.py", package) is not None
