"""Where the Copier template lives, whether aieng runs from a checkout or a wheel.

The wheel ships `copier.yml` and `template/` under `aieng/_template/`; a source
checkout (an editable install) has them at the repository root. Either way the path is
absolute, so `.copier-answers.yml` records a source that does not depend on where the
user ran the command.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aieng.errors import AiengError

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def template_root() -> Path:
    """The folder holding `copier.yml`: the packaged copy first, then the checkout."""
    for candidate in (_PACKAGE_DIR / "_template", _PACKAGE_DIR.parents[1]):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise AiengError(
        f"the aieng template is missing (no copier.yml in {_PACKAGE_DIR / '_template'}): "
        "reinstall aieng"
    )


def copier_yml() -> Path:
    return template_root() / "copier.yml"
