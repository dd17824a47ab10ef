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
from tests.session_client import COOKIE, HTMX, add, engine_cookie

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
    HTMX = "django_htmx.middleware.HtmxMiddleware"

    def ids(self) -> set[str]:
        return {message.id for message in run_checks() if message.id.startswith("inspector.")}

    def test_the_projects_settings_pass(self) -> None:
        assert self.ids() == set()

    def test_missing(self) -> None:
        with override_settings(MIDDLEWARE=[self.DJANGO, self.AUTH, self.HTMX]):
            assert self.ids() == {"inspector.W001"}

    def test_beside_djangos_own(self) -> None:
        with override_settings(MIDDLEWARE=[self.DJANGO, self.MIDDLEWARE, self.AUTH, self.HTMX]):
            assert self.ids() == {"inspector.W002"}

    def test_in_the_wrong_place(self) -> None:
        with override_settings(MIDDLEWARE=[self.AUTH, self.MIDDLEWARE, self.HTMX]):
            assert self.ids() == {"inspector.W003"}


def test_a_second_login_keeps_the_key_and_says_so() -> None:
    client = on("db")
    client.post("/login")
    key = client.cookies[COOKIE].value
    response = client.post("/login", **HTMX)
    assert "found the same user already logged in" in happened(response)
    assert "cycle_key(), a new key" not in happened(response)
    assert response.cookies[COOKIE].value == key


def test_flush_deletes_an_expired_row_but_logout_finds_none_to_delete() -> None:
    from django.contrib.sessions.models import Session

    # flush() does not load: delete() looks the row up by key alone, expired or not.
    client = on("db")
    add(client, "a", "1")
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.post("/session/flush", **HTMX)
    assert "the record is deleted" in happened(response)
    assert Session.objects.count() == 0

    # logout() reads the user first: that load finds the row expired and drops the key,
    # so flush() has no key to delete; the expired row stays until clear_expired().
    client = on("db")
    client.post("/login")
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.post("/logout", **HTMX)
    assert "Nothing was deleted from the store" in happened(response)
    assert Session.objects.count() == 1


def test_logging_out_of_an_expired_file_session_leaves_nothing_and_says_deleted() -> None:
    client = on("file")
    client.post("/login")
    path = ENGINES["file"].path_for(client.cookies[COOKIE].value)
    old = time.time() - 30 * 24 * 3600
    os.utime(path, (old, old))
    before = set(os.listdir(ENGINES["file"].directory))
    response = client.post("/logout", **HTMX)
    assert set(os.listdir(ENGINES["file"].directory)) == before - {path.name}
    assert "record deleted" in happened(response)


def test_clear_expired_deleting_this_sessions_own_row_says_so() -> None:
    from django.contrib.sessions.models import Session

    client = on("db")
    add(client, "a", "1")
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.post("/expiry/clear-expired", **HTMX)
    assert "record deleted" in happened(response)
    operations = text_by_id(response.content.decode(), "operations")
    assert "clear_expired(): save()" not in operations


def test_a_signed_cookie_expiry_past_the_cookie_age_counts_down_to_the_cookie_age() -> None:
    from django.conf import settings

    client = on("signed_cookies")
    add(client, "a", "1")
    response = client.post("/expiry", {"mode": "seconds", "seconds": "31536000"}, **HTMX)
    ends = int(attributes_by_id(response.content.decode(), "countdown")["data-expires-at"])
    assert abs(ends - (time.time() + settings.SESSION_COOKIE_AGE)) < 3
    assert "refuses the cookie" in happened(response)


@pytest.mark.parametrize(
    ("engine", "sentence"),
    [
        ("db", "The row stays stored, expired, until clear_expired() removes it."),
        ("cache", "clear_expired() does nothing here"),
        ("file", "with a number in _session_expiry it never expires"),
        ("signed_cookies", "Nothing is stored on the server"),
    ],
)
def test_what_stays_after_the_cookie_is_said_per_engine(engine: str, sentence: str) -> None:
    response = on(engine).get("/?expired=1", **HTMX)
    assert sentence in text_by_id(response.content.decode(), "expired-notice")
    assert sentence in on(engine).get("/").content.decode()


def test_clearing_a_session_whose_record_is_gone_explains_the_refusal() -> None:
    from django.contrib.sessions.models import Session

    client = on("db")
    add(client, "a", "1")
    Session.objects.all().delete()
    response = client.post("/session/clear", **HTMX)
    assert response.status_code == 400
    assert "no record exists under its key" in response.content.decode()


def test_the_report_of_a_big_signed_session_still_fits_its_cookie() -> None:
    client = on("signed_cookies")
    for number in range(2):
        add(client, f"big{number}", "x" * 1000)
    response = client.post("/session/cycle-key")
    report = response.cookies["inspector_last_action"]
    assert len(f"{report.key}={report.coded_value}") < 4096
    assert "only saves again" in text_by_id(client.get("/").content.decode(), "happened")


def test_switching_to_signed_cookies_replaces_the_record() -> None:
    client = on("db")
    add(client, "a", "1")
    response = client.post("/engine", {"engine": "signed_cookies"}, **HTMX)
    assert "old record deleted, the data now in a signed cookie" in happened(response)


def test_logging_out_without_a_session_claims_nothing() -> None:
    response = on("db").post("/logout", **HTMX)
    text = happened(response)
    assert "There was no session" in text
    assert "stays stored" not in text


def test_a_date_at_the_end_of_the_calendar_is_refused_not_a_5xx() -> None:
    client = on("db")
    add(client, "a", "1")
    for at in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00"):
        response = client.post("/expiry", {"mode": "date", "at": at}, **HTMX)
        assert response.status_code == 200
        assert "Nothing was changed" in happened(response)


def test_a_file_session_key_too_long_for_a_file_name_is_no_key() -> None:
    client = Client()
    header = f"sessionid={'a' * 300}; inspector_engine={engine_cookie('file')}"
    for url in ("/session/clear", "/session/flush", "/session/cycle-key", "/logout"):
        assert client.post(url, HTTP_COOKIE=header, HTTP_HX_REQUEST="true").status_code < 500
