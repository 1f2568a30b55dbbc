"""The agent's tools: plain typed functions whose docstring is what the model reads.

Add a tool by writing a function here and listing it in `TOOLS`; the graph binds them
all. A tool signals a problem by raising: the graph hands the error back to the model
as a tool message, so it can correct itself instead of crashing the request.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

#: Longer input is refused before parsing: the model has no reason to send it.
MAX_EXPRESSION_CHARS = 500
#: `a ** b` is refused when the result would have more digits than this.
MAX_RESULT_DIGITS = 1_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _power(base: float, exponent: float) -> float:
    """Refuse powers whose result is too big to be an answer (and slow to compute)."""
    if abs(base) > 1 and exponent > 0 and exponent * math.log10(abs(base)) > MAX_RESULT_DIGITS:
        raise ValueError(f"the result of {base} ** {exponent} is too large")
    result = base**exponent
    if isinstance(result, complex):
        raise ValueError(f"{base} ** {exponent} is not a real number")
    return result


def _evaluate(node: ast.AST) -> float:
    """Walk the parsed expression, allowing numbers and arithmetic and nothing else.

    Names, calls, attributes, subscripts, strings... have no branch here, so code such as
    `__import__('os')` is rejected before anything runs.
    """
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        return _BINARY[type(node.op)](left, right)
    raise ValueError(f"only numbers and + - * / // % ** ( ) are allowed, not {type(node).__name__}")


def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly, e.g. "(17 * 23) + 2 ** 10".

    Use it for any arithmetic instead of computing in your head. Supports numbers,
    + - * / // % ** and parentheses; no names or functions.
    """
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"expression is longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not an arithmetic expression: {error.msg}") from None
    try:
        result = _evaluate(tree)
    except ZeroDivisionError:
        raise ValueError("division by zero") from None
    except OverflowError:
        raise ValueError("the result is too large") from None
    if isinstance(result, float) and result.is_integer() and abs(result) < 1e15:
        result = int(result)
    return str(result)


def current_time() -> str:
    """The current date and time in UTC, in ISO 8601 (e.g. 2025-01-31T14:05:09+00:00).

    Use it whenever the answer depends on today's date or the time now.
    """
    return datetime.now(UTC).isoformat(timespec="seconds")


#: Everything the agent may call; the graph binds exactly this list.
TOOLS: list[Callable[..., Any]] = [calculator, current_time]
