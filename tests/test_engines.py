"""Every engine end to end over HTTP, checked against Django's own backend as the oracle."""

from __future__ import annotations

import random
import string
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from inspector.decoding import SIGNED_COOKIES_SALT, decode
from inspector.engines import ENGINE_COOKIE, ENGINES
from tests.html import text_by_id
from tests.session_client import COOKIE, HTMX, add, engine_cookie, masked

pytestmark = pytest.mark.django_db

NAMES = list(ENGINES)


def browser_key(client: Client) -> str | None:
    morsel = client.cookies.get(COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def django_reads(engine: str, client: Client) -> dict:
    """What Django's own SessionStore for ``engine`` loads for the client's cookie."""
    store = import_module(f"django.contrib.sessions.backends.{engine}").SessionStore
    return dict(store(browser_key(client)).load())


def switch(client: Client, engine: str, **extra: str):
    return client.post("/engine", {"engine": engine}, **extra)


@pytest.mark.parametrize("engine", NAMES)
def test_every_action_on_every_engine(client: Client, engine: str) -> None:
    switch(client, engine)
    assert client.cookies[ENGINE_COOKIE].value == engine_cookie(engine)

    html = add(client, "name", "Sonam", **HTMX).content.decode()
    assert django_reads(engine, client) == {"name": "Sonam"}
    signed = engine == "signed_cookies"
    created, updated = (
        ("signed cookie created", "cookie re-signed")
        if signed
        else (
            "record created",
            "record updated",
        )
    )
    assert created in text_by_id(html, "happened")
    assert text_by_id(html, "engine-path") == f"django.contrib.sessions.backends.{engine}"

    html = add(client, "cart", '["apple"]', "list", **HTMX).content.decode()
    assert django_reads(engine, client) == {"name": "Sonam", "cart": ["apple"]}
    assert updated in text_by_id(html, "happened")

    client.post("/session/edit", {"edit-key": "name", "edit-value": "Pema", "edit-type": "text"})
    assert django_reads(engine, client)["name"] == "Pema"

    client.post("/session/delete", {"key": "cart"})
    assert django_reads(engine, client) == {"name": "Pema"}

    html = client.post("/session/clear", **HTMX).content.decode()
    assert django_reads(engine, client) == {}

    add(client, "again", "1")
    html = client.post("/session/flush", **HTMX).content.decode()
    assert browser_key(client) is None
    assert text_by_id(html, "record-none") is not None
    assert "cookie deleted" in text_by_id(html, "happened")


@pytest.mark.parametrize("engine", NAMES)
def test_the_panel_shows_exactly_what_is_stored(client: Client, engine: str) -> None:
    switch(client, engine)
    html = add(client, "name", "Sonam", **HTMX).content.decode()
    key = browser_key(client)
    shown = text_by_id(html, "record-data")
    if engine in {"db", "cached_db"}:
        assert shown == Session.objects.get(session_key=key).session_data
    if engine == "cached_db":
        assert cache.get("django.contrib.sessions.cached_db" + key) == {"name": "Sonam"}
        assert text_by_id(html, "record-companion") == "cache entry"
    if engine == "cache":
        assert cache.get("django.contrib.sessions.cache" + key) == {"name": "Sonam"}
        assert shown == "{'name': 'Sonam'}"
        assert "Not signed" in html
    if engine == "file":
        path = Path(settings.SESSION_FILE_PATH).resolve() / (COOKIE + key)
        assert text_by_id(html, "record-key") == masked(str(path), key)
        assert shown == path.read_text()
    if engine == "signed_cookies":
        # The cookie is the session: its signature is masked, so nobody can copy it.
        payload, timestamp, signature = key.split(":")
        assert shown == f"{payload}:{timestamp}:{masked(signature, signature)}"
        assert key not in html
        assert decode(key, SIGNED_COOKIES_SALT).data == {"name": "Sonam"}
        assert (
            "nothing is stored on the server" in html.replace("\n", " ")
            or "Nothing on the server" in html
        )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("db", "file"),
        ("file", "cache"),
        ("cache", "signed_cookies"),
        ("signed_cookies", "cached_db"),
        ("db", "cached_db"),
    ],
)
def test_switching_moves_the_keys_and_removes_the_old_record(
    client: Client, old: str, new: str
) -> None:
    switch(client, old)
    add(client, "name", "Sonam")
    add(client, "n", "2", "number")
    old_key = browser_key(client)
    html = switch(client, new, **HTMX).content.decode()
    assert django_reads(new, client) == {"name": "Sonam", "n": 2}
    happened = text_by_id(html, "happened")
    assert f"Switched from {old} to {new}" in happened
    assert "copied 2 keys" in happened
    if {old, new} == {"db", "cached_db"}:
        assert f"changing SESSION_ENGINE from {old} to {new} keeps everyone logged in" in happened
    else:
        assert f"changing SESSION_ENGINE from {old} to {new} logs everyone out" in happened
    if old != "signed_cookies":
        assert "deleted the old record" in happened
        store = import_module(f"django.contrib.sessions.backends.{old}").SessionStore
        assert not store().exists(old_key)
    assert text_by_id(html, "engine-path") == f"django.contrib.sessions.backends.{new}"


def test_an_empty_session_switches_without_creating_one(client: Client) -> None:
    response = switch(client, "file")
    assert response.status_code == 302
    assert COOKIE not in response.cookies
    html = client.get("/").content.decode()
    assert 'value="file" selected' in html


def test_unknown_engine_is_refused(client: Client) -> None:
    add(client, "a", "1")
    before = list(Session.objects.values_list("session_key", "session_data"))
    html = switch(client, "mongodb", **HTMX).content.decode()
    assert "Unknown engine" in text_by_id(html, "happened")
    assert list(Session.objects.values_list("session_key", "session_data")) == before
    assert (
        client.cookies.get(ENGINE_COOKIE) is None
        or client.cookies[ENGINE_COOKIE].value != "mongodb"
    )


def test_unknown_engine_cookie_falls_back_to_the_default(client: Client) -> None:
    client.cookies[ENGINE_COOKIE] = "../../etc"
    html = client.get("/").content.decode()
    assert text_by_id(html, "engine-path") == settings.SESSION_ENGINE


def test_signed_cookie_writes_over_the_browser_limit_are_refused(client: Client) -> None:
    switch(client, "signed_cookies")
    add(client, "a", "x")
    # Incompressible values, so zlib cannot keep the cookie small.
    alphabet = string.ascii_letters + string.digits
    values = ["".join(random.Random(n).choices(alphabet, k=1900)) for n in range(4)]
    refused = None
    for number, value in enumerate(values):
        cookie_before = browser_key(client)
        response = add(client, f"k{number}", value, **HTMX)
        html = response.content.decode()
        if "Refused" in text_by_id(html, "happened"):
            refused = number
            assert COOKIE not in response.cookies
            assert browser_key(client) == cookie_before
            assert "over the 4,096 a browser keeps" in html
            assert value in html  # the input stays in the form
            break
    assert refused is not None, "a 4 KB cookie was never refused"
    assert set(django_reads("signed_cookies", client)) == {"a"} | {f"k{n}" for n in range(refused)}


def test_file_engine_ignores_a_path_in_the_cookie(client: Client) -> None:
    switch(client, "file")
    client.cookies[COOKIE] = "../../../../etc/passwd"
    response = client.get("/")
    assert response.status_code == 200
    assert "root:" not in response.content.decode()
    add(client, "a", "1")
    assert django_reads("file", client) == {"a": "1"}


@pytest.mark.parametrize("engine", NAMES)
def test_a_tampered_cookie_or_record_is_explained(client: Client, engine: str) -> None:
    switch(client, engine)
    client.cookies[COOKIE] = (
        "e30:1xVFTB:not-a-signature" if engine == "signed_cookies" else "a" * 32
    )
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    if engine == "signed_cookies":
        assert "does not verify" in text_by_id(html, "record-signature")
    else:
        assert "no record of" in text_by_id(html, "record-none")


@pytest.mark.parametrize(("old", "new"), [("db", "cached_db"), ("cached_db", "db"), ("db", "file")])
def test_what_the_switch_sentence_says_plain_django_does(old: str, new: str) -> None:
    """A session saved under one SESSION_ENGINE, loaded under another: kept, or logged out."""
    saved = import_module(f"django.contrib.sessions.backends.{old}").SessionStore()
    saved["name"] = "Sonam"
    saved.save()
    loaded = import_module(f"django.contrib.sessions.backends.{new}").SessionStore(
        saved.session_key
    )
    kept = loaded.get("name") == "Sonam"
    assert kept == ({old, new} == {"db", "cached_db"})
