"""How the app's messages count things: `1 chunk`, `2 chunks`, never `1 chunks`.

Every message that prints a count next to a noun goes through `plural`, so the CLI, the
API's errors and the reports read the same; English only, as the rest of the messages.
"""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`plural(1, "file")` is `1 file`; `plural(3, "file")` `3 files`; give `many` for an
    irregular plural (`plural(2, "reply", "replies")`)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
