"""Hostile input as students type it: no 5xx, a clear message, nothing stored changes."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client

from inspector.decoding import SIGNED_COOKIES_SALT
from tests.html import text_by_id

pytestmark = pytest.mark.django_db

COOKIE = settings.SESSION_COOKIE_NAME
HTMX = {"HTTP_HX_REQUEST": "true"}
MB = 1024 * 1024


def add(key: object, value: object, kind: str = "text") -> Callable[[Client], object]:
    return lambda c: c.post("/session/add", {"key": key, "value": value, "type": kind}, **HTMX)


def edit(key: str, value: str, kind: str = "text") -> Callable[[Client], object]:
    data = {"edit-key": key, "edit-value": value, "edit-type": kind}
    return lambda c: c.post("/session/edit", data, **HTMX)


def delete(key: str) -> Callable[[Client], object]:
    return lambda c: c.post("/session/delete", {"key": key}, **HTMX)


def method(name: str, key: str = "", default: str = "") -> Callable[[Client], object]:
    data = {"method-method": name, "method-key": key, "method-default": default}
    return lambda c: c.post("/method", data, **HTMX)


def expiry(**data: str) -> Callable[[Client], object]:
    return lambda c: c.post("/expiry", data, **HTMX)


def engine(name: str) -> Callable[[Client], object]:
    return lambda c: c.post("/engine", {"engine": name}, **HTMX)


def csrf_checked(post: Callable[[Client], object], token: str | None) -> Callable[[Client], object]:
    def request(client: Client) -> object:
        strict = Client(enforce_csrf_checks=True)
        strict.cookies = client.cookies
        headers = {"HTTP_X_CSRFTOKEN": token} if token is not None else {}
        return strict.post(
            "/session/add", {"key": "k", "value": "v", "type": "text"}, **headers, **HTMX
        )

    return request


def many_fields(client: Client) -> object:
    body = "&".join(f"f{n}=x" for n in range(2000))
    return client.post(
        "/session/add", body, content_type="application/x-www-form-urlencoded", **HTMX
    )


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


def nested_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


MANY_KEYS = json.dumps({f"k{n}": n for n in range(150)})

# (case id, action, what the page must say)
REFUSED: list[tuple[str, Callable[[Client], object], str]] = [
    ("value of 1 MB", add("k", "x" * MB), "at most 2,000 characters"),
    ("value of 10 MB", add("k", "x" * 10 * MB), "larger than the 2.5 MB"),
    ("key of 1 MB", add("k" * MB, "v"), "at most 64 characters"),
    ("2,000 form fields", many_fields, "more than 1,000 fields"),
    ("150 keys at once via update", method("update", default=MANY_KEYS), "more than 25 keys"),
    ("JSON list nested 1,000 deep", add("k", nested(1000), "list"), "Nested too deeply"),
    ("JSON object nested 12 deep", add("k", nested_object(12), "object"), "Nested too deeply"),
    ("nested JSON in update", method("update", default=nested_object(300)), "Nested too deeply"),
    ("number 1e999", add("k", "1e999", "number"), "too large"),
    ("number -1e999", add("k", "-1e999", "number"), "too large"),
    ("NaN", add("k", "NaN", "number"), "NaN is not valid JSON"),
    ("Infinity inside a list", add("k", "[Infinity]", "list"), "Infinity is not valid JSON"),
    ("NUL in a key", add("a\x00b", "v"), "control characters"),
    ("NUL in a value", add("k", "v\x00"), "Null characters are not allowed"),
    ("escape character in a key", add("a\x1b[31m", "v"), "control characters"),
    ("newline in a key", add("a\nb", "v"), "control characters"),
    ("key of spaces", add("   ", "v"), "at least one visible character"),
    ("empty key", add("", "v"), "Enter a key"),
    ("invalid JSON", add("k", "{'a': 1}", "object"), "Not valid JSON"),
    ("JSON of the wrong type", add("k", '"text"', "number"), "not a number"),
    ("unknown value type", add("k", "v", "pickle"), "Select a valid choice"),
    ("reserved key: add", add("_auth_user_id", "1"), "belong to Django"),
    ("reserved key: edit", edit("_session_expiry", "-1", "number"), "belong to Django"),
    ("reserved key: delete", delete("_auth_user_hash"), "belong to Django"),
    ("edit a missing key", edit("ghost", "v"), "has no key 'ghost'"),
    ("delete a missing key", delete("ghost"), "has no key 'ghost'"),
    ("method del of a reserved key", method("del", "_auth_user_id"), "belong to Django"),
    ("method pop of a reserved key", method("pop", "_session_expiry"), "belong to Django"),
    ("method update of a reserved key", method("update", default='{"_x": 1}'), "belong to Django"),
    ("unknown method", method("__class__", "k"), "Select a valid choice"),
    ("default that is not JSON", method("get", "k", "not json"), "read as JSON"),
    ("negative expiry", expiry(mode="seconds", seconds="-10"), "at least 1 second"),
    ("overflowing expiry", expiry(mode="seconds", seconds="1" + "0" * 30), "one year"),
    ("non-numeric expiry", expiry(mode="seconds", seconds="1e3"), "whole number"),
    ("naive date in the past", expiry(mode="date", at="2020-01-01T00:00"), "has passed"),
    ("script as a date", expiry(mode="date", at="<script>alert(1)</script>"), "such as"),
    ("date in the year 9999", expiry(mode="date", at="9999-12-31T23:59:59"), "one year ahead"),
    ("unknown expiry mode", expiry(mode="forever"), "Choose one of the expiry buttons"),
    ("unknown engine", engine("mongodb"), "Unknown engine"),
    ("engine as a path", engine("../../etc/passwd"), "Unknown engine"),
    ("missing CSRF token", csrf_checked(add("k", "v"), None), "CSRF"),
    ("wrong CSRF token", csrf_checked(add("k", "v"), "x" * 64), "CSRF"),
]


def state(client: Client) -> tuple:
    """Everything stored: every session row, every session file, the browser's cookie."""
    files = sorted(
        (path.name, path.read_text())
        for path in Path(settings.SESSION_FILE_PATH).glob(f"{COOKIE}*")
    )
    rows = sorted(Session.objects.values_list("session_key", "session_data", "expire_date"))
    cookie = client.cookies[COOKIE].value if COOKIE in client.cookies else None
    return rows, files, cookie


@pytest.fixture
def student(client: Client) -> Client:
    add("name", "Sonam")(client)
    add("cart", '["apple"]', "list")(client)
    return client


@pytest.mark.parametrize(("case", "action", "message"), REFUSED, ids=[case[0] for case in REFUSED])
def test_refused_inputs(student: Client, case: str, action, message: str) -> None:
    before = state(student)
    response = action(student)
    assert response.status_code < 500, case
    assert message in html.unescape(response.content.decode()), case
    assert state(student) == before, case


def test_refused_requests_are_explained_without_javascript(student: Client) -> None:
    response = student.post("/session/add", {"key": "k", "value": "x" * 10 * MB, "type": "text"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<!doctype html>" in page
    assert "larger than the 2.5 MB" in page
    assert "Back to the page" in page


def test_htmx_refusals_land_in_what_just_happened(student: Client) -> None:
    response = csrf_checked(add("k", "v"), "x" * 64)(student)
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#happened"


# Cookies a student can forge by hand: each is read, explained, and changes nothing.


def forged_signed_cookie() -> str:
    payload = signing.b64_encode(b'{"_auth_user_id":"1"}').decode()
    return f"{payload}:1xVFTB:forged-signature"


COOKIES = [
    ("tampered key", "db", "a" * 32, "no record of"),
    ("garbage with markup", "db", '"><img src=x onerror=alert(1)>', "no record of"),
    ("oversized", "db", "k" * 5000, "no record of"),
    ("path in a file key", "file", "../../../etc/passwd", "no record of"),
    ("truncated signed cookie", "signed_cookies", None, "does not verify"),
    ("forged signed cookie", "signed_cookies", forged_signed_cookie(), "does not verify"),
    ("garbage signed cookie", "signed_cookies", "garbage-value", "Not in the payload:timestamp"),
    ("too short to be a key", "db", "short", "deleted the cookie"),
]


@pytest.mark.parametrize(("case", "name", "value", "message"), COOKIES, ids=[c[0] for c in COOKIES])
def test_forged_session_cookies(
    client: Client, case: str, name: str, value: str | None, message: str
) -> None:
    client.post("/engine", {"engine": name})
    if value is None:
        add("name", "Sonam")(client)
        value = client.cookies[COOKIE].value[:-10]
    client.cookies[COOKIE] = value
    before = state(client)
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200, case
    assert message in html.unescape(page), case
    assert "<img src=x" not in page
    # Django deletes a cookie too short to be a key; nothing stored may change.
    assert state(client)[:2] == before[:2]
    store = import_module(f"django.contrib.sessions.backends.{name}").SessionStore
    assert dict(store(value).load()) == {}, "Django must read a forged cookie as an empty session"
    if name == "signed_cookies":
        # The forged payload claims a login: the page shows it, Django does not believe it.
        assert "Not logged in" in text_by_id(page, "lab-panel")


# Inputs that are legitimate, however odd: stored exactly, shown escaped.

ACCEPTED = [
    ("script in key and value", "<script>alert(1)</script>", "<script>alert(1)</script>", "text"),
    ("attribute injection", '"><img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', "text"),
    ("markup inside JSON", "j", '{"<b>": "</textarea><script>alert(1)</script>"}', "object"),
    ("emoji and right-to-left text", "ключ 🔑 مفتاح", "значение ✓ \u202eevil", "text"),
    ("a 1,999-digit number", "big", "9" * 1999, "number"),
]


@pytest.mark.parametrize(("case", "key", "value", "kind"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_odd_but_valid_inputs_are_stored_exactly_and_escaped(
    client: Client, case: str, key: str, value: str, kind: str
) -> None:
    response = add(key, value, kind)(client)
    assert response.status_code == 200
    stored = dict(SessionStoreFor(client).load())
    expected = value if kind == "text" else json.loads(value)
    assert stored == {key: expected}
    for page in (response.content.decode(), client.get("/").content.decode()):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<svg onload" not in page


def SessionStoreFor(client: Client):
    from django.contrib.sessions.backends.db import SessionStore

    return SessionStore(client.cookies[COOKIE].value)


def test_signed_cookie_salt_differs_from_the_database_one() -> None:
    # A db row's data pasted in as a signed cookie must not verify.
    from django.contrib.sessions.backends.db import SessionStore

    raw = SessionStore().encode({"a": 1})
    with pytest.raises(signing.BadSignature):
        signing.loads(raw, salt=SIGNED_COOKIES_SALT)
