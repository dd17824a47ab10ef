"""What a class hit on the projector (issue 9), checked against plain Django where it can be."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from inspector.demo import NESTED_ITEM, NESTED_KEY
from inspector.engines import ENGINE_COOKIE
from inspector.forms import ExpiryForm
from inspector.inspection import CookieOutcome
from inspector.panels import PANELS
from inspector.preferences import PRESENTER_COOKIE
from tests.html import text_by_id
from tests.session_client import COOKIE, HTMX, add, engine_cookie, stored

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
    assert idle.startswith("Nothing yet. Your browser sent no session cookie")
    # No inspector cookie outlives the session cookie: the old session is not shown.
    assert "leftover" not in html


def test_a_first_visit_says_why_nothing_happened_yet(client: Client) -> None:
    assert "Your browser sent no session cookie" in text_by_id(page(client), "happened-idle")


# What changed


def test_the_strip_names_each_panel_the_action_changed(client: Client) -> None:
    assert strip(page(client)) == []
    assert "nothing yet" in text_by_id(page(client), "changed-strip")
    html = add(client, "a", "1", **HTMX).content.decode()
    assert strip(html) == [panel.title for panel in PANELS]
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


# What fresh eyes found


def test_unsaved_without_javascript_says_the_memory_is_gone(client: Client) -> None:
    add(client, NESTED_KEY, "[]", "list")
    html = client.post("/nested/append", follow=True).content.decode()
    row = text_by_id(html, "keys")
    # The page after the redirect loads nothing: it shows the stored value, and says so.
    assert "The last action changed it in memory only. Django saved nothing" in row
    assert "In memory only" not in row
    assert f"{NESTED_ITEM!r}" not in row


@pytest.mark.parametrize("engine", ["db", "signed_cookies"])
def test_a_record_django_refuses_is_no_session_to_expire(client: Client, engine: str) -> None:
    client.cookies[ENGINE_COOKIE] = engine_cookie(engine)
    add(client, "a", "1", **HTMX)
    if engine == "db":
        key = client.cookies[COOKIE].value
        past = timezone.now() - dt.timedelta(seconds=1)
        Session.objects.filter(pk=key).update(expire_date=past)
    else:
        client.cookies[COOKIE] = client.cookies[COOKIE].value[:-3] + "abc"  # tampered
    html = page(client)
    assert text_by_id(html, "expiry-none").startswith("No session Django would load")
    assert text_by_id(html, "countdown") is None
    assert text_by_id(html, "expiry-date") is None


def test_signed_cookies_say_set_expiry_cannot_lengthen_them(client: Client) -> None:
    client.cookies[ENGINE_COOKIE] = engine_cookie("signed_cookies")
    assert "ticket #19201" in text_by_id(page(client), "expiry-none")
    client.cookies[ENGINE_COOKIE] = engine_cookie("db")
    assert "unless set_expiry() says otherwise" in text_by_id(page(client), "expiry-none")


def test_max_age_zero_from_set_cookie_is_not_a_deletion() -> None:
    """Django sends Max-Age=0 with the key when the expiry is under a second away."""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.session["a"] = 1
    response = HttpResponse()
    response.set_cookie(COOKIE, "k" * 32, max_age=0, httponly=True)
    outcome = CookieOutcome.from_response(request, response)
    assert outcome.kind == "set"
    assert "Max-Age is 0 and the browser drops it at once" in outcome.reason
    assert ("HttpOnly", "yes") in outcome.attributes
    assert ("Secure", "no") in outcome.attributes
    soon = (timezone.now() + dt.timedelta(milliseconds=500)).strftime(ExpiryForm.AT_FORMAT)
    form = ExpiryForm({"mode": "date", "at": soon})
    assert not form.is_valid()
    assert "under a second away" in form.errors["at"][0]


def test_a_reload_after_a_signed_cookie_ended_says_so(client: Client) -> None:
    client.cookies[ENGINE_COOKIE] = engine_cookie("signed_cookies")
    add(client, "a", "1", **HTMX)
    del client.cookies[COOKIE]
    idle = text_by_id(page(client), "happened-idle")
    assert idle.startswith("Nothing yet. Your browser sent no session cookie")


def test_opening_an_edit_row_keeps_the_last_actions_marks(client: Client) -> None:
    add(client, "name", "Sonam", **HTMX)
    add(client, "city", "Thimphu", **HTMX)
    html = client.post("/session/delete", {"key": "name"}, **HTMX).content.decode()
    token = re.search(r'name="marks" value="([^"]+)"', html).group(1)
    html = client.get("/", {"edit": "city", "marks": token}, **HTMX).content.decode()
    assert 'class="editing"' in html
    assert '<tr class="flash-removed" data-key="name">' in html
    assert 'id="session-panel" class="panel changed"' in html
    # Cancel draws the table again, still marked; the other panels are not sent.
    cancel = re.search(r'hx-get="/\?marks=([^"]*)"', html).group(1)
    html = client.get(f"/?marks={cancel}", **HTMX).content.decode()
    assert '<tr class="flash-removed" data-key="name">' in html
    assert 'class="editing"' not in html
    assert 'id="header"' not in html
    # Marks that do not verify draw nothing, and break nothing.
    for forged in ('{"name": "added"}', token[:-2] + "xx", "", "\x00" * 50):
        response = client.get("/", {"edit": "city", "marks": forged}, **HTMX)
        assert response.status_code == 200
        assert "flash-" not in response.content.decode()
    # An old link marks nothing once the record has moved on.
    add(client, "more", "1", **HTMX)
    html = client.get("/", {"edit": "city", "marks": token}, **HTMX).content.decode()
    assert "flash-" not in html


def test_cached_db_reads_the_cache_before_a_refused_row(client: Client) -> None:
    client.cookies[ENGINE_COOKIE] = engine_cookie("cached_db")
    add(client, "a", "1", **HTMX)
    key = client.cookies[COOKIE].value
    row = Session.objects.get(pk=key)
    Session.objects.filter(pk=key).update(session_data="x" + row.session_data)
    # Plain Django: the cache entry is read first, so the session still loads.
    assert cached_db.SessionStore(key).load() == {"a": "1"}
    html = page(client)
    assert text_by_id(html, "expiry-none") is None
    assert 'data-key="a"' in html
    assert "Django does not read this row while the cache entry lasts" in text_by_id(
        html, "record-warning"
    )


def test_a_negative_max_age_is_explained() -> None:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.session["a"] = 1
    response = HttpResponse()
    response.set_cookie(COOKIE, "k" * 32, max_age=-1)
    outcome = CookieOutcome.from_response(request, response)
    assert outcome.kind == "set"
    assert "Max-Age is -1 and the browser drops it at once" in outcome.reason
