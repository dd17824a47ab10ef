"""`make reset`: every stored session goes, from every store; nothing else does."""

from __future__ import annotations

import base64
import io
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends import cache as cache_engine
from django.contrib.sessions.backends import cached_db, db, file
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import BASE_DIR, TEST_SECRET_KEY, require
from tests.test_shared_stores import redis_answers

pytestmark = pytest.mark.django_db


def stored(store_class: type) -> str:
    store = store_class()
    store["name"] = "Sonam"
    store.save()
    assert store.session_key is not None
    return store.session_key


@pytest.fixture(params=["local memory", "database", "redis"])
def own_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """A cache of the test's own: its reset must not touch anyone else's sessions."""
    name = uuid.uuid4().hex
    if request.param == "redis":
        url = os.environ.get("REDIS_URL", "")
        require(redis_answers(url), "REDIS_URL is unset or Redis does not answer there")
        config = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    elif request.param == "database":
        # The key prefix keeps the test apart from whatever else the table holds.
        config = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    else:
        config = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
    with override_settings(CACHES={"default": {**config, "KEY_PREFIX": name}}):
        if request.param == "database":
            # Rolled back with the test where the suite's own caches are not tables.
            call_command("createcachetable")
        yield


def test_reset_removes_every_session_and_nothing_else(session_files: Path, own_cache: None) -> None:
    cache = caches[settings.SESSION_CACHE_ALIAS]
    keys = {engine: stored(engine.SessionStore) for engine in (db, cached_db, cache_engine, file)}
    # Look-alikes that are not sessions stay.
    lookalikes = {
        "not-a-session": "kept",
        cache_engine.KEY_PREFIX + "_stats": "kept",
        cache_engine.KEY_PREFIX + "x" * 33: "kept",
    }
    for key, value in lookalikes.items():
        cache.set(key, value)
    notes = session_files / "notes.txt"
    notes.write_text("kept")
    lookalike_file = session_files / f"{settings.SESSION_COOKIE_NAME}_notes.txt"
    lookalike_file.write_text("kept")
    User.objects.create_user("teacher")

    output = io.StringIO()
    call_command("resetsessions", stdout=output)

    # Plain Django agrees that every one of them is gone.
    for engine, key in keys.items():
        assert not engine.SessionStore().exists(key), engine.__name__
    assert not cache.has_key(cache_engine.KEY_PREFIX + keys[cache_engine])
    assert not cache.has_key(cached_db.KEY_PREFIX + keys[cached_db])
    for key, value in lookalikes.items():
        assert cache.get(key) == value, key
        cache.delete(key)
    assert notes.read_text() == "kept"
    assert lookalike_file.read_text() == "kept"
    assert User.objects.filter(username="teacher").exists()
    text = output.getvalue()
    assert "Removed 2 django_session rows" in text
    assert re.search(rf"Removed \d+ session files? from {re.escape(str(session_files))}", text)
    assert "Removed 2 session cache entries" in text
    assert "Kept: the secret key" in text
    notes.unlink()
    lookalike_file.unlink()


def test_make_reset_empties_a_classroom_database(tmp_path: Path) -> None:
    """The README's command, word for word, against its own database and folder."""
    sqlite_path = tmp_path / "db.sqlite3"
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / f"{settings.SESSION_COOKIE_NAME}{'k' * 32}").write_text("{}")
    env = {
        **{name: value for name, value in os.environ.items() if name != "REDIS_URL"},
        "DATABASE_URL": f"sqlite:///{sqlite_path}",
        "DJANGO_SECRET_KEY": TEST_SECRET_KEY,
        "DJANGO_SESSION_FILE_PATH": str(folder),
    }
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute(
            "INSERT INTO django_session VALUES ('k1', 'data', '2099-01-01 00:00:00')"
        )
        # A cache engine session in Django's database cache, every server process's.
        connection.execute(
            "INSERT INTO django_cache VALUES (?, ?, '2099-01-01 00:00:00')",
            (":1:django.contrib.sessions.cache" + "c" * 32, base64.b64encode(pickle.dumps({}))),
        )
    result = subprocess.run(
        ["make", "--no-print-directory", "reset"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Removed 1 django_session row " in result.stdout
    assert "Removed 1 session file " in result.stdout
    assert "Removed 1 session cache entry " in result.stdout
    with sqlite3.connect(sqlite_path) as connection:
        assert connection.execute("SELECT count(*) FROM django_session").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM django_cache").fetchone() == (0,)
    assert list(folder.iterdir()) == []
