"""Session values: typed input in, Python's own spelling out."""

from __future__ import annotations

import json
import pprint
from typing import Any

#: The value types the forms offer; every one survives Django's JSONSerializer.
VALUE_TYPES: dict[str, str] = {
    "text": "text (str)",
    "number": "number (int or float)",
    "boolean": "boolean (true or false)",
    "null": "null (None)",
    "list": "list (JSON array)",
    "object": "object (JSON, a dict)",
}

# Nested deeper than this, a value is no longer something to read on a projector; and
# far deeper, Python itself runs out of stack parsing, printing or saving it.
MAX_DEPTH = 10
NESTED_MESSAGE = f"Nested too deeply: at most {MAX_DEPTH} levels of lists and objects."


class InvalidValue(Exception):
    """A typed value that cannot be stored, with a message for the page."""


def parse_value(text: str, value_type: str) -> Any:
    """The value ``text`` means as ``value_type``; InvalidValue says why it cannot be stored.

    Every type that can nest (list, object, and the JSON a method's Default holds) is held
    to MAX_DEPTH here, and nowhere else needs to ask.
    """
    if value_type == "text":
        value: Any = text
    elif value_type == "null" and text.strip() == "":
        return None
    else:
        # Counted on the text, before json.loads builds anything: JSON nested a few hundred
        # levels deep fits in 2,000 characters and would exhaust Python's stack later on
        # (printing it, saving it, drawing the page).
        if nesting_exceeds(text, MAX_DEPTH):
            raise InvalidValue(NESTED_MESSAGE)
        value = _json(text, value_type)
    if problem := shape_problem(value):
        raise InvalidValue(problem)
    return value


def _json(text: str, value_type: str) -> Any:
    """``text`` as JSON of ``value_type``; its nesting is checked already."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except InvalidValue:
        raise
    except ValueError as error:
        if "digits" in str(error):
            raise InvalidValue("That number has too many digits to store.") from None
        if isinstance(error, json.JSONDecodeError):
            raise InvalidValue(
                f"Not valid JSON ({error.msg}, line {error.lineno} column {error.colno})."
            ) from None
        raise InvalidValue(str(error)) from None
    expected = {
        "json": (str, int, float, bool, type(None), list, dict),
        "number": (int, float),
        "boolean": (bool,),
        "null": (type(None),),
        "list": (list,),
        "object": (dict,),
    }[value_type]
    if (isinstance(value, bool) and value_type == "number") or not isinstance(value, expected):
        raise InvalidValue(f"That is valid JSON, but a {type_name(value)}, not a {value_type}.")
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        raise InvalidValue("That number is too large for a float (it would become inf).")
    return value


def _reject_constant(name: str) -> None:
    # Python's json reads NaN and Infinity, but they are not JSON and other
    # readers of the stored session would choke on them.
    raise InvalidValue(f"{name} is not valid JSON.")


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether JSON ``text`` opens more than ``limit`` lists and objects inside one another."""
    level = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            level += 1
            if level > limit:
                return True
        elif char in "]}":
            level -= 1
    return False


def shape_problem(value: Any) -> str:
    """Why ``value`` cannot be stored and shown (empty when it can).

    Nested deeper than MAX_DEPTH, or holding a lone surrogate: a JSON escape such as
    "\\ud800" decodes to half a UTF-16 pair, which no page can be encoded with. Walked
    with a list, not recursion, so no depth makes it fail.
    """
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, str):
            if surrogate := _lone_surrogate(item):
                return (
                    f"It holds a lone surrogate ({surrogate.encode('unicode_escape').decode()}): "
                    "half of a UTF-16 pair, not a character, so no page could show it."
                )
        elif isinstance(item, dict | list):
            if level >= MAX_DEPTH:
                return NESTED_MESSAGE
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return ""


def _lone_surrogate(text: str) -> str:
    # Python strings hold code points: any in D800-DFFF is unpaired.
    return next((char for char in text if "\ud800" <= char <= "\udfff"), "")


def depth(value: Any) -> int:
    """How many lists and objects ``value`` nests, counted without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return deepest


def value_type_of(value: Any) -> str:
    """The form type that would produce ``value``."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    return "object"


def as_form_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def type_name(value: Any) -> str:
    return type(value).__name__


def python_repr(value: Any, width: int = 48) -> str:
    """How Python prints the value, wrapped for a narrow column."""
    return pprint.pformat(value, width=width, sort_dicts=False)


def short_repr(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
