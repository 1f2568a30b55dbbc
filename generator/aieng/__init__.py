"""aieng: generate a tested, production-shaped LLM application in one command."""

from __future__ import annotations

__version__ = "0.1.0"
