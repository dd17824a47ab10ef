"""Real Redis and PostgreSQL, shared by two app server processes, as on a classroom's servers."""

from __future__ import annotations

import html
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from tests.conftest import LiveApp, require, start_app, stop_app
from tests.html import text_by_id
from tests.http_client import Student
from tests.session_client import masked

REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def redis_answers(url: str) -> bool:
    try:
        return bool(url) and redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError:
        return False


def postgres_answers(url: str) -> bool:
    if not url.startswith(("postgres://", "postgresql://")):
        return False
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="module")
def redis_url() -> str:
    require(redis_answers(REDIS_URL), "REDIS_URL is unset or Redis does not answer there")
    return REDIS_URL


@pytest.fixture(scope="module")
def postgres_url() -> str:
    require(
        postgres_answers(DATABASE_URL),
        "DATABASE_URL is unset, not PostgreSQL, or PostgreSQL does not answer there",
    )
    return DATABASE_URL


def two_apps(tmp: Path, env: dict[str, str]) -> Iterator[tuple[LiveApp, LiveApp]]:
    first = start_app(tmp / "a", env)
    second = start_app(tmp / "b", env)
    try:
        yield first, second
    finally:
        stop_app(first)
        stop_app(second)


@pytest.fixture
def redis_apps(tmp_path: Path, redis_url: str) -> Iterator[tuple[LiveApp, LiveApp]]:
    yield from two_apps(tmp_path, {"REDIS_URL": redis_url})


@pytest.fixture
def postgres_apps(tmp_path: Path, postgres_url: str) -> Iterator[tuple[LiveApp, LiveApp]]:
    yield from two_apps(tmp_path, {"DATABASE_URL": postgres_url})


@pytest.mark.parametrize("engine", ["cache", "cached_db"])
def test_a_key_added_through_one_server_is_seen_by_the_other_via_redis(
    redis_apps: tuple[LiveApp, LiveApp], redis_url: str, engine: str
) -> None:
    first, second = redis_apps
    student = Student()
    student.post(first.url, "/engine", {"engine": engine})
    html = student.post(
        first.url, "/session/add", {"key": "seen", "value": "yes", "type": "text"}, htmx=True
    ).text
    key = student.cookie("sessionid")
    prefix = f"django.contrib.sessions.{engine}"
    full_key = f":1:{prefix}{key}"
    shown = text_by_id(html, "record-companion" if engine == "cached_db" else "record-key")
    if engine == "cache":
        assert shown == masked(full_key)
    # Storage operations: the calls on Redis, with the full key as stored.
    operations = text_by_id(html, "operations")
    write = "add" if engine == "cache" else "set"
    assert (
        f"cache.{write}('{masked(full_key)}', <dict of 1 key: 'seen'>, timeout=1209600)"
        in operations
    )
    client = redis.Redis.from_url(redis_url)
    assert client.exists(full_key)
    assert 0 < client.ttl(full_key) <= 1209600

    page = student.get(second.url + "/").text
    assert "Redis at redis://" in page
    assert "seen" in text_by_id(page, "keys")
    assert "'yes'" in text_by_id(page, "keys")


def test_a_key_added_through_one_server_is_seen_by_the_other_via_postgres(
    postgres_apps: tuple[LiveApp, LiveApp], postgres_url: str
) -> None:
    first, second = postgres_apps
    student = Student()
    student.post(first.url, "/engine", {"engine": "db"})
    student.post(first.url, "/session/add", {"key": "shared", "value": "1", "type": "number"})
    key = student.cookie("sessionid")
    html = student.post(
        first.url, "/session/add", {"key": "more", "value": "2", "type": "number"}, htmx=True
    ).text
    # Storage operations on PostgreSQL: the load, then save()'s UPDATE in its transaction.
    operations = text_by_id(html, "operations")
    assert f'WHERE "django_session"."session_key" = \'{masked(key, key)}\'' in operations
    assert "connection.set_autocommit(False)" in operations
    assert 'UPDATE "django_session" SET' in operations
    assert "COMMIT" in operations
    with psycopg.connect(postgres_url) as connection:
        row = connection.execute(
            "SELECT session_data FROM django_session WHERE session_key = %s", (key,)
        ).fetchone()
    assert row is not None
    page = student.get(second.url + "/").text
    assert text_by_id(page, "record-data") == row[0]
    assert "django_session in postgresql" in page
    assert "2" in text_by_id(page, "keys")


@pytest.fixture
def sqlite_apps(tmp_path: Path) -> Iterator[tuple[LiveApp, LiveApp]]:
    """Two server processes on one SQLite file and no Redis, as `make run` starts its workers."""
    yield from two_apps(tmp_path, {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}"})


def test_without_redis_server_processes_share_the_cache_in_the_database(
    sqlite_apps: tuple[LiveApp, LiveApp],
) -> None:
    first, second = sqlite_apps
    student = Student()
    student.post(first.url, "/engine", {"engine": "cache"})
    student.post(first.url, "/session/add", {"key": "seen", "value": "yes", "type": "text"})
    page = student.get(second.url + "/").text
    assert "'yes'" in text_by_id(page, "keys")
    shown = html.unescape(page)
    assert "Django's DatabaseCache: a table in the database, shared by every server" in shown
    assert "the table django_cache of the SQLite database" in shown
    token = re.search(r'id="live"[^>]*since=([^"&]+)', page)
    assert token is not None

    poll = urllib.request.Request(
        f"{second.url}/?since={token.group(1)}", headers={"HX-Request": "true"}
    )
    assert student._open(poll).status == 204

    answer = student.post(
        first.url, "/session/add", {"key": "more", "value": "1", "type": "text"}, htmx=True
    ).text
    # The calls the session engine made; the SQL under them is the cache's own.
    operations = text_by_id(answer, "operations")
    assert "cache.set(" in operations
    assert "django_cache" not in operations
    assert "SELECT" not in operations
    # The other process's page learns of it at its next poll.
    changed = student._open(poll)
    assert changed.status == 200
    assert "more" in text_by_id(changed.text, "keys")


def test_sqlite_writes_show_their_transaction(live_app: LiveApp) -> None:
    student = Student()
    student.post(live_app.url, "/engine", {"engine": "db"})
    student.post(live_app.url, "/session/add", {"key": "a", "value": "1", "type": "text"})
    page = student.post(
        live_app.url, "/session/add", {"key": "b", "value": "2", "type": "text"}, htmx=True
    ).text
    operations = text_by_id(page, "operations")
    # transaction_mode IMMEDIATE: Django's atomic() begins with BEGIN IMMEDIATE on SQLite.
    assert (
        operations.index("BEGIN IMMEDIATE")
        < operations.index("UPDATE")
        < operations.index("COMMIT")
    )
