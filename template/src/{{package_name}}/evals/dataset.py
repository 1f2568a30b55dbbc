"""Datasets: `evals/datasets/NAME.jsonl`, one case a line.

    {"id": "crash", "prompt": "classify", "vars": {"message": "The app crashes"},
     "assert": [{"type": "equals", "value": "true"}], "tags": ["bug"],
     "fake_reply": "true"}

`fake_reply` is what the offline fake model answers for the case, so the suite runs in
tests and CI with no key; with a real provider it is ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .assertions import ASSERTIONS


class DatasetError(ValueError):
    """A dataset line that cannot be used; the message is `file:line: reason`."""


class Assertion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    value: Any = None


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1)
    prompt: str
    variant: str | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    asserts: list[Assertion] = Field(alias="assert", min_length=1)
    tags: list[str] = Field(default_factory=list)
    fake_reply: str | None = None
    dataset: str = ""


def _parse(path: Path, number: int, line: str) -> Case:
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
    unknown = [a.type for a in case.asserts if a.type not in ASSERTIONS]
    if unknown:
        known = ", ".join(sorted(ASSERTIONS))
        raise DatasetError(f"{path}:{number}: unknown assertion {unknown[0]!r} (known: {known})")
    return case


def load_dataset(path: Path, *, keep_going: bool = False) -> tuple[list[Case], list[str]]:
    """The cases of one file, and the errors of the lines that were skipped.

    Without `keep_going` the first bad line raises `DatasetError`; a duplicate id is an
    error too, since results are compared by id.
    """
    cases: list[Case] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = _parse(path, number, line)
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
