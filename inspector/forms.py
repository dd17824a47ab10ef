"""The forms that change the session, and the limits they keep.

The limits keep a session something a class can read on a projector, and
keep every engine usable (signed cookies must fit in a browser cookie).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

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
        if problem := key_problem(value, writing=True):
            raise forms.ValidationError(problem)


def key_problem(key: Any, *, writing: bool) -> str:
    """Why ``key`` cannot be used (empty when it can); Django's own keys may only be read."""
    if not isinstance(key, str):
        return "Keys are strings."
    if not key.strip():
        return "A key needs at least one visible character."
    if len(key) > MAX_KEY_LENGTH:
        return f"A key can be at most {MAX_KEY_LENGTH} characters long (this one is {len(key)})."
    if writing and key.startswith("_"):
        return RESERVED_MESSAGE
    if any(unicodedata.category(char) in {"Cc", "Cs"} for char in key):
        return "A key cannot contain control characters."
    return ""


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


#: The Edit form's fields are prefixed so they never clash with the Add form's.
EDIT_PREFIX = "edit"


class EditKeyForm(ValueFields, ExistingKeyForm):
    field_order = ("key", "value", "type")


# Further ahead than this, an expiry is a typo, not a lesson (and stays far from
# the dates a cookie's Expires or a database can hold).
MAX_EXPIRY_SECONDS = 365 * 24 * 3600


class ExpiryForm(forms.Form):
    """``set_expiry``: after N seconds, at a date, at browser close (0) or the default (None)."""

    MODES = ("seconds", "date", "close", "default")

    mode = forms.ChoiceField(choices=[(mode, mode) for mode in MODES])
    seconds = forms.IntegerField(
        label="Expire after (seconds)",
        required=False,
        min_value=1,
        max_value=MAX_EXPIRY_SECONDS,
        error_messages={
            "invalid": "Enter a whole number of seconds, such as 10.",
            "min_value": "Enter at least 1 second (0 means “at browser close”: use that button).",
            "max_value": f"At most {MAX_EXPIRY_SECONDS:,} seconds (one year).",
        },
    )
    at = forms.CharField(label="Expire at (date and time)", required=False, max_length=40)

    #: How the page writes a moment, in UTC: the same on every computer in the room.
    AT_FORMAT = "%Y-%m-%d %H:%M:%S"

    @classmethod
    def suggested(cls) -> dict[str, Any]:
        """What the form offers: ten seconds, or an hour from now (UTC)."""
        in_an_hour = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
        return {"seconds": 10, "at": in_an_hour.strftime(cls.AT_FORMAT)}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        mode = cleaned.get("mode")
        if mode == "seconds" and cleaned.get("seconds") is None and "seconds" not in self.errors:
            self.add_error("seconds", "Enter a number of seconds.")
        if mode == "date":
            cleaned["when"] = self._when(cleaned.get("at") or "")
        return cleaned

    def _when(self, text: str) -> dt.datetime | None:
        if not text.strip():
            self.add_error("at", "Enter a date and time.")
            return None
        try:
            when = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            self.add_error("at", "Enter a date and time in UTC, such as 2026-12-01 09:30:00.")
            return None
        # The page works in UTC and says so: a time without a zone is read as UTC.
        try:
            when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
        except OverflowError:
            self.add_error("at", "That date is outside the calendar Python can hold in UTC.")
            return None
        when = when.replace(microsecond=0)
        now = timezone.now()
        # Under a second ahead, get_expiry_age() rounds down to 0: a cookie dropped at once.
        if when < now + dt.timedelta(seconds=1):
            self.add_error(
                "at",
                "That moment has passed (or is under a second away): choose a later one (UTC).",
            )
            return None
        if when > now + dt.timedelta(seconds=MAX_EXPIRY_SECONDS):
            self.add_error("at", "At most one year ahead.")
            return None
        return when


class MethodForm(forms.Form):
    """The dict-method playground: a method of request.session and its arguments."""

    METHODS = ("get", "setdefault", "pop", "in", "keys", "values", "items", "update", "del")

    method = forms.ChoiceField(label="Method", choices=[(name, name) for name in METHODS])
    key = forms.CharField(label="Key", required=False, strip=False, max_length=MAX_KEY_LENGTH)
    default = forms.CharField(
        label="Default",
        required=False,
        strip=False,
        max_length=MAX_VALUE_LENGTH,
        widget=forms.TextInput,
    )

    def __init__(self, *args: Any, session: SessionBase, **kwargs: Any) -> None:
        super().__init__(*args, prefix="method", **kwargs)
        self.session = session

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        method = cleaned.get("method")
        if method is None or self.errors:
            return cleaned
        key, default = cleaned.get("key", ""), cleaned.get("default", "")
        writing = method in {"setdefault", "pop", "update", "del"}
        needs_key = method in {"get", "setdefault", "pop", "in", "del"}
        if needs_key and (problem := key_problem(key, writing=writing)):
            self.add_error("key", problem)
        cleaned["has_default"] = default != ""
        if method == "update":
            cleaned["argument"] = self._update_argument(default)
        elif default != "" and method in {"get", "setdefault", "pop"}:
            cleaned["argument"] = self._json(default)
        new_keys = []
        if method == "setdefault" and key not in self.session:
            new_keys = [key]
        if method == "update" and isinstance(cleaned.get("argument"), dict):
            new_keys = [name for name in cleaned["argument"] if name not in self.session]
        if new_keys and len(user_keys(self.session)) + len(new_keys) > MAX_KEYS:
            self.add_error(
                None, f"That would make more than {MAX_KEYS} keys, the most this page allows."
            )
        return cleaned

    def _json(self, text: str) -> Any:
        try:
            return parse_value(text, "json")
        except InvalidValue as error:
            self.add_error(
                "default", f'Default is read as JSON (write text in quotes, like "hi"). {error}'
            )
            return None

    def _update_argument(self, text: str) -> dict[str, Any] | None:
        value = self._json(text) if text else None
        if not isinstance(value, dict):
            if "default" not in self.errors:
                self.add_error(
                    "default", 'For update, Default holds a JSON object: {"name": "Sonam"}.'
                )
            return None
        for key in value:
            if problem := key_problem(key, writing=True):
                self.add_error("default", f"{key!r}: {problem}")
                return None
        return value
