"""Take Django's signed session data apart, layer by layer.

Django stores a session as ``signing.dumps(data, salt=..., compress=True)``:
``payload:timestamp:signature``. The payload is base64url JSON (zlib first
when it starts with "."), the timestamp is base62 seconds of the last save
and the signature is an HMAC of the two with the server's key. Nothing is
encrypted: anyone holding the string can read the payload.

Every step is decoded on its own so that a damaged value still shows as far
as it can be read, and nothing here raises on bad input.
"""

from __future__ import annotations

import binascii
import datetime as dt
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.http import http_date

from inspector.values import MAX_DEPTH, shape_problem, short_repr

#: Salts Django uses; the store's salt is "django.contrib.sessions." + its class's qualname.
DB_SALT = "django.contrib.sessions.SessionStore"
SIGNED_COOKIES_SALT = "django.contrib.sessions.backends.signed_cookies"

# A stored value is decompressed only up to this size, so a crafted record
# cannot make the inspector allocate without bound.
MAX_DECOMPRESSED_BYTES = 5 * 1024 * 1024
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass
class SignedData:
    raw: str
    salt: str
    payload: str = ""
    timestamp_b62: str = ""
    signature: str = ""
    compressed: bool = False
    json_text: str | None = None
    data: dict[str, Any] | None = None
    #: The timestamp as a number, when it is base62; it may lie outside the calendar.
    timestamp_seconds: int | None = None
    signed_at: dt.datetime | None = None
    #: "current key", "a fallback key" or None when no key verifies it.
    verified_with: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.verified_with is not None

    @property
    def readable(self) -> bool:
        return self.data is not None


def decode(raw: str, salt: str) -> SignedData:
    result = SignedData(raw=raw, salt=salt)
    parts = raw.rsplit(":", 2)
    if len(parts) != 3:
        result.errors.append(
            "Not in the payload:timestamp:signature form Django writes, so it cannot be decoded."
        )
        return result
    result.payload, result.timestamp_b62, result.signature = parts
    result.verified_with = _verify(
        f"{result.payload}:{result.timestamp_b62}", result.signature, salt
    )
    if result.verified_with is None:
        result.errors.append(
            "The signature does not match this server's SECRET_KEY (nor any fallback): "
            "Django would treat this session as empty."
        )
    result.timestamp_seconds = _base62(result.timestamp_b62, result.errors)
    if result.timestamp_seconds is not None:
        result.signed_at = moment(result.timestamp_seconds)
        if result.signed_at is None:
            result.errors.append(
                f"The timestamp {short_repr(result.timestamp_b62, 40)} is base62 for a moment "
                "outside the calendar (years 1 to 9999): no clock wrote it."
            )
    result.compressed = result.payload.startswith(".")
    result.json_text = _payload_text(result.payload, result.compressed, result.errors)
    if result.json_text is not None:
        result.data = _json_object(result.json_text, result.errors)
    return result


def _verify(signed_part: str, signature: str, salt: str) -> str | None:
    keys = [("current key", settings.SECRET_KEY)]
    keys += [("a fallback key", key) for key in settings.SECRET_KEY_FALLBACKS]
    for name, key in keys:
        expected = signing.Signer(key=key, salt=salt).signature(signed_part)
        if constant_time_compare(expected, signature):
            return name
    return None


def _base62(text: str, errors: list[str]) -> int | None:
    try:
        return signing.b62_decode(text)
    except (ValueError, IndexError):
        errors.append(f"The timestamp {short_repr(text, 40)} is not base62 seconds.")
        return None


# Moments, from numbers and texts a store or a cookie holds: None where the calendar ends.
# datetime holds years 1 to 9999; a signed timestamp or a stored expiry can name any
# number, and converting or adding past either end raises OverflowError, ValueError or
# (from the C library) OSError.
_OUT_OF_CALENDAR = (OverflowError, ValueError, OSError)


def moment(seconds: float) -> dt.datetime | None:
    """Seconds since 1970 as a UTC datetime; None outside the calendar."""
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except _OUT_OF_CALENDAR:
        return None


def later(start: dt.datetime, seconds: float) -> dt.datetime | None:
    """``start`` plus ``seconds``; None past either end of the calendar."""
    try:
        return start + dt.timedelta(seconds=seconds)
    except _OUT_OF_CALENDAR:
        return None


def in_utc(when: dt.datetime) -> dt.datetime | None:
    """``when`` in UTC, the zone the page shows; None when the shift leaves the calendar
    (9999-12-31 23:59 at -14:00 is already year 10000 in UTC)."""
    try:
        return when.astimezone(dt.UTC)
    except _OUT_OF_CALENDAR:
        return None


def expiry_problem(data: dict[str, Any]) -> str:
    """Why Django's own code would fail on this session's ``_session_expiry`` (empty if not).

    Django turns it into an age and a date (get_expiry_age(), get_expiry_date()), a
    database stores the date in UTC, and SessionMiddleware writes the cookie's Expires with
    http_date(now + age). Only a record this server signed, or the unsigned cache, can hold
    an expiry the forms refuse; any of those steps raising would be a server error.
    """
    expiry = data.get("_session_expiry")
    if not expiry:  # Django's own test: the default applies
        return ""
    scratch = SessionBase()
    scratch._session_cache = {"_session_expiry": expiry}
    try:
        age = scratch.get_expiry_age()
        ends = scratch.get_expiry_date()
        if in_utc(ends) is None:
            raise OverflowError("it lies past the end of the calendar in UTC")
        http_date(time.time() + age)
    except (TypeError, *_OUT_OF_CALENDAR) as error:
        return (
            f"Its _session_expiry, {short_repr(expiry, 60)}, is no expiry Django can use "
            f"({error}): Django would fail on it with a server error, so the inspector reads "
            "this record as an empty session."
        )
    return ""


def load_problem(data: dict[str, Any]) -> str:
    """Why the inspector reads ``data``, a session Django would load, as an empty session.

    Only a record this server signed (or the unsigned cache) can hold what the forms
    refuse: a value nested past MAX_DEPTH, a lone surrogate, an expiry Django cannot use.
    Django would trust it and then fail on it, or the page could not show it.
    """
    for key, value in data.items():
        for part, problem in (
            ("The key", shape_problem(key)),
            ("The value of", shape_problem(value)),
        ):
            if problem:
                return (
                    f"{part} {short_repr(key, 40)} cannot be shown: {problem} No form here "
                    f"writes that (values nest at most {MAX_DEPTH} levels, and hold text, not "
                    "halves of characters), so the inspector reads this record as an empty "
                    "session."
                )
    return expiry_problem(data)


def _payload_text(payload: str, compressed: bool, errors: list[str]) -> str | None:
    body = payload[1:] if compressed else payload
    # b64decode silently drops characters outside the alphabet: check first.
    if not BASE64URL.fullmatch(body):
        errors.append("The payload is not valid base64url.")
        return None
    try:
        data = signing.b64_decode(body.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        errors.append("The payload is not valid base64url.")
        return None
    if compressed:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(data, MAX_DECOMPRESSED_BYTES)
        except zlib.error:
            errors.append("The payload starts with '.' (zlib) but does not decompress.")
            return None
        if inflater.unconsumed_tail:
            errors.append("The payload decompresses to more than 5 MB; not shown.")
            return None
        if not inflater.eof:
            errors.append("The payload starts with '.' (zlib) but does not decompress: cut short.")
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        errors.append("The payload is not UTF-8 text.")
        return None


def _json_object(text: str, errors: list[str]) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        errors.append("The payload is not valid JSON.")
        return None
    if not isinstance(value, dict):
        errors.append("The JSON is not an object, so it is not a session dictionary.")
        return None
    return value
