"""The front matter of a prompt file, as a strict schema: unknown fields are errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..images import Image

InputType = Literal["string", "integer", "number", "boolean", "list", "object", "image"]
PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "list": list,
    "object": dict,
    "image": Image,  # sent with the user's turn, not written into its text
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputVariable(Strict):
    type: InputType = "string"
    description: str = ""
    required: bool = True
    default: Any = None


class ModelOverrides(Strict):
    """Per-prompt model settings; unset fields fall back to the app's settings.

    `tier: fast` sends the prompt to LLM_MODEL_FAST (cheap, quick prompts: classify,
    extract), `tier: smart` to LLM_MODEL_SMART; an explicit `name` wins over the tier.
    """

    name: str | None = None
    tier: Literal["fast", "smart"] | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, gt=0)


class OutputSpec(Strict):
    """`text`; `json` validated against `schema` (JSON Schema); or `thought_answer`."""

    format: Literal["text", "json", "thought_answer"] = "text"
    schema_: dict[str, Any] | None = Field(None, alias="schema")


class Example(Strict):
    """A few-shot pair: the inputs of one user turn and the answer the model should give."""

    input: dict[str, Any]
    output: Any


class PromptSpec(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str | int
    description: str = ""
    #: Run by the app itself (the agent's turn, the eval judges, the query rewriter), not
    #: by people: the playground lists it apart and never opens on it.
    internal: bool = False
    model: ModelOverrides = ModelOverrides()
    input: dict[str, InputVariable] = {}
    output: OutputSpec = OutputSpec()
    examples: list[Example] = []
