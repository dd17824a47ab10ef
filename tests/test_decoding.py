import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing

from inspector.decoding import DB_SALT, SIGNED_COOKIES_SALT, decode


def test_salt_is_the_one_django_uses_for_the_db_store() -> None:
    assert SessionStore().key_salt == DB_SALT


def test_decodes_what_django_encodes() -> None:
    data = {"name": "Sonam", "cart": ["apple"]}
    raw = SessionStore().encode(data)
    decoded = decode(raw, DB_SALT)
    assert decoded.errors == []
    assert decoded.data == data
    assert decoded.verified_with == "current key"
    assert not decoded.compressed
    assert decoded.json_text == '{"name":"Sonam","cart":["apple"]}'
    assert f"{decoded.payload}:{decoded.timestamp_b62}:{decoded.signature}" == raw
    assert decoded.signed_at is not None
    assert abs(decoded.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


def test_compressed_payload_starts_with_a_dot() -> None:
    data = {"long": "a" * 500}
    raw = SessionStore().encode(data)
    assert raw.startswith(".")
    decoded = decode(raw, DB_SALT)
    assert decoded.compressed
    assert decoded.data == data
    assert decoded.verified


def test_tampered_payload_is_readable_but_not_verified() -> None:
    raw = SessionStore().encode({"role": "student"})
    _payload, rest = raw.split(":", 1)
    forged = signing.b64_encode(b'{"role":"teacher"}').decode() + ":" + rest
    decoded = decode(forged, DB_SALT)
    assert decoded.data == {"role": "teacher"}
    assert not decoded.verified
    assert any("signature" in error for error in decoded.errors)


def test_wrong_salt_does_not_verify() -> None:
    raw = SessionStore().encode({"a": 1})
    assert not decode(raw, SIGNED_COOKIES_SALT).verified


def test_fallback_key_is_named(settings: pytest.FixtureRequest) -> None:
    raw = signing.dumps({"a": 1}, key="old-key", salt=DB_SALT, compress=True)
    settings.SECRET_KEY_FALLBACKS = ["old-key"]
    assert decode(raw, DB_SALT).verified_with == "a fallback key"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "payload:timestamp:signature"),
        ("garbage", "payload:timestamp:signature"),
        ("!!!:1xV5:sig", "base64url"),
        (".eJzz:1xV5:sig", "decompress"),
        (signing.b64_encode(b"[1, 2]").decode() + ":1xV5:sig", "not an object"),
        (signing.b64_encode(b"{nope").decode() + ":1xV5:sig", "not valid JSON"),
        (signing.b64_encode(b"\xff\xfe").decode() + ":1xV5:sig", "UTF-8"),
        ("e30:%%%:sig", "timestamp"),
    ],
)
def test_damaged_values_say_what_is_wrong_and_never_raise(raw: str, message: str) -> None:
    decoded = decode(raw, DB_SALT)
    assert decoded.data is None or message == "timestamp"
    assert any(message in error for error in decoded.errors), decoded.errors
