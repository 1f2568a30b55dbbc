"""The docs cannot drift from copier.yml: every option and choice is documented."""

from __future__ import annotations

import re
from pathlib import Path

from aieng.options import load_options

ROOT = Path(__file__).resolve().parents[1]


def test_options_page_names_every_option_flag_and_choice() -> None:
    page = (ROOT / "docs" / "options.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for option in load_options():
        assert f"`{option.name}`" in page
        for text in (page, readme):
            assert "--" + option.name.replace("_", "-") in text
            for choice in option.choices:
                assert f"`{choice}`" in text


def test_every_docs_page_is_linked_from_the_readme_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text()
    links = set(re.findall(r"\]\((docs/[^)#]+)\)", readme))
    pages = {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")}
    assert pages <= links, pages - links
    assert all((ROOT / link).is_file() for link in links)


def test_generated_readme_says_how_to_install_aieng_not_a_missing_pypi_page(tmp_path: Path) -> None:
    from aieng.generate import new_project

    project = new_project(tmp_path / "demo", {}, use_defaults=True, git=False).path
    readme = (project / "README.md").read_text()
    assert "pypi.org/project/aieng" not in readme  # there is no such page
    assert "pip install /path/to/aieng" in readme
    assert "(#updating-from-the-template)" in readme and "## Updating from the template" in readme
