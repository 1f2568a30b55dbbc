"""Token usage of the model calls made inside a block, per model.

LangChain's `get_usage_metadata_callback` registers a new configure hook on every use,
and hooks are never removed: called per request, the list grows for the life of the
process and every later model call walks it. Here one context variable is registered
once, at import, and each block sets its own counter in it (this task only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.tracers.context import register_configure_hook


class _UsageCounter(UsageMetadataCallbackHandler):
    """Counts in the event loop's thread: a sync handler otherwise runs in a thread pool,
    two hops per model call (~0.8 ms an eval case)."""

    run_inline = True


_usage_handler: ContextVar[UsageMetadataCallbackHandler | None] = ContextVar(
    "usage_handler", default=None
)
register_configure_hook(_usage_handler, inheritable=True)


@contextmanager
def count_usage() -> Iterator[dict[str, tuple[int, int]]]:
    """Tokens used by every model call inside the block, per model: (input, output).

    The dict is filled when the block ends, also when it raises.
    """
    handler = _UsageCounter()
    usage: dict[str, tuple[int, int]] = {}
    token = _usage_handler.set(handler)
    try:
        yield usage
    finally:
        _usage_handler.reset(token)
        for model, metadata in handler.usage_metadata.items():
            usage[model] = (metadata["input_tokens"], metadata["output_tokens"])
