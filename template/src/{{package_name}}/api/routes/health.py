"""Liveness (`/health`: the process answers) and readiness (`/health/ready`: it can serve).

An orchestrator restarts a process whose liveness fails, and stops sending traffic to
one whose readiness fails; so readiness checks what a request needs (the model's
configuration, the RAG store, the local trace store, Redis with REDIS_URL) and
liveness checks nothing that could heal by itself. Each store check runs in a thread: a
slow disk never blocks the event loop. Neither endpoint is traced
(tracing/middleware.py): probes every few seconds would bury the real requests.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...models import MissingApiKeyError, check_provider_key
from ..deps import SettingsDep, StateDep
from ..schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(settings: SettingsDep) -> HealthResponse:
    return HealthResponse(status="ok", provider=settings.llm_provider, model=settings.llm_model)


@router.get("/health/ready", responses={503: {"description": "Not ready; `checks` says why."}})
async def ready(state: StateDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        check_provider_key(state.settings)
        checks["model"] = "ok"
    except MissingApiKeyError as error:
        checks["model"] = str(error)
    checks["prompts"] = "ok" if state.prompts.names() else "no prompt files"
    # The RAG store (RAG apps) answers a query; the local trace store (TRACING=local) opens.
    for name, check in state.store_checks().items():
        try:
            await asyncio.to_thread(check)
            checks[name] = "ok"
        except Exception as error:
            checks[name] = f"{type(error).__name__}: {error}"
    ok = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ok else "not ready", "checks": checks}
    body |= state.reports()
    return JSONResponse(body, status_code=200 if ok else 503)
