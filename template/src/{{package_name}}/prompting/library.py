"""Load and validate every prompt file of a folder; pick variants for A/B comparison.

`name.prompt.md` is the default version of a prompt; `name.VARIANT.prompt.md` is a
variant, chosen per prompt by the `PROMPT_VARIANTS` setting (`chat=short,classify=v2`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from jinja2 import TemplateSyntaxError, meta
from jsonschema import SchemaError
from jsonschema.validators import validator_for
from pydantic import ValidationError

from .errors import PromptError
from .prompt import JINJA, Prompt, Section
from .spec import PromptSpec

ROLE_LINE = re.compile(r"^(system|user|assistant|history):[ \t]*$", re.MULTILINE)
SUFFIX = ".prompt.md"


def parse_prompt_file(path: Path) -> Prompt:
    """Read one prompt file; every problem is a `PromptError` naming the file and line."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise PromptError(
            path, 1, "a prompt file starts with YAML front matter between '---' lines"
        )
    front, body = text[4:].split("\n---\n", 1)
    body_line = front.count("\n") + 4  # the line after the closing '---'
    try:
        data = yaml.safe_load(front) or {}
    except yaml.YAMLError as error:
        line = _yaml_error_line(error)
        raise PromptError(path, line, f"bad YAML: {getattr(error, 'problem', error)}") from error
    if not isinstance(data, dict):
        raise PromptError(path, 2, "the front matter must be a mapping of fields")
    try:
        spec = PromptSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        reason = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        raise PromptError(
            path, _line_of(front, str(first["loc"][0])), f"{field}: {reason}"
        ) from error
    _check_schema(path, front, spec)
    variant = _variant(path)
    sections = _sections(path, body, body_line)
    _check_variables(path, spec, sections)
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return Prompt(spec=spec, sections=sections, path=path, content_hash=digest, variant=variant)


def _yaml_error_line(error: yaml.YAMLError) -> int:
    """The file line to fix (the front matter starts on line 2).

    PyYAML's problem mark is where parsing gave up, which for an unclosed `[` or quote,
    or a key without its `:`, is the line after the mistake. While it scans one token or
    a flow collection, the context mark is where that token starts: the mistake's line.
    """
    context = getattr(error, "context", None) or ""
    context_mark = getattr(error, "context_mark", None)
    problem_mark = getattr(error, "problem_mark", None)
    at_token = context.startswith(("while scanning", "while parsing a flow"))
    mark = context_mark if at_token and context_mark is not None else problem_mark
    return mark.line + 2 if mark is not None else 1


def _line_of(front: str, key: str) -> int:
    for number, line in enumerate(front.splitlines(), start=2):
        if line.startswith(f"{key}:"):
            return number
    return 2


def _variant(path: Path) -> str | None:
    """`chat.short.prompt.md` is the variant `short`; `chat.prompt.md` the default."""
    return path.name.removesuffix(SUFFIX).partition(".")[2] or None


def _check_schema(path: Path, front: str, spec: PromptSpec) -> None:
    schema = spec.output.schema_
    if spec.output.format == "json" and schema is None:
        raise PromptError(path, _line_of(front, "output"), "output format json needs a schema")
    if schema is not None:
        try:
            validator_for(schema).check_schema(schema)
        except SchemaError as error:
            line = _line_of(front, "output")
            raise PromptError(path, line, f"bad output schema: {error.message}") from error


def _sections(path: Path, body: str, first_line: int) -> tuple[Section, ...]:
    markers = list(ROLE_LINE.finditer(body))
    if not markers or body[: markers[0].start()].strip():
        raise PromptError(path, first_line, "the body must start with a role line, e.g. 'system:'")
    sections = []
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        end = following.start() if following else len(body)
        line = first_line + body[: marker.end()].count("\n") + 1
        sections.append(Section(marker.group(1), body[marker.end() : end], line))
    if not any(s.role in ("user", "history") for s in sections):
        raise PromptError(path, first_line, "the body has no 'user:' or 'history:' section")
    return tuple(sections)


def _check_variables(path: Path, spec: PromptSpec, sections: tuple[Section, ...]) -> None:
    used: set[str] = set()
    #: `type: image` inputs are sent as images with the last user turn, never as text.
    images = {name for name, declared in spec.input.items() if declared.type == "image"}
    for section in sections:
        try:
            ast = JINJA.parse(section.template)
        except TemplateSyntaxError as error:
            line = section.line + (error.lineno or 1) - 1
            raise PromptError(path, line, f"bad Jinja: {error.message}") from error
        undeclared = meta.find_undeclared_variables(ast) - set(spec.input)
        if undeclared:
            names = ", ".join(sorted(undeclared))
            raise PromptError(path, section.line, f"undeclared variable(s): {names}")
        in_text = meta.find_undeclared_variables(ast) & images
        if in_text:
            names = ", ".join(sorted(in_text))
            raise PromptError(
                path, section.line, f"image input(s) {names} go with the user's turn, not its text"
            )
        used |= meta.find_undeclared_variables(ast)
    unused = set(spec.input) - used - images
    if unused:
        raise PromptError(path, 2, f"declared but unused input(s): {', '.join(sorted(unused))}")


@dataclass(frozen=True)
class PromptLibrary:
    prompts: dict[tuple[str, str | None], Prompt]
    variants: dict[str, str]

    def get(self, name: str) -> Prompt:
        key = (name, self.variants.get(name))
        if key not in self.prompts:
            known = ", ".join(sorted({n for n, _ in self.prompts}))
            raise KeyError(f"no prompt {name!r} (variant {key[1] or 'default'}); have: {known}")
        return self.prompts[key]

    def names(self) -> list[str]:
        return sorted({name for name, _ in self.prompts})

    def all(self) -> list[Prompt]:
        return [self.prompts[key] for key in sorted(self.prompts, key=lambda k: (k[0], k[1] or ""))]


def load_prompts(directory: Path, variants: dict[str, str] | None = None) -> PromptLibrary:
    """Every `*.prompt.md` under `directory`, validated; duplicates are errors."""
    if not directory.is_dir():
        raise PromptError(directory, None, "the prompts folder does not exist (PROMPTS_DIR)")
    prompts: dict[tuple[str, str | None], Prompt] = {}
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        prompt = parse_prompt_file(path)
        key = (prompt.name, prompt.variant)
        if key in prompts:
            raise PromptError(
                path, 2, f"duplicate prompt {prompt.name!r}, also in {prompts[key].path}"
            )
        prompts[key] = prompt
    library = PromptLibrary(prompts, dict(variants or {}))
    for name, variant in library.variants.items():
        if (name, variant) not in prompts:
            raise PromptError(
                directory, None, f"PROMPT_VARIANTS names {name}.{variant}, which has no file"
            )
    return library
