"""Secrets never reach a span or a log line: API keys, bearer tokens, secret settings.

Two nets, because either alone misses something: the exact values of the settings
typed `SecretStr` (whatever their shape), and the shapes of common credentials (a key
pasted into a prompt is not in the settings). Applied to every free-text attribute
(contents, error messages, headers) before it is set, so exporters only ever see the
redacted text, and by `RedactingFilter` to log records.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from pydantic import BaseModel, SecretStr

REDACTED = "[REDACTED]"

#: Credential shapes: provider keys (OpenAI/Anthropic `sk-`, Google `AIza`, GitHub,
#: Slack, AWS), bearer tokens, and `api_key=...`-style assignments.
PATTERNS = [
    r"\bsk-[A-Za-z0-9_\-]{16,}",
    r"\bAIza[0-9A-Za-z_\-]{30,}",
    r"\bgh[pousr]_[A-Za-z0-9]{20,}",
    r"\bxox[abpr]-[A-Za-z0-9\-]{10,}",
    r"\bAKIA[0-9A-Z]{16}\b",
    r"(?<=[Bb]earer )[A-Za-z0-9._~+/=\-]{8,}",
    r"(?<=[Bb]asic )[A-Za-z0-9+/=]{8,}",
]
#: `api_key=...`, `"password": "..."`: the name stays, the value goes.
ASSIGNMENT = (
    r"(?i:((?:api[_-]?key|access[_-]?token|secret|password)[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"',;&]+)"
)


class Redactor:
    """`redactor(text)`: the text with every secret replaced by `[REDACTED]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)
        parts = [re.escape(value) for value in values] + PATTERNS
        self._pattern = re.compile("|".join(f"(?:{p})" for p in parts))
        self._assignment = re.compile(ASSIGNMENT)

    def __call__(self, text: str) -> str:
        text = self._pattern.sub(REDACTED, text)
        return self._assignment.sub(rf"\1{REDACTED}", text)


def secret_values(settings: BaseModel) -> list[str]:
    """The plain values of every `SecretStr` field that is set (alone or in a list)."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        items = value if isinstance(value, list | tuple | set) else [value]
        found += [v.get_secret_value() for v in items if isinstance(v, SecretStr)]
    return found


class RedactingFilter(logging.Filter):
    """Redacts a log record's formatted message (then drops the arguments it used), and
    its traceback: an exception's message is as likely as any to carry a key."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redactor(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters print `exc_text` when it is set, instead of formatting exc_info.
            record.exc_text = self.redactor(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


_TRACEBACKS = logging.Formatter()
