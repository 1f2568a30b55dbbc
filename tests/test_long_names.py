"""No line of the generated code grows past 100 characters with the longest names.

The matrix renders a 40-character name and lints the projects (slow); this reads the
template's Python files with the names at their longest and finds such a line at once,
naming it. Lines holding a Jinja tag are left to the matrix: what they render varies.
"""

from __future__ import annotations

import re

from aieng.template import template_root

LONGEST = {"package_name": "p" * 40, "project_name": "n" * 40}
NAME = re.compile(r"\{\{\s*(package_name|project_name)\s*\}\}")


def rendered_lines() -> list[tuple[str, int, str]]:
    lines = []
    for path in sorted((template_root() / "template").rglob("*.jinja")):
        if ".py" not in re.sub(r"\{%.*?%\}", "", path.name):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "{%" not in line and NAME.search(line):
                relative = str(path.relative_to(template_root()))
                lines.append((relative, number, NAME.sub(lambda m: LONGEST[m[1]], line)))
    return lines


def test_no_line_outgrows_100_characters_with_40_character_names() -> None:
    too_long = [f"{path}:{number}" for path, number, line in rendered_lines() if len(line) > 100]
    assert too_long == []


def test_the_check_sees_the_names() -> None:
    assert len(rendered_lines()) > 50
