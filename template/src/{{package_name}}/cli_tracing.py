"""How a CLI command that calls a model is traced: one trace, under the cost budgets.

`app chat`, `app agent`, `app prompts run` and `app search` (when it rewrites the query)
wrap their work in `traced_command(settings, "chat")`. It lives in a module of its own,
below the command modules and `cli.py`, so that they all import it and none imports
`cli.py`, which imports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from . import APP_NAME
from .cli_errors import fail

if TYPE_CHECKING:
    from .settings import Settings


@contextmanager
def traced_command(settings: Settings, command: str) -> Iterator[None]:
    """The command as one trace (TRACING), under the cost budgets; a refusal is one line."""
    from .tracing.budget import BudgetExceededError
    from .tracing.setup import traced

    try:
        with traced(settings, command, service_name=APP_NAME) as tracing:
            tracing.check_budget()  # a budget already spent refuses before any model call
            yield
    except BudgetExceededError as error:
        raise fail(str(error)) from error
