"""Liveness: the process answers and knows which model it is configured for."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import SettingsDep
from ..schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(settings: SettingsDep) -> HealthResponse:
    return HealthResponse(status="ok", provider=settings.llm_provider, model=settings.llm_model)
