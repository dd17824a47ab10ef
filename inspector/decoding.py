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
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare

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
    result.signed_at = _timestamp(result.timestamp_b62, result.errors)
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


def _timestamp(text: str, errors: list[str]) -> dt.datetime | None:
    try:
        seconds = signing.b62_decode(text)
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (ValueError, OverflowError, OSError, IndexError):
        errors.append(f"The timestamp {text!r} is not base62 seconds.")
        return None


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
