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

# Nested deeper than this, a value is no longer something to read on a projector.
MAX_DEPTH = 10


class InvalidValue(Exception):
    """A typed value that cannot be stored, with a message for the page."""


def parse_value(text: str, value_type: str) -> Any:
    if value_type == "text":
        return text
    if value_type == "null" and text.strip() == "":
        return None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except InvalidValue:
        raise
    except RecursionError:
        raise InvalidValue(f"Nested too deeply: at most {MAX_DEPTH} levels.") from None
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
    if depth(value) > MAX_DEPTH:
        raise InvalidValue(f"Nested too deeply: at most {MAX_DEPTH} levels.")
    return value


def _reject_constant(name: str) -> None:
    # Python's json reads NaN and Infinity, but they are not JSON and other
    # readers of the stored session would choke on them.
    raise InvalidValue(f"{name} is not valid JSON.")


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    return 0


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
