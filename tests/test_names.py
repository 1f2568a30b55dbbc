"""Copier's validators: which project and package names are refused, and why."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from aieng.errors import BadInputError
from aieng.template import template_root

from .conftest import Render


def test_stdlib_list_covers_this_interpreter() -> None:
    text = (template_root() / "template" / "_partials" / "names.jinja").read_text()
    listed = set(re.findall(r"'([A-Za-z0-9_]+)'", text))
    public = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    assert public <= listed, sorted(public - listed)


@pytest.mark.parametrize("name", ["bot", "support-bot", "My.App_2", "a"])
def test_good_project_names(render: Render, name: str) -> None:
    assert (render(name) / "pyproject.toml").is_file()


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        *[(name, "is not a PEP 508 name") for name in ["-bot", "bot-", "two words", "bot!"]],
        ("b" * 41, "is 41 characters long: at most 40"),
    ],
)
def test_bad_project_name_says_which_rule(
    render: Render, tmp_path: Path, name: str, rule: str
) -> None:
    with pytest.raises(BadInputError, match=rule):
        render("x", project_name=name)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("package", "rule"),
    [
        ("9lives", "is not a Python identifier"),
        ("my-app", "is not a Python identifier"),
        ("class", "is a Python keyword"),
        ("json", "shadows the standard-library module"),
        ("asyncio", "shadows the standard-library module"),
        ("test", "shadows the standard-library module"),  # not in sys.stdlib_module_names
        ("a" * 41, "is 41 characters long: at most 40"),
    ],
)
def test_bad_package_name_says_which_rule(render: Render, package: str, rule: str) -> None:
    with pytest.raises(BadInputError, match=rule):
        render("x", package_name=package)


def test_package_name_is_derived_from_project_name(render: Render) -> None:
    project = render("Support.Bot-2")
    assert (project / "src" / "support_bot_2" / "__init__.py").is_file()


def test_a_forty_character_package_name_is_accepted(render: Render) -> None:
    """The longest the generated code keeps within its 100-character lines (the matrix
    renders it and lints the result)."""
    project = render("x", package_name="p" * 40)
    assert (project / "src" / ("p" * 40) / "__init__.py").is_file()
