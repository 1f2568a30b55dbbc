"""Datasets: `evals/datasets/NAME.jsonl`, one case a line.

    {"id": "crash", "prompt": "classify", "vars": {"message": "The app crashes"},
     "assert": [{"type": "equals", "value": "true"}], "tags": ["bug"],
     "fake_reply": "true"}

A case runs one `target`: `prompt` (the default: a prompt file with `vars`), `rag` (the
question in `input` answered from retrieved passages; `expected_sources` for the
retrieval metrics) or `agent` (the agent on `input`; its tool calls are checked too).
An agent case may also give `before`, questions the same user asks first, each in a
thread of its own (so `input` can depend on what a memory kept across threads), and
`mcp_servers`, MCP servers its agent gets (`mcpServers` entries, as in mcp.json).
`variant` and `tier` pick a prompt variant and a model tier; `app eval --variants` and
`--tiers` set them on copies of the cases to compare them side by side.

`images` attaches images to the case (paths relative to the dataset file, checked when
the dataset loads): they go to the model with the user's turn, as the API sends them,
and the HTML report shows them. The offline fake names each image's format and size.

The `fake_*` fields script the offline fake model, so the suite runs in tests and CI
with no key: `fake_reply` is the answer, `fake_tool_calls` the tool calls the agent's
model makes first, `fake_judge` what the judge replies. A real provider ignores them.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ..images import Image, media_type_of
from .assertions import ASSERTIONS, JUDGED

KNOWN = sorted({*ASSERTIONS, *JUDGED})


class DatasetError(ValueError):
    """A dataset line that cannot be used; the message is `file:line: reason`."""


class Assertion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    value: Any = None


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1)
    target: Literal["prompt", "rag", "agent"] = "prompt"
    prompt: str | None = None
    variant: str | None = None
    #: Run on LLM_MODEL_FAST / LLM_MODEL_SMART whatever the prompt's own tier (`--tiers`).
    tier: Literal["fast", "smart"] | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
    input: str | None = None
    expected: Any = None
    expected_sources: list[str] = Field(default_factory=list)
    asserts: list[Assertion] = Field(alias="assert", min_length=1)
    tags: list[str] = Field(default_factory=list)
    fake_reply: str | None = None
    fake_tool_calls: list[ToolCall] = Field(default_factory=list)
    #: Agent: questions asked first, each in a new thread of the same user.
    before: list[str] = Field(default_factory=list)
    #: Agent: MCP servers for this case (`mcpServers` entries of mcp.json).
    mcp_servers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fake_judge: dict[str, Any] | None = None
    #: Image files for the model, as written in the dataset (relative to its file).
    images: list[str] = Field(default_factory=list)
    dataset: str = ""
    #: The `images`, read and checked when the dataset loaded (`load_images`).
    _loaded_images: tuple[Image, ...] = PrivateAttr(default=())

    @property
    def loaded_images(self) -> list[Image]:
        """The case's images, in the order the dataset lists them."""
        return list(self._loaded_images)

    @model_validator(mode="after")
    def _has_its_input(self) -> Case:
        if self.target == "prompt" and not self.prompt:
            raise ValueError("a prompt case names its `prompt`")
        if self.target != "prompt" and not self.input:
            raise ValueError(f"a {self.target} case needs `input` (the question)")
        if self.target != "agent" and (self.before or self.mcp_servers):
            raise ValueError("`before` and `mcp_servers` are for agent cases")
        return self


#: A prompt file's (name, variant): `("chat", None)` for chat.prompt.md, `("chat", "concise")`.
PromptKey = tuple[str, str | None]


def _parse(path: Path, number: int, line: str, prompts: Collection[PromptKey] | None) -> Case:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise DatasetError(f"{path}:{number}: not JSON ({error.msg})") from error
    if not isinstance(data, dict):
        raise DatasetError(f"{path}:{number}: a case is a JSON object")
    try:
        case = Case.model_validate({**data, "dataset": path.stem})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "case"
        raise DatasetError(f"{path}:{number}: {field}: {first['msg']}") from error
    case._loaded_images = tuple(load_images(path, number, case.images))
    unknown = [a.type for a in case.asserts if a.type not in KNOWN]
    if unknown:
        known = ", ".join(KNOWN)
        raise DatasetError(f"{path}:{number}: unknown assertion {unknown[0]!r} (known: {known})")
    if prompts is not None:
        _check_prompt(path, number, case, prompts)
    return case


def load_images(path: Path, number: int, names: list[str]) -> list[Image]:
    """The image files a case names, relative to its dataset file, each checked by its
    bytes as the API checks an upload: a missing file or a non-image is `file:line:`."""
    images = []
    for name in names:
        file = path.parent / name
        try:
            data = file.read_bytes()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise DatasetError(f"{path}:{number}: image {name!r}: {reason} ({file})") from error
        media_type = media_type_of(data)
        if media_type is None:
            raise DatasetError(
                f"{path}:{number}: image {name!r} is not an image the app takes "
                "(PNG, JPEG, WebP or GIF, known by its bytes)"
            )
        images.append(Image(media_type, data))
    return images


def _check_prompt(path: Path, number: int, case: Case, prompts: Collection[PromptKey]) -> None:
    """The prompt (and variant) a case names must have a file: a typo is reported here,
    before any model call, not as a KeyError halfway through the run."""
    name = case.prompt or ("chat" if case.target == "rag" else None)
    if name is None:
        return
    names = sorted({known for known, _ in prompts})
    if name not in names:
        raise DatasetError(f"{path}:{number}: no prompt {name!r} (have: {', '.join(names)})")
    if case.variant is not None and (name, case.variant) not in prompts:
        variants = sorted(variant or "default" for known, variant in prompts if known == name)
        raise DatasetError(
            f"{path}:{number}: prompt {name!r} has no variant {case.variant!r} "
            f"(have: {', '.join(variants)})"
        )


def load_dataset(
    path: Path, *, keep_going: bool = False, prompts: Collection[PromptKey] | None = None
) -> tuple[list[Case], list[str]]:
    """The cases of one file, and the errors of the lines that were skipped.

    Without `keep_going` the first bad line raises `DatasetError`; a duplicate id is an
    error too, since results are compared by id. With `prompts` (the prompt library's
    keys), a case naming a prompt or variant that has no file is a bad line too.
    """
    cases: list[Case] = []
    errors: list[str] = []
    seen: set[str] = set()
    # JSON Lines ends a line at "\n" only: `splitlines()` would also split inside strings
    # holding U+2028 and the like, which `json.dumps(..., ensure_ascii=False)` leaves as is.
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = _parse(path, number, line, prompts)
            if case.id in seen:
                raise DatasetError(f"{path}:{number}: duplicate id {case.id!r}")
        except DatasetError as error:
            if not keep_going:
                raise
            errors.append(str(error))
            continue
        seen.add(case.id)
        cases.append(case)
    return cases, errors
