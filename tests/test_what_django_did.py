"""Sentences that were wrong before the inspector watched Django instead of re-reading stores."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.core.cache import caches
from django.core.checks import run_checks
from django.test import Client, override_settings
from django.utils import timezone

from inspector.engines import ENGINES
from tests.html import attributes_by_id, text_by_id
from tests.session_client import COOKIE, HTMX, add

pytestmark = pytest.mark.django_db


def on(engine: str) -> Client:
    client = Client()
    client.post("/engine", {"engine": engine})
    return client


def happened(response) -> str:
    return text_by_id(response.content.decode(), "happened") or ""


def test_cycle_key_on_signed_cookies_keeps_the_data() -> None:
    client = on("signed_cookies")
    add(client, "name", "Sonam")
    response = client.post("/session/cycle-key", **HTMX)
    value = response.cookies[COOKIE].value
    assert ENGINES["signed_cookies"].plain_store_class(value).load() == {"name": "Sonam"}
    assert "only saves again" in happened(response)


@pytest.mark.parametrize("engine", ["cache", "cached_db"])
def test_nothing_saved_is_not_reported_as_an_update(engine: str) -> None:
    client = on(engine)
    add(client, "cart", "[]", "list")
    time.sleep(1.1)  # the entry's time to live moves on: it must not count as a change
    response = client.post("/nested/append", **HTMX)
    assert "record unchanged" in happened(response)
    response = add(client, "_reserved", "x", **HTMX)  # refused
    assert "record unchanged" in happened(response)


def test_the_countdown_on_signed_cookies_follows_the_cookie() -> None:
    client = on("signed_cookies")
    add(client, "a", "1")
    response = client.post("/expiry", {"mode": "seconds", "seconds": "10"}, **HTMX)
    html = response.content.decode()
    assert str(response.cookies[COOKIE]["max-age"]) == "10"
    ends = int(attributes_by_id(html, "countdown")["data-expires-at"])
    assert abs(ends - (time.time() + 10)) < 3
    assert "ticket #19201" in text_by_id(html, "expiry-server-ends")


def test_a_numeric_expiry_on_files_says_the_file_never_expires() -> None:
    client = on("file")
    add(client, "a", "1")
    response = client.post("/expiry", {"mode": "seconds", "seconds": "10"}, **HTMX)
    html = response.content.decode()
    assert "never expires on the server" in happened(response)
    assert text_by_id(html, "expiry-server-ends").startswith("never")
    ends = int(attributes_by_id(html, "countdown")["data-expires-at"])
    assert abs(ends - (time.time() + 10)) < 3


def test_reading_an_expired_file_session_creates_and_deletes_nothing() -> None:
    client = on("file")
    add(client, "a", "1")
    folder = ENGINES["file"].directory
    path = ENGINES["file"].path_for(client.cookies[COOKIE].value)
    old = time.time() - 30 * 24 * 3600
    os.utime(path, (old, old))
    before = sorted(os.listdir(folder))
    response = client.get("/")
    assert sorted(os.listdir(folder)) == before
    assert COOKIE not in response.cookies
    assert "Expired" in text_by_id(response.content.decode(), "record-panel")


@pytest.mark.parametrize("engine", list(ENGINES))
def test_the_inspectors_own_reads_change_nothing(engine: str) -> None:
    client = on(engine)
    add(client, "a", "1")
    client.post("/expiry", {"mode": "seconds", "seconds": "100"})

    def state() -> object:
        rows = list(
            ENGINES["db"]
            .plain_store_class.get_model_class()
            .objects.values_list("session_key", "session_data", "expire_date")
        )
        folder = ENGINES["file"].directory
        files = sorted((name, os.stat(folder / name).st_mtime_ns) for name in os.listdir(folder))
        cache = caches["default"]
        entries = (
            (list(cache._cache.items()), dict(cache._expire_info))
            if hasattr(cache, "_expire_info")
            else None
        )
        return rows, files, entries

    before = state()
    for _ in range(2):
        client.get("/")
        client.get("/?edit=a")
        client.get("/?expired=1")
    assert state() == before


def test_the_expired_notice_checks_what_this_request_sent() -> None:
    client = on("db")
    add(client, "a", "1")
    from django.contrib.sessions.models import Session

    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/?expired=1", **HTMX)
    notice = text_by_id(response.content.decode(), "expired-notice")
    assert "sent none" not in notice
    assert "still sent the cookie" in notice

    fresh = Client()
    response = fresh.get("/?expired=1", **HTMX)
    assert "sent none" in text_by_id(response.content.decode(), "expired-notice")


def test_the_signature_line_names_the_real_salt_and_key() -> None:
    client = on("db")
    add(client, "a", "1")
    html = client.get("/").content.decode()
    assert "django.contrib.sessions.SessionStoresigner" in html
    assert "Its key is derived, not SECRET_KEY itself" in html


def test_switching_engines_shows_no_settings_assignment() -> None:
    client = on("db")
    add(client, "a", "1")
    response = client.post("/engine", {"engine": "file"}, **HTMX)
    text = happened(response)
    assert "settings.SESSION_ENGINE =" not in text
    assert "another SessionStore class" in text


class TestSystemCheck:
    MIDDLEWARE = "inspector.middleware.InspectorSessionMiddleware"
    AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
    DJANGO = "django.contrib.sessions.middleware.SessionMiddleware"

    def ids(self) -> set[str]:
        return {message.id for message in run_checks() if message.id.startswith("inspector.")}

    def test_the_projects_settings_pass(self) -> None:
        assert self.ids() == set()

    def test_missing(self) -> None:
        with override_settings(MIDDLEWARE=[self.DJANGO, self.AUTH]):
            assert self.ids() == {"inspector.W001"}

    def test_beside_djangos_own(self) -> None:
        with override_settings(MIDDLEWARE=[self.DJANGO, self.MIDDLEWARE, self.AUTH]):
            assert self.ids() == {"inspector.W002"}

    def test_in_the_wrong_place(self) -> None:
        with override_settings(MIDDLEWARE=[self.AUTH, self.MIDDLEWARE]):
            assert self.ids() == {"inspector.W003"}
