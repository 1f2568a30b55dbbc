"""The option combinations that change code, derived from copier.yml.

provider x {no rag, rag embedded, rag pgvector} x agent. `ci` only adds a workflow file,
so it is checked by rendering both values (tests/test_generate.py), not multiplied in.
"""

from __future__ import annotations

import itertools
from typing import Any

from aieng.options import options_by_name


def combinations() -> list[dict[str, Any]]:
    options = options_by_name()
    rag_choices: list[dict[str, Any]] = [{"rag": False}] + [
        {"rag": True, "rag_store": store} for store in options["rag_store"].choices
    ]
    return [
        {"provider": provider, **rag, "agent": agent}
        for provider, rag, agent in itertools.product(
            options["provider"].choices, rag_choices, (False, True)
        )
    ]


def combination_id(answers: dict[str, Any]) -> str:
    rag = answers.get("rag_store", "norag") if answers["rag"] else "norag"
    return f"{answers['provider']}-{rag}-{'agent' if answers['agent'] else 'noagent'}"
