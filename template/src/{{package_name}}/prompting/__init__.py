"""Prompts live in files (`prompts/*.prompt.md`), not in code.

A prompt file is YAML front matter (name, version, model settings, input variables,
output schema, few-shot examples) and a Jinja2 body split into messages by role lines
(`system:`, `user:`, `assistant:`, and `history:` where the conversation goes). Every
file is validated when the app starts, so a broken prompt is a one-line error naming
the file and line, not a surprise at the first request.
"""

from .errors import PromptError, StructuredOutputError
from .library import PromptLibrary, load_prompts
from .prompt import Prompt
from .structured import (
    ThoughtAnswer,
    ask,
    ask_json,
    ask_structured,
    call_config,
    run_prompt,
    split_thought,
)

__all__ = [
    "Prompt",
    "PromptError",
    "PromptLibrary",
    "StructuredOutputError",
    "ThoughtAnswer",
    "ask",
    "ask_json",
    "ask_structured",
    "call_config",
    "load_prompts",
    "run_prompt",
    "split_thought",
]
