"""Tracing: every request, model call, retrieval, tool call and agent step as an
OpenTelemetry span, kept in a local SQLite store (`.traces/traces.db`) and/or exported
over OTLP, with token counts, cost and budgets.

`setup.py` starts and stops it, `callbacks.py` turns LangChain runs into spans
(`spans.py`, the one module that knows the OpenTelemetry SDK's internals, makes them),
`middleware.py` opens the request span, `store.py` writes the local store, `cost.py`
prices tokens, `budget.py` keeps the cost budgets; `query.py` and the `traces` commands
read the store.
"""
