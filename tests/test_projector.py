"""What a class hit on the projector (issue 9), checked against plain Django where it can be."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from inspector.demo import NESTED_ITEM, NESTED_KEY
from inspector.forms import ExpiryForm
from inspector.preferences import PRESENTER_COOKIE
from tests.html import text_by_id
from tests.session_client import COOKIE, HTMX, add, stored

pytestmark = pytest.mark.django_db


def page(client: Client, **params: str) -> str:
    return client.get("/", params).content.decode()


def strip(html: str) -> list[str]:
    """The panels the "What changed" strip names, in order."""
    part = html[html.index('id="changed-strip"') :]
    return re.findall(r'<li><a href="#[a-z]+-panel">([^<]+)</a></li>', part[: part.index("</nav>")])


# The session table


def test_the_heading_counts_every_row_it_sits_above(client: Client) -> None:
    add(client, "name", "Sonam")
    client.post("/login", **HTMX)
    html = page(client)
    assert text_by_id(html, "keys").startswith(
        "4 keys in the session, 3 of them Django\N{RIGHT SINGLE QUOTATION MARK}s own (read-only)"
    )


def test_append_without_modified_shows_what_the_next_request_loads(client: Client) -> None:
    add(client, NESTED_KEY, "[]", "list")
    response = client.post("/nested/append", **HTMX)
    html = response.content.decode()
    row = text_by_id(html, "keys")
    assert "In memory only: Django did not save it. The next request loads []" in row
    assert 'class="flash-unsaved"' in html
    assert f"{NESTED_KEY} changed in memory, not saved" in text_by_id(html, "happened")
    # Plain Django: the stored record has the old list, and that is what the next request gets.
    assert stored(client) == {NESTED_KEY: []}
    next_store = SessionStore(client.cookies[COOKIE].value)
    assert next_store[NESTED_KEY] == []
    assert f"[{NESTED_ITEM!r}]" not in text_by_id(page(client), "keys")

    # With modified = True it is a saved change like any other.
    html = client.post("/nested/append-modified", **HTMX).content.decode()
    assert "flash-unsaved" not in html
    assert 'class="flash-changed"' in html
    assert stored(client) == {NESTED_KEY: [NESTED_ITEM]}


# Expiry


def test_no_session_shows_no_expiry_date(client: Client) -> None:
    html = page(client)
    assert "No session, so nothing expires yet" in text_by_id(html, "expiry-none")
    assert text_by_id(html, "expiry-date") is None
    assert text_by_id(html, "countdown") is None

    add(client, "a", "1")
    assert text_by_id(page(client), "expiry-date") is not None
    client.post("/session/flush", **HTMX)
    assert text_by_id(page(client), "expiry-date") is None


def test_expire_at_is_written_and_read_in_utc(client: Client) -> None:
    html = page(client)
    field = text_by_id(html, "expiry-at-help")
    assert "UTC" in field
    assert "YYYY-MM-DD HH:MM:SS" in field
    assert 'type="datetime-local"' not in html
    # The suggested moment is an hour ahead in UTC, in the form the field asks for.
    suggested = dt.datetime.strptime(ExpiryForm.suggested()["at"], ExpiryForm.AT_FORMAT)
    ahead = suggested.replace(tzinfo=dt.UTC) - timezone.now()
    assert dt.timedelta(minutes=59) < ahead <= dt.timedelta(hours=1)

    add(client, "a", "1")
    when = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    client.post("/expiry", {"mode": "date", "at": when.strftime("%Y-%m-%d %H:%M:%S")}, **HTMX)
    assert Session.objects.get().expire_date == when


# The cookie that deletes the session


def test_the_deletion_cookie_says_why_it_is_not_httponly(client: Client) -> None:
    add(client, "a", "1")
    html = client.post("/session/flush", **HTMX).content.decode()
    attributes = text_by_id(html, "cookie-attributes")
    assert "HttpOnlyno: delete_cookie() never sets it" in attributes
    # Plain Django deletes the cookie the same way: no HttpOnly on it.
    plain = SessionStore()
    plain["a"] = 1
    plain.save()
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE] = plain.session_key
    middleware = SessionMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    request.session.flush()
    response = middleware.process_response(request, HttpResponse())
    morsel = response.cookies[settings.SESSION_COOKIE_NAME]
    assert str(morsel["max-age"]) == "0"
    assert not morsel["httponly"]


# After an expiry, without JavaScript


def test_a_reload_after_the_cookie_ended_says_so(client: Client) -> None:
    add(client, "a", "1", **HTMX)
    key = client.cookies[COOKIE].value
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    del client.cookies[COOKIE]  # the browser dropped it at its Max-Age
    html = page(client)
    idle = text_by_id(html, "happened-idle")
    assert idle.startswith("Your browser sent no session cookie: the last one ended")
    assert "Nothing yet" not in idle
    assert text_by_id(html, "leftover") == "Your previous session is still stored"


def test_a_first_visit_says_why_nothing_happened_yet(client: Client) -> None:
    assert "Your browser sent no session cookie" in text_by_id(page(client), "happened-idle")


# What changed


def test_the_strip_names_each_panel_the_action_changed(client: Client) -> None:
    assert strip(page(client)) == []
    assert "nothing yet" in text_by_id(page(client), "changed-strip")
    html = add(client, "a", "1", **HTMX).content.decode()
    assert strip(html) == [
        "Your session",
        "What just happened",
        "Cookie",
        "Expiry",
        "Stored record",
        "Storage operations",
    ]
    assert 'href="#record-panel"' in html
    # Reading a key changes nothing stored: Django loads the session and sends no cookie.
    html = client.post(
        "/method", {"method-method": "get", "method-key": "a", "method-default": ""}, **HTMX
    ).content.decode()
    assert strip(html) == ["What just happened", "Storage operations"]
    assert 'id="cookie-panel" class="panel"' in html


# Presenter


def test_presenter_is_a_signed_choice_of_this_browser(client: Client) -> None:
    assert 'class="presenter"' not in page(client)
    response = client.post("/presenter")
    assert response.status_code == 303
    cookie = response.cookies[PRESENTER_COOKIE]
    assert cookie["httponly"]
    assert cookie.value != "on"
    html = page(client)
    assert '<html lang="en" class="presenter">' in html
    assert 'aria-pressed="true"' in html
    # The inspected session is untouched: no session cookie, nothing stored.
    assert COOKIE not in client.cookies or not client.cookies[COOKIE].value
    assert Session.objects.count() == 0

    client.post("/presenter")
    assert 'class="presenter"' not in page(client)


@pytest.mark.parametrize("value", ["on", "on:forged", "", "x" * 5000, "\x00"])
def test_a_forged_presenter_cookie_is_ignored(client: Client, value: str) -> None:
    client.cookies[PRESENTER_COOKIE] = value
    response = client.get("/")
    assert response.status_code == 200
    assert 'class="presenter"' not in response.content.decode()
