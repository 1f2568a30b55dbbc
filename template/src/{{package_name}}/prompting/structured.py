"""Calling the model with a prompt, and reading structured answers out of its reply.

JSON answers are validated against the prompt's schema. Where the provider's model can
be held to a schema natively (LangChain's profile of the model says `structured_output`),
the schema goes to the provider in the request, through `with_structured_output(...,
method="json_schema")`: OpenAI's `response_format`, Anthropic's `output_config.format`,
Gemini's `responseJsonSchema` (with `responseMimeType: application/json`), Ollama's
`format`. Otherwise the prompt asks for JSON and the reply is parsed. Either way the
answer is checked against the schema here too, and a bad answer gets one retry with the
validation error fed back to the model (models fix most slips when told what was wrong);
a second bad answer is a clear error, never a half-parsed result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from ..images import Image
from .errors import StructuredOutputError
from .prompt import Prompt

FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
THOUGHT = re.compile(r"Thought:\s*(?P<thought>.*?)\s*Final Answer:\s*(?P<answer>.*)", re.DOTALL)


@dataclass(frozen=True)
class ThoughtAnswer:
    thought: str
    answer: str


def split_thought(text: str) -> ThoughtAnswer:
    """Split a "Thought: ... Final Answer: ..." reply into its two parts."""
    match = THOUGHT.search(text)
    if match is None:
        raise StructuredOutputError("the reply has no 'Final Answer:' part")
    return ThoughtAnswer(match["thought"].strip(), match["answer"].strip())


def parse_json(text: str, schema: dict[str, Any]) -> Any:
    """The reply as JSON valid against `schema`; ValueError says what is wrong."""
    stripped = text.strip()
    fenced = FENCE.match(stripped)
    try:
        value = json.loads(fenced.group(1) if fenced else stripped)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at character {error.pos})") from error
    validate(value, schema)
    return value


def validate(value: Any, schema: dict[str, Any]) -> None:
    """ValueError saying where `value` breaks `schema`."""
    try:
        validator_for(schema)(schema).validate(value)
    except ValidationError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise ValueError(f"at {where}: {error.message}") from error


async def ask(
    model: BaseChatModel,
    prompt: Prompt,
    variables: dict[str, Any] | None = None,
    history: list[BaseMessage] | None = None,
    images: list[Image] | None = None,
) -> AIMessage:
    """One model call with the prompt's messages; its metadata rides on the call."""
    messages = prompt.messages(variables, history, images)
    return await model.ainvoke(messages, config=call_config(prompt))


def call_config(prompt: Prompt) -> dict[str, Any]:
    return {"run_name": prompt.name, "metadata": prompt.metadata}


async def ask_structured(
    model: BaseChatModel,
    prompt: Prompt,
    variables: dict[str, Any] | None = None,
    images: list[Image] | None = None,
) -> Any:
    """The prompt's JSON answer, validated; one retry with the error fed back."""
    schema = prompt.spec.output.schema_
    if schema is None:
        raise StructuredOutputError(f"prompt {prompt.name!r} declares no output schema")
    messages = prompt.messages(variables, images=images)
    try:
        return await ask_json(model, messages, schema, call_config(prompt))
    except StructuredOutputError as error:
        raise StructuredOutputError(f"prompt {prompt.name!r}: {error}") from error


async def ask_json(
    model: BaseChatModel,
    messages: list[BaseMessage],
    schema: dict[str, Any],
    config: dict[str, Any],
) -> Any:
    """The reply to `messages` as JSON valid against `schema`; one retry with the error fed
    back. Prompt files with an output schema and /v1/chat/completions' `response_format`
    both come here."""
    # The schema rides in the call's metadata too: a model that can honour it (the offline
    # demo fake) reads it there; providers never see metadata.
    config = {**config, "metadata": {**config.get("metadata", {}), "output_schema": schema}}
    native = native_structured_output(model)
    reply, value, problem = await _ask_once(model, messages, schema, config, native)
    if problem is None:
        return value
    feedback = HumanMessage(
        f"Your answer was invalid: {problem}. Reply again with only the JSON, "
        "valid against the schema."
    )
    retry = [*messages, reply, feedback]
    _, value, problem = await _ask_once(model, retry, schema, config, native)
    if problem is None:
        return value
    raise StructuredOutputError(f"invalid output after one retry: {problem}")


def native_structured_output(model: BaseChatModel) -> bool:
    """True when LangChain's profile of the model says its provider holds answers to a
    schema; a model LangChain has no profile for gets the prompt-and-parse path."""
    profile = getattr(model, "profile", None) or {}
    return bool(profile.get("structured_output"))


async def _ask_once(
    model: BaseChatModel,
    messages: list[BaseMessage],
    schema: dict[str, Any],
    config: dict[str, Any],
    native: bool,
) -> tuple[AIMessage, Any, ValueError | None]:
    """One call: the reply as the conversation keeps it, the value, and what is wrong."""
    if not native:
        reply = await model.ainvoke(messages, config=config)
        try:
            return reply, parse_json(reply.text, schema), None
        except ValueError as error:
            return reply, None, error
    # The schema needs a name (OpenAI's `json_schema.name`, a tool's name): its title, else
    # "answer". `json_schema` is named, not left to each package's default: Anthropic's
    # default is a forced tool call, and the request should carry the schema as a schema.
    # (A model without that method, such as the offline fake, fills a tool instead.)
    titled = schema if "title" in schema else {"title": "answer", **schema}
    structured = model.with_structured_output(titled, method="json_schema", include_raw=True)
    result = await structured.ainvoke(messages, config=config)
    assert isinstance(result, dict)  # include_raw=True: {"raw", "parsed", "parsing_error"}
    raw, value = result["raw"], result["parsed"]
    # The conversation keeps what was answered as text: a retry after a dangling tool
    # call is refused by providers that want every tool call answered.
    answered = json.dumps(value) if value is not None else raw.text
    reply = AIMessage(answered)
    if result.get("parsing_error") is not None or value is None:
        return reply, None, ValueError(f"not JSON ({result.get('parsing_error')})")
    try:
        validate(value, schema)
    except ValueError as error:
        return reply, None, error
    return reply, value, None


async def run_prompt(
    model: BaseChatModel,
    prompt: Prompt,
    variables: dict[str, Any] | None = None,
    images: list[Image] | None = None,
) -> str | ThoughtAnswer | Any:
    """The prompt's answer in the shape its `output.format` declares; `images` go with
    the user's turn (after the prompt's own image inputs)."""
    if prompt.spec.output.format == "json":
        return await ask_structured(model, prompt, variables, images)
    reply = await ask(model, prompt, variables, images=images)
    return (
        split_thought(reply.text) if prompt.spec.output.format == "thought_answer" else reply.text
    )
