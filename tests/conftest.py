"""Shared helpers: render the template into a temporary directory through the library."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pytest

from aieng.generate import new_project


class Render(Protocol):
    def __call__(self, name: str = ..., **answers: Any) -> Path: ...


@pytest.fixture
def render(tmp_path: Path) -> Render:
    """Render with the defaults plus `answers`, no git commit; returns the project path."""

    def _render(name: str = "demo-app", **answers: Any) -> Path:
        return new_project(tmp_path / name, answers, use_defaults=True, git=False).path

    return _render
