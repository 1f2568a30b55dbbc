"""What a case can assert about an answer. Each check returns None, or why it failed.

The answer is what the prompt's output format gives: text, parsed JSON, or the final
answer of a think-then-answer prompt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for


def _text(answer: Any) -> str:
    return answer if isinstance(answer, str) else json.dumps(answer, sort_keys=True)


def equals(answer: Any, value: Any, latency_ms: float) -> str | None:
    expected = value.strip() if isinstance(value, str) and isinstance(answer, str) else value
    got = answer.strip() if isinstance(answer, str) else answer
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def contains(answer: Any, value: Any, latency_ms: float) -> str | None:
    return None if str(value) in _text(answer) else f"{value!r} not in the answer"


def icontains(answer: Any, value: Any, latency_ms: float) -> str | None:
    found = str(value).lower() in _text(answer).lower()
    return None if found else f"{value!r} not in the answer (any case)"


def not_contains(answer: Any, value: Any, latency_ms: float) -> str | None:
    return None if str(value) not in _text(answer) else f"{value!r} is in the answer"


def starts_with(answer: Any, value: Any, latency_ms: float) -> str | None:
    ok = _text(answer).lstrip().startswith(str(value))
    return None if ok else f"the answer does not start with {value!r}"


def regex(answer: Any, value: Any, latency_ms: float) -> str | None:
    return None if re.search(str(value), _text(answer)) else f"no match for /{value}/"


def is_json(answer: Any, value: Any, latency_ms: float) -> str | None:
    if not isinstance(answer, str):
        return None  # already parsed by the prompt's JSON output format
    try:
        json.loads(answer)
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg}"
    return None


def json_schema(answer: Any, value: Any, latency_ms: float) -> str | None:
    data = json.loads(answer) if isinstance(answer, str) else answer
    try:
        validator_for(value)(value).validate(data)
    except ValidationError as error:
        return f"schema: {error.message}"
    return None


def max_latency_ms(answer: Any, value: Any, latency_ms: float) -> str | None:
    return None if latency_ms <= float(value) else f"took {latency_ms:.0f} ms > {value} ms"


Check = Callable[[Any, Any, float], "str | None"]
ASSERTIONS: dict[str, Check] = {
    check.__name__: check
    for check in (
        equals,
        contains,
        icontains,
        not_contains,
        starts_with,
        regex,
        is_json,
        json_schema,
        max_latency_ms,
    )
}
