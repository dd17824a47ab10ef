"""The forms that change the session, and the limits they keep.

The limits keep a session something a class can read on a projector, and
keep every engine usable (signed cookies must fit in a browser cookie).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.contrib.sessions.backends.base import SessionBase

from inspector.values import VALUE_TYPES, InvalidValue, parse_value

MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 2000
MAX_KEYS = 25

RESERVED_MESSAGE = (
    'Keys starting with "_" belong to Django (_auth_user_id, _session_expiry, _messages, ...). '
    "Django reads them back and trusts them, so the inspector does not write them."
)


def user_keys(session: SessionBase) -> list[str]:
    # SessionBase defines keys() but not __iter__: iterating it directly fails.
    return [key for key in session.keys() if not key.startswith("_")]  # noqa: SIM118


class SessionKeyField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label="Key",
            strip=False,
            max_length=MAX_KEY_LENGTH,
            error_messages={
                "required": "Enter a key.",
                "max_length": f"A key can be at most {MAX_KEY_LENGTH} characters long "
                "(this one is %(show_value)d).",
            },
            **kwargs,
        )

    def validate(self, value: str) -> None:
        super().validate(value)
        if not value.strip():
            raise forms.ValidationError("A key needs at least one visible character.")
        if value.startswith("_"):
            raise forms.ValidationError(RESERVED_MESSAGE)
        if any(unicodedata.category(char) in {"Cc", "Cs"} for char in value):
            raise forms.ValidationError("A key cannot contain control characters.")


class ValueFields(forms.Form):
    value = forms.CharField(
        label="Value",
        required=False,
        strip=False,
        max_length=MAX_VALUE_LENGTH,
        error_messages={
            "max_length": f"A value can be at most {MAX_VALUE_LENGTH:,} characters long "
            "(this one is %(show_value)d)."
        },
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    type = forms.ChoiceField(label="Type", choices=VALUE_TYPES.items(), initial="text")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "value" in cleaned and "type" in cleaned:
            try:
                cleaned["parsed"] = parse_value(cleaned["value"], cleaned["type"])
            except InvalidValue as error:
                self.add_error("value", str(error))
        return cleaned


class AddKeyForm(ValueFields):
    key = SessionKeyField()
    field_order = ("key", "value", "type")

    def __init__(self, *args: Any, session: SessionBase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if key not in self.session and len(user_keys(self.session)) >= MAX_KEYS:
            raise forms.ValidationError(
                f"The session already holds {MAX_KEYS} keys, the most this page allows: "
                "delete one first."
            )
        return key


class ExistingKeyForm(forms.Form):
    """A key the session already has: the target of Edit and Delete."""

    key = SessionKeyField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, session: SessionBase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if key not in self.session:
            raise forms.ValidationError(
                f"The session has no key {key!r} (any more): nothing was changed."
            )
        return key


class EditKeyForm(ValueFields, ExistingKeyForm):
    field_order = ("key", "value", "type")
