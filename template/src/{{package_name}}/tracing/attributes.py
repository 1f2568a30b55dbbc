"""The span attribute names this app writes, in one place for writers and readers.

Model calls follow the OpenTelemetry GenAI semantic conventions (`gen_ai.*`), so OTLP
backends (Phoenix, Langfuse, LangSmith) show them as LLM calls; what the conventions
have no name for lives under `app.*`.
"""

from __future__ import annotations

#: request | llm | retrieval | tool | agent | chain: the store's `kind` column.
KIND = "app.span.kind"
COST_USD = "app.cost_usd"
#: Streamed calls: milliseconds to the first token, on the model call's span (from the
#: call's start) and on the request's (from the stream's start to its first text).
TIME_TO_FIRST_TOKEN_MS = "app.time_to_first_token_ms"
PROMPT_NAME = "app.prompt.name"
PROMPT_VERSION = "app.prompt.version"
PROMPT_HASH = "app.prompt.hash"
PROMPT_VARIANT = "app.prompt.variant"
#: The input and output of a run (messages, tool arguments, documents), as JSON text;
#: recorded only with TRACE_CONTENT=true.
INPUT = "app.input"
OUTPUT = "app.output"
#: Model calls answered from the response cache: true, with cost 0 and no tokens used;
#: the tokens the cached answer cost when it was made are kept under `app.cache.*`.
CACHE_HIT = "llm.cache.hit"
CACHED_INPUT_TOKENS = "app.cache.input_tokens"
CACHED_OUTPUT_TOKENS = "app.cache.output_tokens"

OPERATION = "gen_ai.operation.name"
PROVIDER = "gen_ai.provider.name"
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_MODEL = "gen_ai.response.model"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
FINISH_REASONS = "gen_ai.response.finish_reasons"
#: Where providers put the reason a reply ended (OpenAI and Gemini, Anthropic, Ollama),
#: in its `response_metadata`: read into FINISH_REASONS, and by a stream to tell a
#: finished answer from a cut one.
FINISH_REASON_KEYS = ("finish_reason", "stop_reason", "done_reason")
TEMPERATURE = "gen_ai.request.temperature"
MAX_TOKENS = "gen_ai.request.max_tokens"
TOOL_NAME = "gen_ai.tool.name"
TOOL_CALL_ID = "gen_ai.tool.call.id"
AGENT_NAME = "gen_ai.agent.name"
ERROR_TYPE = "error.type"
