"""The two ways a prompt goes wrong: the file is bad, or the model's answer is."""

from __future__ import annotations

from pathlib import Path


class PromptError(ValueError):
    """A prompt file that cannot be used; the message is `file:line: what is wrong`."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path, self.line = Path(path), line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class StructuredOutputError(ValueError):
    """The model did not return valid structured output, even after one retry."""
