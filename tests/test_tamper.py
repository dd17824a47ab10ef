"""The tamper lab: Django refuses what was changed, and plain Django does exactly the same."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from inspector import own_cookies
from inspector.engines import ENGINES
from inspector.masking import mask
from tests.html import attributes_by_id, text_by_id
from tests.session_client import COOKIE, HTMX, add, engine_cookie

pytestmark = pytest.mark.django_db

SIGNED = {"db", "cached_db", "file"}
#: How each engine's load is described: signed records verify, cache entries are not signed.
LOADED = {
    "db": ": the record's signature verifies.",
    "file": ": the record's signature verifies.",
    "signed_cookies": ": the cookie's signature verifies.",
    "cache": " from the cache entry, which is not signed",
    "cached_db": " from the cache entry, which is not signed",
}


def on(engine: str) -> Client:
    client = Client()
    client.cookies[own_cookies.ENGINE] = engine_cookie(engine)
    add(client, "name", "Sonam")
    return client


def one_character_changed(value: str) -> str:
    """A db key's last character, or a signed cookie's first payload character."""
    if ":" in value:
        return ("B" if value[0] != "B" else "C") + value[1:]
    return value[:-1] + ("x" if value[-1] != "x" else "y")


def happened(response) -> str:  # type: ignore[no-untyped-def]
    return text_by_id(response.content.decode(), "happened")


@pytest.mark.parametrize("engine", list(ENGINES))
def test_an_edited_cookie_gets_an_empty_session_and_leaves_the_old_one_untouched(
    engine: str,
) -> None:
    client = on(engine)
    original = client.cookies[COOKIE].value
    tampered = one_character_changed(original)
    response = client.post("/tamper/cookie", {"cookie": tampered}, **HTMX, follow=True)
    assert response.redirect_chain == [("/tamper/read?after=cookie", 303)]
    text = happened(response)
    assert "Your browser now holds the cookie value you typed" in text
    plain = ENGINES[engine].plain_store_class
    # Plain Django, given the same cookie, loads the same: nothing.
    assert list(plain(tampered).keys()) == []
    assert "[]" in text
    if engine == "signed_cookies":
        assert "without logging anything" in text
        assert "freshly signed cookie holding an empty session" in text
    else:
        assert "No record lives under that key" in text
        assert "deletes the cookie" in text
        assert f"Your own session ({mask(original)}) is untouched" in text
    # The old session is untouched: plain Django still loads it.
    assert plain(original).load() == {"name": "Sonam"}
    # Restore puts this browser's own cookie back, and Django loads it again.
    response = client.post("/tamper/restore", **HTMX, follow=True)
    assert f"Django loaded 1 key{LOADED[engine]}" in happened(response)
    assert client.cookies[COOKIE].value == original


@pytest.mark.parametrize("engine", sorted(SIGNED))
def test_a_changed_payload_with_its_signature_kept_is_refused_as_plain_django_refuses_it(
    engine: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = on(engine)
    key = client.cookies[COOKIE].value
    with caplog.at_level(logging.WARNING, logger="django.security"):
        response = client.post("/tamper/record", **HTMX, follow=True)
    text = happened(response)
    assert "Session data corrupted" in text
    assert "WARNING django.security.SuspiciousSession: Session data corrupted" in text
    assert "The session keeps its key and is not modified" in text
    assert [r.getMessage() for r in caplog.records] == ["Session data corrupted"]
    html = response.content.decode()
    assert text_by_id(html, "record-signature") == "does not verify"
    # The forged data is readable (signed, not encrypted), and refused all the same.
    assert text_by_id(html, "record-json") == '{"name":"Sonam","is_admin":true}'
    caplog.clear()
    plain = ENGINES[engine].plain_store_class(key)
    if engine == "cached_db":
        # The read above cached the empty dict: plain Django reads that first.
        from django.core.cache import caches

        caches["default"].delete("django.contrib.sessions.cached_db" + key)
    with caplog.at_level(logging.WARNING, logger="django.security"):
        assert plain.load() == {}
    assert [r.getMessage() for r in caplog.records] == ["Session data corrupted"]


@pytest.mark.parametrize("engine", ["cache", "signed_cookies"])
def test_where_no_signed_record_is_stored_the_control_is_absent_and_explained(
    engine: str,
) -> None:
    client = on(engine)
    html = client.get("/").content.decode()
    assert attributes_by_id(html, "tamper-record") is None
    response = client.post("/tamper/record", **HTMX)
    assert "Nothing was changed" in happened(response)
    assert ENGINES[engine].plain_store_class(client.cookies[COOKIE].value).load() == {
        "name": "Sonam"
    }


@pytest.mark.parametrize("engine", list(ENGINES))
def test_what_if_secret_key_changed(engine: str) -> None:
    client = on(engine)
    response = client.post("/tamper/secret-key", **HTMX)
    text = happened(response)
    if engine == "cache":
        assert "Nothing in a cache entry is signed" in text
        assert "get_user() checks _auth_user_hash" in text
        return
    assert "With a new SECRET_KEY alone: BadSignature" in text
    assert "With the old key in SECRET_KEY_FALLBACKS: it verifies" in text
    assert "no server setting was changed" in text
    # The record is still what it was.
    assert ENGINES[engine].plain_store_class(client.cookies[COOKIE].value).load() == {
        "name": "Sonam"
    }


def test_a_masked_value_stands_for_this_browsers_own_key() -> None:
    client = on("db")
    key = client.cookies[COOKIE].value
    html = client.get("/").content.decode()
    shown = attributes_by_id(html, "tamper-cookie")["value"]
    assert shown == mask(key)
    edited = shown[:-1] + ("x" if shown[-1] != "x" else "y")
    client.post("/tamper/cookie", {"cookie": edited})
    assert client.cookies[COOKIE].value == key[:-1] + edited[-1]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("has space", "A cookie value cannot hold ' '"),
        ("semi;colon", "A cookie value cannot hold ';'"),
        ("a…b…c", "Use “…” at most once"),
        ("x" * 4100, "A browser keeps at most 4,096 bytes"),
        ("", "Type a cookie value"),
    ],
)
def test_a_cookie_value_a_browser_would_not_keep_is_refused(value: str, message: str) -> None:
    client = on("db")
    key = client.cookies[COOKIE].value
    response = client.post("/tamper/cookie", {"cookie": value}, **HTMX)
    assert response.status_code == 200
    assert message in text_by_id(response.content.decode(), "tamper-cookie-error")
    assert client.cookies[COOKIE].value == key


def test_without_javascript_the_read_lands_on_the_page() -> None:
    client = on("file")
    response = client.post("/tamper/record", follow=True)
    assert [url for url, _ in response.redirect_chain] == ["/tamper/read?after=record", "/"]
    assert "Session data corrupted" in text_by_id(response.content.decode(), "happened")


@pytest.mark.parametrize("value", ["Sonam", "x" * 500])  # the second one compresses
def test_the_forged_payload_is_encoded_as_django_encodes_and_keeps_the_signature(
    value: str,
) -> None:
    from django.core import signing

    from inspector.decoding import DB_SALT, decode
    from inspector.engines.base import changed_payload

    signed = signing.dumps({"name": value}, salt=DB_SALT, compress=True)
    forged, what = changed_payload(signed)
    assert what == 'set "is_admin" to true'
    assert forged.split(":")[1:] == signed.split(":")[1:]
    assert forged.startswith(".") == signed.startswith(".")
    decoded = decode(forged, DB_SALT)
    assert not decoded.verified
    assert decoded.data == {"name": value, "is_admin": True}
    with pytest.raises(signing.BadSignature):
        signing.loads(forged, salt=DB_SALT)


def test_a_session_already_admin_is_forged_the_other_way() -> None:
    from django.core import signing

    from inspector.decoding import DB_SALT, decode
    from inspector.engines.base import changed_payload

    signed = signing.dumps({"is_admin": True}, salt=DB_SALT, compress=True)
    forged, what = changed_payload(signed)
    assert what == 'set "is_admin" to false'
    assert decode(forged, DB_SALT).data == {"is_admin": False}
    assert not decode(forged, DB_SALT).verified


@pytest.mark.parametrize("engine", ["db", "signed_cookies"])
def test_a_value_under_eight_characters_is_no_key_at_all(engine: str) -> None:
    client = on(engine)
    response = client.post("/tamper/cookie", {"cookie": "abcdefg"}, **HTMX, follow=True)
    text = happened(response)
    assert "shorter than 8 characters before loading anything" in text
    assert "SessionMiddleware deletes the cookie" in text
    # Nothing was read: no load in the storage operations.
    assert "load()" not in text_by_id(response.content.decode(), "operations-panel")


def test_a_signed_cookie_holding_no_keys_verifies() -> None:
    client = on("signed_cookies")
    client.post("/session/clear")
    empty = client.cookies[COOKIE].value
    response = client.post("/tamper/cookie", {"cookie": empty}, **HTMX, follow=True)
    text = happened(response)
    assert "Django loaded 0 keys: the cookie's signature verifies." in text
    assert "Django sends no cookie: the browser keeps it." in text


def test_restore_puts_back_the_first_cookie_not_a_later_tampered_one() -> None:
    client = on("signed_cookies")
    original = client.cookies[COOKIE].value
    client.post("/tamper/cookie", {"cookie": one_character_changed(original)}, follow=True)
    resigned = client.cookies[COOKIE].value
    assert resigned != original
    client.post("/tamper/cookie", {"cookie": one_character_changed(resigned)}, follow=True)
    client.post("/tamper/restore", follow=True)
    assert client.cookies[COOKIE].value == original
    assert int(client.cookies[own_cookies.UNTAMPERED]["max-age"]) == 0


def test_the_restore_cookie_never_outlives_the_session_it_restores() -> None:
    client = on("db")
    client.post("/expiry", {"mode": "seconds", "seconds": "30"})
    original = client.cookies[COOKIE].value
    response = client.post("/tamper/cookie", {"cookie": one_character_changed(original)})
    assert 0 < int(response.cookies[own_cookies.UNTAMPERED]["max-age"]) <= 30


def test_the_new_secret_key_check_on_cached_db_says_the_cache_is_read_first() -> None:
    client = on("cached_db")
    text = happened(client.post("/tamper/secret-key", **HTMX))
    assert "Django still reads each session's cache entry first, unsigned" in text


def test_head_on_the_read_step() -> None:
    client = on("db")
    assert client.head("/tamper/read").status_code < 400


def test_after_a_forged_payload_the_new_key_check_says_neither_verifies() -> None:
    client = on("file")
    client.post("/tamper/record", follow=True)
    text = happened(client.post("/tamper/secret-key", **HTMX))
    assert "does not verify with the current key either" in text
    assert "no server setting was changed" in text


def test_a_browser_close_session_is_kept_and_restored_as_one() -> None:
    client = on("db")
    client.post("/expiry", {"mode": "close"})
    original = client.cookies[COOKIE].value
    response = client.post("/tamper/cookie", {"cookie": one_character_changed(original)})
    # No Max-Age: both end with the browser, as the session cookie does.
    assert response.cookies[own_cookies.UNTAMPERED]["max-age"] == ""
    client.get(response["Location"])
    restored = client.post("/tamper/restore")
    assert restored.cookies[COOKIE].value == original
    assert restored.cookies[COOKIE]["max-age"] == ""


def test_an_expired_session_file_is_deleted_and_replaced_by_load() -> None:
    import os
    import time
    from pathlib import Path

    from django.conf import settings

    client = on("file")
    key = client.cookies[COOKIE].value
    path = Path(settings.SESSION_FILE_PATH) / f"{COOKIE}{key}"
    long_ago = time.time() - settings.SESSION_COOKIE_AGE - 60
    os.utime(path, (long_ago, long_ago))
    response = client.post("/tamper/cookie", {"cookie": key}, **HTMX, follow=True)
    text = happened(response)
    assert "load() deleted it and called create()" in text
    assert "sends the new key's cookie" in text
    assert not path.exists()
    assert client.cookies[COOKIE].value != key
