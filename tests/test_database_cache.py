"""The cache engines on Django's DatabaseCache: the caches `make run` uses without Redis, shared
by every server process. Here whatever the suite's own caches are (Redis in CI)."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.sessions.backends import cache as cache_engine
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from tests.html import text_by_id
from tests.session_client import COOKIE, HTMX, add, engine_cookie

pytestmark = pytest.mark.django_db

PREFIX = uuid.uuid4().hex


@pytest.fixture(autouse=True)
def database_caches() -> Iterator[None]:
    caches = {
        alias: {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "KEY_PREFIX": PREFIX,
        }
        for alias, table in (("default", "django_cache"), ("inspector", "inspector_cache"))
    }
    with override_settings(CACHES=caches):
        # Rolled back with the test where the suite's own caches are not tables.
        call_command("createcachetable")
        yield


def student(engine: str) -> Client:
    client = Client()
    client.cookies["inspector_engine"] = engine_cookie(engine)
    return client


def rows(where: str) -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cache_key, value, expires FROM django_cache WHERE cache_key LIKE %s",
            [f"%{where}%"],
        )
        return cursor.fetchall()


def change_row(session_key: str, column: str, value: str) -> None:
    """Change the cache engine's row of ``session_key`` behind Django's back."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE django_cache SET {column} = %s WHERE cache_key LIKE %s",
            [value, f"%sessions.cache{session_key}"],
        )


def test_the_page_names_the_table_and_shows_the_calls_not_their_sql() -> None:
    client = student("cached_db")
    add(client, "name", "Sonam")
    page = add(client, "city", "Thimphu", **HTMX).content.decode()
    shown = html.unescape(page)
    assert "the table django_cache of the" in shown
    assert "This cache is Django's DatabaseCache" in shown
    operations = text_by_id(page, "operations")
    assert "cache.set(" in operations
    assert "stored" in operations
    assert "django_cache" not in operations
    key = client.cookies[COOKIE].value
    assert len(rows("sessions.cached_db" + key)) == 1


def test_a_damaged_row_loads_empty_as_in_plain_django() -> None:
    client = student("cache")
    add(client, "name", "Sonam")
    key = client.cookies[COOKIE].value
    change_row(key, "value", "not a pickle!")
    assert cache_engine.SessionStore(key).load() == {}
    response = client.get("/")
    assert response.status_code == 200
    assert "cannot be unpickled: Django&#x27;s load() swallows" in response.content.decode()


def test_reading_an_expired_row_leaves_it_where_get_would_delete_it() -> None:
    client = student("cache")
    add(client, "name", "Sonam")
    key = client.cookies[COOKIE].value
    change_row(key, "expires", "2000-01-01 00:00:00")
    page = client.get("/").content.decode()
    assert 'data-key="name"' not in page
    assert len(rows("sessions.cache" + key)) == 1
