"""A service the app depends on is down: one exception that every entry point answers alike.

A database that is not running is neither a bug nor bad input: the app cannot serve the
request now and can once the service is back, with no restart (the next use connects
again). So the API answers it with 503 and a JSON body naming the cause (api/errors.py),
and the CLI with one `error: ...` line and exit 1 (`cli_errors.py`), never a traceback.
The message says what is down and how to bring it up. The RAG store's PostgreSQL raises
it (`rag.store.StoreUnavailableError`); it lives here, outside any feature's package, so
the API and the CLI can catch it in every project, with or without that feature.
"""

from __future__ import annotations


class ServiceUnavailableError(RuntimeError):
    """A service the app needs (a database) cannot be reached; retrying later may work."""
