"""What the app's offline model says: the fake (LLM_PROVIDER=fake) as a demonstration.

Tests script the fake reply by reply, and its plain default is an echo. The fake the
app builds for LLM_PROVIDER=fake answers with `demo_reply` instead, so that what the
README and the playground show does offline what they say: the agent calls the
calculator (and the clock, and `search_documents`, and any tool the question names by
its full name, as an MCP server's `test_add`) and answers from the result, asks
to file a ticket when told to (a call that waits for approval) and says what became of
it, saves what it is told to remember and recalls it when asked what it knows; a
grounded answer quotes the passage that best matches the question and cites it as
`[n]`; a prompt with an output schema gets JSON valid against it; a think-then-answer
prompt gets a `Thought:` and a `Final Answer:`. Each rule reads the shape of the
request (tools bound, passages in the prompt, a schema in the metadata), not the
meaning of the question; anything no rule fits gets the echo.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from .fake_model import FakeRequest, Reply, echo_reply

#: Words too common to say which sentence answers a question.
_STOP_WORDS = (
    "a an and are as at be by can could do does for from has have how i if in is it its "
    "me my of on or our should so that the their them there they this to was we what "
    "when where which who why will with would you your"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())
#: `[n] (source) text`, as rag/grounding.py numbers the passages in the prompt.
PASSAGE = re.compile(r"^\[(\d+)\] \(([^)]*)\) ", re.MULTILINE)
ARITHMETIC = re.compile(r"[\d(][\d\s.()+\-*/%]*[\d)]")
TIME_WORDS = re.compile(r"\b(time|date|today|day is it)\b", re.IGNORECASE)
TICKET_WORDS = re.compile(r"\b(file|open|raise|report|create)\b.*\btickets?\b", re.IGNORECASE)
REMEMBER = re.compile(r"^\s*(?:please\s+)?remember(?:\s+that)?\s+(.+)$", re.IGNORECASE | re.DOTALL)
RECALL_WORDS = re.compile(
    r"\b(what do you (?:remember|know) about me|do you remember|what is my|what's my)\b",
    re.IGNORECASE,
)
ABOUT_ME = re.compile(r"\b(who are you|what can you do)\b", re.IGNORECASE)


def demo_reply(request: FakeRequest) -> Reply:
    """The first rule that fits the request answers; otherwise the fake's echo."""
    for rule in RULES:
        reply = rule(request)
        if reply is not None:
            return reply
    return echo_reply(request.messages)


# --- The agent: call a tool, then answer from its result --------------------------------


def answer_from_tool_results(request: FakeRequest) -> Reply | None:
    """After the tools ran: one sentence per result, saying where it came from."""
    results = []
    for message in reversed(request.messages):
        if message.type != "tool":
            break
        results.insert(0, message)
    if not results:
        return None
    calls = {call["id"]: call for m in request.messages for call in getattr(m, "tool_calls", [])}
    question = last_question(request.messages)
    sentences = []
    for result in results:
        call = calls.get(getattr(result, "tool_call_id", ""), {"name": "", "args": {}})
        if result.text.startswith("not run: "):  # rejected by a person, or the run stopped
            sentences.append(f"I did not run {call['name'] or 'the tool'}: {result.text[9:]}.")
        elif getattr(result, "status", "") == "error":
            sentences.append(f"The {call['name'] or 'tool'} call failed: {result.text}")
        else:
            sentences.append(tool_sentence(call["name"], call["args"], result.text, question))
    return " ".join(sentences)


def tool_sentence(name: str, args: dict[str, Any], result: str, question: str) -> str:
    if name == "calculator":
        return f"{args.get('expression', '')} = {result}."
    if name == "current_time":
        return f"It is {result} (UTC)."
    if name == "file_ticket":
        return f"Done: {result}."
    if name == "remember":
        return f"I will remember that {args.get('fact', '')}."
    if name == "recall":
        if result.startswith("nothing"):
            return "I do not remember anything about you yet."
        return "You told me: " + "; ".join(line.lstrip("- ") for line in result.splitlines()) + "."
    if name == "search_documents":
        found = best_passage_sentence(question, result)
        if found is None:
            return "The documents do not say."
        _, source, sentence = found
        return f"{sentence} (source: {source})"
    return f"{name} returned: {result}"


def call_a_tool(request: FakeRequest) -> Reply | None:
    """With tools bound and a new question: the tool a model would pick for it."""
    tools = request.tool_names()
    if not tools or not request.messages or request.messages[-1].type != "human":
        return None
    question = request.messages[-1].text
    expression = arithmetic_in(question)
    if "calculator" in tools and expression:
        return tool_call(request, "calculator", {"expression": expression})
    remembered = REMEMBER.match(question)
    if "remember" in tools and remembered:
        return tool_call(request, "remember", {"fact": remembered[1].strip().rstrip(".")})
    if "recall" in tools and RECALL_WORDS.search(question):
        return tool_call(request, "recall", {"query": question})
    if "file_ticket" in tools and TICKET_WORDS.search(question):
        title = question.split(":", 1)[1] if ":" in question else question
        return tool_call(request, "file_ticket", {"title": first_sentence(title)[:80]})
    if "current_time" in tools and TIME_WORDS.search(question):
        return tool_call(request, "current_time", {})
    named = named_tool(request.tools, question)
    if named is not None:  # "Use test_add to add 2 and 3": an MCP server's tool, say
        return tool_call(request, named["name"], args_from(named.get("parameters", {}), question))
    if "search_documents" in tools and keywords(question):
        return tool_call(request, "search_documents", {"query": question})
    return None


def named_tool(tools: list[dict[str, Any]], question: str) -> dict[str, Any] | None:
    """The bound tool whose whole name the question says (`test_add`), if one is: names
    with an underscore only, as MCP tools' are (SERVER_TOOL), so that "remember" or
    "calculator" in a question is just a word."""
    for tool in tools:
        name = tool["function"]["name"]
        if "_" in name and re.search(rf"\b{re.escape(name)}\b", question):
            return tool["function"]
    return None


def args_from(schema: dict[str, Any], question: str) -> dict[str, Any]:
    """Arguments for a tool's JSON schema from the question: its numbers, in order, for
    the number parameters; the question itself for a text one."""
    numbers = iter(re.findall(r"-?\d+(?:\.\d+)?", question))
    args: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        kind = spec.get("type")
        if kind in ("integer", "number"):
            found = next(numbers, None)
            if found is not None:
                args[name] = int(found) if kind == "integer" else float(found)
        elif kind == "string" and name in schema.get("required", []):
            args[name] = question
    return args


def tool_call(request: FakeRequest, name: str, args: dict[str, Any]) -> AIMessage:
    call_id = f"demo-{len(request.messages)}"  # unique within a conversation
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id}])


# --- Prompts with a shape: JSON against a schema, thought then answer -------------------


def json_for_schema(request: FakeRequest) -> Reply | None:
    """A prompt with `output: {format: json}`: a value its schema accepts, from the input."""
    schema = request.metadata.get("output_schema")
    if not isinstance(schema, dict):
        return None
    return json.dumps(value_for(schema, plain_text(last_question(request.messages))))


def value_for(schema: dict[str, Any], text: str) -> Any:
    """A deterministic value valid against `schema` (the common JSON Schema keywords): an
    enum's value the input mentions (else its first), the input as a string, the middle
    of a number's range."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        words = set(re.findall(r"\w+", text.lower()))
        return next((v for v in schema["enum"] if str(v).lower() in words), schema["enum"][0])
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return value_for(schema[key][0], text)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: value_for(sub, text) for name, sub in properties.items()}
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        return [value_for(schema.get("items", {}), text) for _ in range(count)]
    if kind in ("integer", "number"):
        low, high = schema.get("minimum", 0), schema.get("maximum", schema.get("minimum", 0))
        middle = (low + high) / 2
        return math.floor(middle) if kind == "integer" else middle
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    sentence = first_sentence(text) or "(empty input)"
    return sentence[: schema.get("maxLength", len(sentence))]


def thought_then_answer(request: FakeRequest) -> Reply | None:
    """A prompt that asks for `Final Answer:` gets one; arithmetic is worked out."""
    if not any("Final Answer:" in m.text for m in request.messages if m.type == "system"):
        return None
    question = last_question(request.messages)
    expression = arithmetic_in(question)
    value = evaluate(expression) if expression else None
    if value is not None:
        return f"Thought: The question asks for {expression}, which is {value}.\n" + (
            f"Final Answer: {value}"
        )
    return (
        "Thought: I am the offline demo model; I do not reason, I restate the question.\n"
        f"Final Answer: {first_sentence(plain_text(question))}"
    )


# --- Grounded answers (RAG) -------------------------------------------------------------


def answer_from_passages(request: FakeRequest) -> Reply | None:
    """The chat prompt with retrieved passages: the sentence that best answers the
    question, cited as `[n]`; no citation when no passage shares a word with it."""
    prompt = next((m.text for m in request.messages if "<passages>" in m.text), None)
    if prompt is None:
        return None
    passages = prompt.split("<passages>", 1)[1].split("</passages>", 1)[0]
    found = best_passage_sentence(last_question(request.messages), passages)
    if found is None:
        return "The passages I was given do not answer that."
    number, _, sentence = found
    return f"{sentence} [{number}]"


def best_passage_sentence(question: str, passages: str) -> tuple[int, str, str] | None:
    """(number, source, sentence) of the sentence sharing the rarest words with the
    question; None when no sentence shares any."""
    wanted = keywords(question)
    candidates: list[tuple[int, str, str, set[str]]] = []
    starts = list(PASSAGE.finditer(passages))
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(passages)
        for sentence in sentences(passages[match.end() : end]):
            candidates.append((int(match[1]), match[2], sentence, keywords(sentence)))
    # A word in few sentences says more than one in many (a crude inverse document frequency).
    spread = {w: sum(w in c[3] for c in candidates) for w in wanted}
    best, best_score = None, 0.0
    for number, source, sentence, words in candidates:
        score = sum(1 / spread[w] for w in wanted & words)
        if score > best_score:
            best, best_score = (number, source, sentence), score
    return best


def about_me(request: FakeRequest) -> Reply | None:
    if not ABOUT_ME.search(last_question(request.messages)):
        return None
    return (
        "I am the offline fake model (LLM_PROVIDER=fake), standing in for a real one: no "
        "key, no network, the same answer every time. I echo what you say, call the "
        "agent's tools for arithmetic and the time, quote your documents with their "
        "sources, and answer the prompt files in the form they ask for."
    )


RULES: tuple[Callable[[FakeRequest], Reply | None], ...] = (
    answer_from_tool_results,
    call_a_tool,
    json_for_schema,
    thought_then_answer,
    answer_from_passages,
    about_me,
)


# --- Text helpers -----------------------------------------------------------------------


def last_question(messages: list[BaseMessage]) -> str:
    return next((m.text for m in reversed(messages) if m.type == "human"), "")


def plain_text(text: str) -> str:
    """Without XML-like tags (`<document>`...), on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [" ".join(part.lstrip("#*- ").split()) for part in parts if part.strip(" #*-")]


def first_sentence(text: str) -> str:
    found = sentences(text)
    return found[0] if found else ""


def keywords(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("-", ""))
    return {word for word in words if len(word) > 2 and word not in STOP_WORDS}


def arithmetic_in(text: str) -> str | None:
    """The first run of numbers joined by operators in `text` ("17 * 23"), if any."""
    for match in ARITHMETIC.finditer(text):
        expression = match.group().strip()
        if re.search(r"\d\s*[-+*/%]+\s*[\d(]", expression) and evaluate(expression) is not None:
            return expression
    return None


_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}


def evaluate(expression: str) -> int | float | None:
    """+ - * / % on numbers, by walking the syntax tree (never `eval`); None otherwise."""

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError(type(node).__name__)

    try:
        value = walk(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError):
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value
