import pytest

from inspector.inspection import duration_text
from inspector.values import InvalidValue, parse_value, python_repr, value_type_of


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Sonam", "text", "Sonam"),
        ("  spaced  ", "text", "  spaced  "),
        ("42", "number", 42),
        ("-1.5", "number", -1.5),
        ("true", "boolean", True),
        ("null", "null", None),
        ("", "null", None),
        ('["apple", 2]', "list", ["apple", 2]),
        ('{"a": {"b": [1]}}', "object", {"a": {"b": [1]}}),
    ],
)
def test_parse_value(text: str, kind: str, expected: object) -> None:
    assert parse_value(text, kind) == expected
    assert value_type_of(expected) == kind


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("abc", "number", "Not valid JSON"),
        ("true", "number", "a bool, not a number"),
        ("1", "boolean", "a int, not a boolean"),
        ("[1", "list", "Not valid JSON"),
        ('{"a": 1}', "list", "not a list"),
        ("NaN", "number", "NaN is not valid JSON"),
        ("Infinity", "number", "Infinity is not valid JSON"),
        ("1e999", "number", "too large"),
        ("9" * 5000, "number", "too many digits"),
        ("[" * 11 + "]" * 11, "list", "Nested too deeply"),
        ("[" * 100000 + "]" * 100000, "list", "Nested too deeply"),
    ],
)
def test_bad_values_are_refused_with_a_reason(text: str, kind: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_value(text, kind)


def test_python_repr_is_what_python_prints() -> None:
    assert python_repr("Sonam") == "'Sonam'"
    assert python_repr({"a": None, "b": True}) == "{'a': None, 'b': True}"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 seconds"), (1, "1 second"), (1209600, "14 days"), (3661, "1 hour 1 minute 1 second")],
)
def test_duration_text(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text
