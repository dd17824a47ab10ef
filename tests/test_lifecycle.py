"""The lifecycle lab over HTTP: expiry, key rotation, login, the test cookie, the dict methods."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from inspector.demo import DEMO_USERNAME
from tests.html import attributes_by_id, text_by_id
from tests.session_client import COOKIE, HTMX, add, all_rows, masked, stored

pytestmark = pytest.mark.django_db


def expiry(client: Client, **data: str):
    return client.post("/expiry", data, **HTMX)


def method(client: Client, name: str, key: str = "", default: str = ""):
    data = {"method-method": name, "method-key": key, "method-default": default}
    return client.post("/method", data, **HTMX)


def happened(response) -> str:
    return text_by_id(response.content.decode(), "happened")


# Expiry


def test_expire_after_seconds_sets_max_age_and_the_rows_expiry(client: Client) -> None:
    add(client, "a", "1")
    response = expiry(client, mode="seconds", seconds="10")
    morsel = response.cookies[COOKIE]
    assert str(morsel["max-age"]) == "10"
    assert stored(client)["_session_expiry"] == 10
    row = Session.objects.get()
    assert abs((row.expire_date - timezone.now()).total_seconds() - 10) < 3
    html = response.content.decode()
    assert "request.session.set_expiry(10)" in happened(response)
    assert text_by_id(html, "expiry-custom").startswith("10")
    assert "data-expires-at" in html


def test_expire_at_a_date_is_read_as_utc(client: Client) -> None:
    add(client, "a", "1")
    when = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    response = expiry(client, mode="date", at=when.isoformat(timespec="minutes"))
    custom = stored(client)["_session_expiry"]
    assert dt.datetime.fromisoformat(custom) == when.replace(second=0, tzinfo=dt.UTC)
    assert Session.objects.get().expire_date == when.replace(second=0, tzinfo=dt.UTC)
    assert "set_expiry(datetime.fromisoformat(" in happened(response)


def test_at_browser_close_drops_max_age_and_expires(client: Client) -> None:
    add(client, "a", "1")
    response = expiry(client, mode="close")
    morsel = response.cookies[COOKIE]
    assert morsel["max-age"] == ""
    assert morsel["expires"] == ""
    assert stored(client)["_session_expiry"] == 0
    assert text_by_id(response.content.decode(), "expiry-close") == "True"
    # The row still has an expiry: the server does not know when a browser closes.
    row = Session.objects.get()
    assert row.expire_date > timezone.now() + dt.timedelta(days=13)


def test_default_removes_the_custom_expiry(client: Client) -> None:
    add(client, "a", "1")
    expiry(client, mode="seconds", seconds="10")
    response = expiry(client, mode="default")
    assert "_session_expiry" not in stored(client)
    assert str(response.cookies[COOKIE]["max-age"]) == str(settings.SESSION_COOKIE_AGE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "seconds", "seconds": "-5"}, "at least 1 second"),
        ({"mode": "seconds", "seconds": "0"}, "at browser close"),
        ({"mode": "seconds", "seconds": "99999999999999999999"}, "one year"),
        ({"mode": "seconds", "seconds": "ten"}, "whole number"),
        ({"mode": "seconds", "seconds": ""}, "Enter a number of seconds"),
        ({"mode": "date", "at": "yesterday"}, "such as 2026-12-01 09:30:00"),
        ({"mode": "date", "at": "2001-01-01T00:00"}, "has passed"),
        ({"mode": "date", "at": "9999-12-31T23:59"}, "one year ahead"),
        ({"mode": "date", "at": ""}, "Enter a date and time"),
        ({"mode": "forever"}, "Choose one of the expiry buttons"),
    ],
)
def test_bad_expiry_values_change_nothing(client: Client, data: dict, message: str) -> None:
    add(client, "a", "1")
    before = all_rows()
    response = expiry(client, **data)
    assert response.status_code == 200
    assert message in text_by_id(response.content.decode(), "expiry-panel")
    assert "Nothing was changed" in happened(response)
    assert all_rows() == before


def test_an_expired_row_stays_stored_but_this_browser_no_longer_shows_it(
    client: Client,
) -> None:
    add(client, "a", "1")
    key = client.cookies[COOKIE].value
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    # A browser would have dropped the cookie at its Max-Age.
    del client.cookies[COOKIE]
    html = client.get("/", {"expired": "1"}, **HTMX).content.decode()
    assert "No session yet: your browser sent no session cookie" in html
    assert "The expiry passed" in text_by_id(html, "happened")
    assert "The row stays stored, expired, until clear_expired()" in text_by_id(html, "happened")
    # Nothing of the old session is shown: this browser may be someone else's now.
    assert key not in html
    assert attributes_by_id(html, "leftover") is None
    assert Session.objects.filter(pk=key).exists()


def test_clear_expired_sessions_removes_expired_rows_only(client: Client) -> None:
    add(client, "a", "1")
    live_key = client.cookies[COOKIE].value
    other = Client()
    add(other, "b", "2")
    Session.objects.filter(pk=other.cookies[COOKIE].value).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.post("/expiry/clear-expired", **HTMX)
    assert "clear_expired() returned None" in happened(response)
    assert "removed 1 expired row" in happened(response)
    assert list(Session.objects.values_list("pk", flat=True)) == [live_key]


@pytest.mark.parametrize(
    ("engine", "reason"),
    [("cache", "carries a timeout"), ("signed_cookies", "store nothing on the server")],
)
def test_clear_expired_says_why_an_engine_cannot(client: Client, engine: str, reason: str) -> None:
    client.post("/engine", {"engine": engine})
    response = client.post("/expiry/clear-expired", **HTMX)
    assert reason in happened(response)


def test_clear_expired_on_files(client: Client) -> None:
    client.post("/engine", {"engine": "file"})
    add(client, "a", "1")
    path = os.path.join(settings.SESSION_FILE_PATH, COOKIE + client.cookies[COOKIE].value)
    # The file engine dates a session by its file's modification time.
    old = timezone.now().timestamp() - settings.SESSION_COOKIE_AGE - 60
    os.utime(path, (old, old))
    response = client.post("/expiry/clear-expired", **HTMX)
    assert "removed" in happened(response)
    assert not os.path.exists(path)


# Key rotation and login


def test_cycle_key_keeps_the_data_under_a_new_key(client: Client) -> None:
    add(client, "a", "1")
    old = client.cookies[COOKIE].value
    response = client.post("/session/cycle-key", **HTMX)
    new = client.cookies[COOKIE].value
    assert new != old
    assert not Session.objects.filter(pk=old).exists()
    assert stored(client) == {"a": "1"}
    text = happened(response)
    assert "session fixation" in text
    assert "old record deleted, new one created under a new key" in text
    assert f"Key changed: {masked(old, old)} → {masked(new, new)}" in text
    assert old not in text
    assert new not in text


def test_login_rotates_the_key_and_stores_the_auth_keys_read_only(client: Client) -> None:
    add(client, "a", "1")
    old = client.cookies[COOKIE].value
    response = client.post("/login", **HTMX)
    data = stored(client)
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    assert not user.is_staff
    assert not user.is_superuser
    assert data["_auth_user_id"] == str(user.pk)
    assert data["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    assert "_auth_user_hash" in data
    assert client.cookies[COOKIE].value != old
    html = response.content.decode()
    assert "Logged in as demo" in text_by_id(html, "lab-panel")
    # The auth keys are shown, never editable.
    for key in ("_auth_user_id", "_auth_user_backend", "_auth_user_hash"):
        assert f'aria-label="Edit {key}"' not in html
        assert f'aria-label="Delete {key}"' not in html
    # Login rotates the CSRF token; the re-rendered forms carry the new one.
    assert response.cookies["csrftoken"].value


def test_logout_flushes(client: Client) -> None:
    client.post("/login")
    key = client.cookies[COOKIE].value
    response = client.post("/logout", **HTMX)
    assert not Session.objects.filter(pk=key).exists()
    assert response.cookies[COOKIE].value == ""
    assert "logout() calls flush()" in happened(response)


# Test cookie


def test_the_test_cookie_flow(client: Client) -> None:
    response = client.post("/test-cookie/check", **HTMX)
    assert "False" in text_by_id(response.content.decode(), "result")
    client.post("/test-cookie/set")
    assert stored(client) == {"testcookie": "worked"}
    response = client.post("/test-cookie/check", **HTMX)
    assert text_by_id(response.content.decode(), "result") == "True"
    assert 'data-key="testcookie"' in response.content.decode()
    client.post("/test-cookie/delete")
    assert stored(client) == {}
    response = client.post("/test-cookie/delete", **HTMX)
    assert text_by_id(response.content.decode(), "result") == "KeyError: 'testcookie'"


# Dict methods


@pytest.mark.parametrize(
    ("name", "key", "default", "expression", "result", "after"),
    [
        ("get", "name", "", "request.session.get('name')", "'Sonam'", {"name": "Sonam"}),
        ("get", "nope", '"x"', "request.session.get('nope', 'x')", "'x'", {"name": "Sonam"}),
        ("in", "name", "", "'name' in request.session", "True", {"name": "Sonam"}),
        ("keys", "", "", "request.session.keys()", "dict_keys(['name'])", {"name": "Sonam"}),
        ("values", "", "", "request.session.values()", "dict_values(['Sonam'])", {"name": "Sonam"}),
        (
            "items",
            "",
            "",
            "request.session.items()",
            "dict_items([('name', 'Sonam')])",
            {"name": "Sonam"},
        ),
        (
            "setdefault",
            "n",
            "1",
            "request.session.setdefault('n', 1)",
            "1",
            {"name": "Sonam", "n": 1},
        ),
        (
            "setdefault",
            "name",
            '"x"',
            "request.session.setdefault('name', 'x')",
            "'Sonam'",
            {"name": "Sonam"},
        ),
        ("pop", "name", "", "request.session.pop('name')", "'Sonam'", {}),
        ("pop", "nope", "", "request.session.pop('nope')", "KeyError: 'nope'", {"name": "Sonam"}),
        ("pop", "nope", "0", "request.session.pop('nope', 0)", "0", {"name": "Sonam"}),
        (
            "update",
            "",
            '{"a": [1]}',
            "request.session.update({'a': [1]})",
            "None",
            {"name": "Sonam", "a": [1]},
        ),
        ("del", "name", "", "del request.session['name']", "None", {}),
        ("del", "nope", "", "del request.session['nope']", "KeyError: 'nope'", {"name": "Sonam"}),
    ],
)
def test_dict_methods(
    client: Client, name: str, key: str, default: str, expression: str, result: str, after: dict
) -> None:
    add(client, "name", "Sonam")
    response = method(client, name, key, default)
    html = response.content.decode()
    assert expression in happened(response)
    assert text_by_id(html, "result") == result
    assert stored(client) == after
    flags = text_by_id(html, "flags")
    assert (
        flags == (f"session.modified = {after != {'name': 'Sonam'}}, session.accessed = True")
        or name == "setdefault"
    )
    # The form keeps what was typed, for the next run.
    assert f'value="{key}"' in html


@pytest.mark.parametrize(
    ("name", "key", "default", "message"),
    [
        ("pop", "_auth_user_id", "", "belong to Django"),
        ("del", "_session_expiry", "", "belong to Django"),
        ("setdefault", "", "", "at least one visible character"),
        ("update", "", "[1, 2]", "JSON object"),
        ("update", "", '{"_x": 1}', "belong to Django"),
        ("get", "k", "not json", "Default is read as JSON"),
        ("teleport", "k", "", "Select a valid choice"),
    ],
)
def test_dict_method_refusals_change_nothing(
    client: Client, name: str, key: str, default: str, message: str
) -> None:
    add(client, "name", "Sonam")
    before = all_rows()
    response = method(client, name, key, default)
    assert message in text_by_id(response.content.decode(), "method-form")
    assert all_rows() == before


def test_reading_a_django_key_is_allowed(client: Client) -> None:
    client.post("/login")
    response = method(client, "get", "_auth_user_backend")
    assert "ModelBackend" in text_by_id(response.content.decode(), "result")


# The nested-mutation pitfall


def test_appending_in_place_saves_nothing_until_modified_is_set(client: Client) -> None:
    add(client, "cart", "[]", "list")
    before = all_rows()
    response = client.post("/nested/append", **HTMX)
    assert "saved nothing" in happened(response)
    assert "session.modified = False" in text_by_id(response.content.decode(), "flags")
    assert all_rows() == before
    assert stored(client) == {"cart": []}

    response = client.post("/nested/append-modified", **HTMX)
    assert stored(client) == {"cart": ["apple"]}
    assert "session.modified = True" in text_by_id(response.content.decode(), "flags")


def test_append_needs_a_list(client: Client) -> None:
    add(client, "cart", "not a list")
    response = client.post("/nested/append", **HTMX)
    assert "First add a list" in happened(response)
