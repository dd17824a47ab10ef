"""When a store goes away: real Redis and PostgreSQL stopped and started again, a real SQLite
lock held past the busy timeout, a session directory that cannot be written. No mocks.

Every request answers without a 5xx: an explanation naming the store, where an htmx request
puts it in "What just happened"; nothing is changed; the engine switch still works; and once
the store is back the same app process serves the page again.
"""

from __future__ import annotations

import errno
import os
import pickle
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import OperationalError
from django.test import override_settings

from inspector.outage import DATABASE, FILES, REDIS, needs, store_outage
from tests.conftest import LiveApp, free_port, require, start_app, stop_app
from tests.html import text_by_id
from tests.http_client import Student

REDIS_SERVER = Path("/usr/bin/redis-server")
POSTGRES_ROOT = Path("/usr/lib/postgresql")
AS_ROOT = os.geteuid() == 0


# What counts as a store gone away


def test_only_a_store_gone_away_is_explained() -> None:
    """A bug stays a 500: on SQLite a missing table is an OperationalError too, but no outage
    (PostgreSQL raises ProgrammingError for it, which is never one)."""
    from django.db import ProgrammingError, connection

    if connection.vendor == "sqlite":
        assert store_outage(OperationalError("no such table: django_session")) is None
    assert store_outage(ProgrammingError('relation "django_session" does not exist')) is None
    assert store_outage(OSError(errno.ENOENT, "No such file or directory", "/elsewhere")) is None
    assert store_outage(ValueError("no store")) is None
    # Every engine says which stores it needs, so the way out offers only engines that work;
    # the cache's are wherever the cache keeps its entries.
    assert (needs("db"), needs("file"), needs("signed_cookies")) == ({DATABASE}, {FILES}, set())
    backends = {
        "locmem.LocMemCache": set(),
        "db.DatabaseCache": {DATABASE},
        "redis.RedisCache": {REDIS},
    }
    for backend, stores in backends.items():
        cache = {"BACKEND": f"django.core.cache.backends.{backend}", "LOCATION": "nowhere"}
        with override_settings(CACHES={"default": cache}):
            assert needs("cache") == stores, backend
            assert needs("cached_db") == {DATABASE} | stores, backend


# Real servers, started and stopped by the tests themselves


@dataclass
class RedisServer:
    """A redis-server of our own, so stopping it disturbs no other test."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                # No snapshots of its own: stop() saves one, so a restart finds the data.
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.directory / "redis.log"),
            ]
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        # SHUTDOWN SAVE: the data is on disk for start(), as a real Redis keeps it.
        self.client().shutdown(save=True)
        self.process.wait(timeout=10)
        self.process = None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own on loopback: the shared one other tests use stays up."""

    bindir: Path
    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> None:
        # PostgreSQL refuses to run as root: as root, the postgres user runs it.
        prefix = ["runuser", "-u", "postgres", "--"] if AS_ROOT else []
        subprocess.run(
            [*prefix, str(self.bindir / program), *args], check=True, capture_output=True
        )

    def initdb(self) -> None:
        if AS_ROOT:
            shutil.chown(self.directory, "postgres", "postgres")
        self.run(
            "initdb",
            "-D",
            str(self.directory / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "postgres.log")
        self.run(
            "pg_ctl", "-D", str(self.directory / "data"), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.directory / "data" / "postmaster.pid").exists()


def postgres_bindir() -> Path | None:
    found = sorted(
        POSTGRES_ROOT.glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]), reverse=True
    )
    return found[0].parent if found else None


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    require(REDIS_SERVER.exists(), f"{REDIS_SERVER} is missing (Debian: apt-get install redis)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer) -> Iterator[LiveApp]:
    """One app on its own Redis and SQLite, with a busy timeout of 1 s instead of 20.

    DEBUG is on, as under ``make dev``, where a plain Django site shows its debug page.
    """
    app = start_app(
        tmp_path_factory.mktemp("outage-app"),
        {"REDIS_URL": redis_server.url, "DJANGO_SQLITE_TIMEOUT": "1", "DJANGO_DEBUG": "1"},
    )
    yield app
    stop_app(app)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    bindir = postgres_bindir()
    require(
        bindir is not None,
        f"no PostgreSQL under {POSTGRES_ROOT} (Debian: apt-get install postgresql)",
    )
    require(
        not AS_ROOT or shutil.which("runuser") is not None,
        "running as root, and runuser is missing to start PostgreSQL as postgres",
    )
    assert bindir is not None
    # Not under pytest's temporary folder: as root, that is closed to the postgres user.
    cluster = PrivatePostgres(bindir, Path(tempfile.mkdtemp(prefix="inspector-pg-")))
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop()
        shutil.rmtree(cluster.directory, ignore_errors=True)


# HTTP, as a browser and as htmx send it


@dataclass
class Answer:
    status: int
    headers: Message
    text: str


def send(
    student: Student,
    url: str,
    data: dict[str, str] | None = None,
    *,
    htmx: bool = False,
    token: str | None = None,
) -> Answer:
    """GET, or POST ``data``: htmx sends the CSRF token as a header, a plain form as a field."""
    headers = {"HX-Request": "true"} if htmx else {}
    body = None
    if data is not None:
        token = token or student.cookie("csrftoken") or ""
        if htmx:
            headers["X-CSRFToken"] = token
        else:
            data = {**data, "csrfmiddlewaretoken": token}
        body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with student.opener.open(request, timeout=30) as response:
            return Answer(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read().decode(errors="replace"))


def on_engine(app: LiveApp, engine: str, *keys: str) -> Student:
    """A student on ``engine`` with a session holding ``keys``."""
    student = Student()
    student.post(app.url, "/engine", {"engine": engine})
    for key in keys:
        student.post(app.url, "/session/add", {"key": key, "value": "yes", "type": "text"})
    return student


def explained(answer: Answer, store: str, *, htmx: bool) -> str:
    """The explanation's text, once checked for what every one of them must say."""
    assert answer.status == 200, (answer.status, answer.text[:3000])
    text = text_by_id(answer.text, "outage")
    assert text is not None, answer.text[:3000]
    assert store in text
    assert "A plain Django site" in text or "a plain Django site" in text
    assert "Nothing was changed: no session record was written or deleted" in text
    assert "no-store" in answer.headers.get("Cache-Control", "")
    if htmx:
        # Into "What just happened", like every other refusal.
        assert answer.headers.get("HX-Retarget") == "#happened"
        assert answer.headers.get("HX-Reswap") == "innerHTML"
    else:
        assert answer.text.startswith("<!doctype html>")
        assert "HX-Retarget" not in answer.headers
    return text


def every_kind_of_request(app: LiveApp, student: Student, store: str) -> list[str]:
    """The page, the page for htmx, and an add with and without htmx: all explained."""
    key = student.cookie("sessionid")
    add = {"key": "during", "value": "outage", "type": "text"}
    texts = [
        explained(send(student, app.url + "/"), store, htmx=False),
        explained(send(student, app.url + "/", htmx=True), store, htmx=True),
        explained(send(student, app.url + "/session/add", add, htmx=True), store, htmx=True),
        explained(send(student, app.url + "/session/add", add), store, htmx=False),
    ]
    assert student.cookie("sessionid") == key
    return texts


def works(app: LiveApp, student: Student, *keys: str) -> str:
    """The ordinary page, showing ``keys``."""
    answer = send(student, app.url + "/")
    assert answer.status == 200
    assert text_by_id(answer.text, "outage") is None, text_by_id(answer.text, "outage")
    shown = text_by_id(answer.text, "keys") or ""
    for key in keys:
        assert key in shown
    return answer.text


def switch_form(answer: Answer) -> tuple[str, list[str]]:
    """The explanation's own way out: the CSRF token of its form and the engines offered."""
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text)
    assert token is not None
    return token.group(1), re.findall(
        r'<button type="submit" name="engine" value="(\w+)"', answer.text
    )


# Redis


def test_redis_going_away_is_explained_and_the_page_comes_back(
    app: LiveApp, redis_server: RedisServer
) -> None:
    leaving = {engine: on_engine(app, engine, "kept") for engine in ("cache", "cached_db")}
    staying = {engine: on_engine(app, engine, "kept") for engine in ("cache", "cached_db")}
    cached_db_key = staying["cached_db"].cookie("sessionid")
    cache_key = f":1:django.contrib.sessions.cache{leaving['cache'].cookie('sessionid')}"
    row = app.session_row(cached_db_key or "")
    assert row is not None
    store = f"Redis at {redis_server.url} did not answer (ConnectionError: "

    redis_server.stop()
    try:
        for engine, student in [*leaving.items(), *staying.items()]:
            texts = every_kind_of_request(app, student, store)
            assert texts[0].startswith("This browser's session store is unreachable: Redis at")
            assert "500 Internal Server Error" in texts[0]
            assert ("load() swallows the error" if engine == "cache" else "cached_db") in texts[0]
            assert "switch this browser to an engine that does not need Redis" in texts[0]
        # The row cached_db writes through to is as it was.
        assert app.session_row(cached_db_key or "") == row

        # The way out, with htmx: the header's Engine control.
        student = leaving["cache"]
        answer = send(student, app.url + "/engine", {"engine": "db"}, htmx=True)
        assert answer.status == 200
        message = text_by_id(answer.text, "happened") or ""
        assert "Switched from cache to db, moving nothing: Redis at" in message
        assert "Your browser keeps its session cookie" in message
        works(app, student)
        add = {"key": "on db", "value": "1", "type": "number"}
        assert send(student, app.url + "/session/add", add, htmx=True).status == 200
        works(app, student, "on db")

        # Without JavaScript: the buttons on the explanation page, with the token it carries.
        student = leaving["cached_db"]
        page = send(student, app.url + "/")
        token, offered = switch_form(page)
        assert offered == ["db", "file", "signed_cookies"]
        answer = send(student, app.url + "/engine", {"engine": "db"}, token=token)
        assert answer.status == 200
        assert "Switched from cached_db to db, moving nothing" in (
            text_by_id(answer.text, "happened") or ""
        )
        # db reads the same django_session rows: the key it left behind is still there.
        works(app, student, "kept")
    finally:
        redis_server.start()

    # Back, in the same app process: redis-py connects again by itself.
    for student in staying.values():
        works(app, student, "kept")
        answer = send(
            student, app.url + "/session/add", {"key": "after", "value": "1", "type": "text"}
        )
        assert answer.status == 200
        works(app, student, "kept", "after")
        assert "during" not in (text_by_id(answer.text, "keys") or "")
    # Nothing was written to Redis while it was away: the entry is what it was before.
    assert pickle.loads(redis_server.client().get(cache_key)) == {"kept": "yes"}


@pytest.mark.browser
def test_in_a_browser_the_explanation_lands_in_what_just_happened(
    page, app: LiveApp, redis_server: RedisServer
) -> None:
    page.goto(app.url + "/")
    happened = page.locator("#happened")
    page.locator("#engine-select").select_option("cache")
    happened.get_by_text("Switched from db to cache").wait_for()
    form = page.locator("#add-form")
    form.get_by_label("Key", exact=True).fill("kept")
    form.get_by_label("Value", exact=True).fill("yes")
    page.get_by_role("button", name="Add", exact=True).click()
    happened.get_by_text("request.session['kept'] = 'yes'").wait_for()

    redis_server.stop()
    try:
        form.get_by_label("Key", exact=True).fill("lost")
        page.get_by_role("button", name="Add", exact=True).click()
        happened.locator("#outage").wait_for()
        text = happened.inner_text()
        assert f"Redis at {redis_server.url} did not answer" in text
        assert "Nothing was changed" in text
        # The rest of the page is as it was: the session panel still shows the stored key.
        assert page.locator("#keys").get_by_text("kept").is_visible()
        happened.get_by_role("button", name="Switch to db").click()
        happened.get_by_text("Switched from cache to db, moving nothing").wait_for()
        assert page.locator("#engine-select").input_value() == "db"
    finally:
        redis_server.start()


# PostgreSQL


def test_postgres_going_away_is_explained_and_the_page_comes_back(
    postgres: PrivatePostgres, tmp_path: Path
) -> None:
    app = start_app(tmp_path, {"DATABASE_URL": postgres.url})
    try:
        student = on_engine(app, "db", "kept")
        leaving = on_engine(app, "db", "kept")
        key = student.cookie("sessionid")

        def row() -> tuple[str, str] | None:
            with psycopg.connect(postgres.url) as connection:
                return connection.execute(
                    "SELECT session_data, expire_date::text FROM django_session "
                    "WHERE session_key = %s",
                    (key,),
                ).fetchone()

        before = row()
        assert before is not None
        store = f"PostgreSQL at 127.0.0.1:{postgres.port} (database postgres) did not answer"

        postgres.stop()
        try:
            texts = every_kind_of_request(app, student, store)
            assert "raises OperationalError" in texts[0]
            assert "SessionInterrupted: 400 Bad Request" in texts[0]
            answer = send(leaving, app.url + "/engine", {"engine": "file"}, htmx=True)
            assert answer.status == 200
            assert "Switched from db to file, moving nothing: PostgreSQL at" in (
                text_by_id(answer.text, "happened") or ""
            )
            works(app, leaving)
        finally:
            postgres.start()

        assert row() == before
        # Django connects again by itself: the same app process serves the page.
        works(app, student, "kept")
        answer = send(
            student, app.url + "/session/add", {"key": "after", "value": "1", "type": "text"}
        )
        assert answer.status == 200
        works(app, student, "kept", "after")
    finally:
        stop_app(app)


# SQLite locked past its busy timeout


def test_sqlite_locked_past_its_busy_timeout_is_explained(app: LiveApp) -> None:
    student = on_engine(app, "db", "kept")
    leaving = on_engine(app, "db", "kept")
    newcomer = on_engine(app, "db")
    key = student.cookie("sessionid") or ""
    before = app.session_row(key)
    assert app.sqlite_path is not None
    store = f"the SQLite database {app.sqlite_path} stayed locked longer than its 1 s busy timeout"
    add = {"key": "during", "value": "lock", "type": "text"}

    lock = sqlite3.connect(app.sqlite_path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        text = explained(send(student, app.url + "/session/add", add, htmx=True), store, htmx=True)
        assert "readers do not wait for a writer" in text
        assert "SessionInterrupted: 400 Bad Request" in text
        explained(send(student, app.url + "/session/add", add), store, htmx=False)
        # A new session: Django's INSERT fails the same way.
        explained(send(newcomer, app.url + "/session/add", add, htmx=True), store, htmx=True)
        assert newcomer.cookie("sessionid") is None
        # Reading still works, as Django's own reads do in WAL mode.
        works(app, student, "kept")
        # The switch reads the keys, then cannot delete the old row: it moves nothing.
        answer = send(leaving, app.url + "/engine", {"engine": "file"}, htmx=True)
        assert answer.status == 200
        message = text_by_id(answer.text, "happened") or ""
        assert "Switched from db to file, moving nothing: the SQLite database" in message
        assert "nothing was deleted from db's store" in message
    finally:
        lock.rollback()
        lock.close()

    assert app.session_row(key) == before
    assert app.session_row(leaving.cookie("sessionid") or "") is not None
    answer = send(student, app.url + "/session/add", add, htmx=True)
    assert answer.status == 200
    works(app, student, "kept", "during")


@pytest.fixture(scope="module")
def cache_in_the_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """An app without Redis, as `make run` starts by default: the cache engine's sessions are
    rows of django_cache, in the SQLite database."""
    app = start_app(
        tmp_path_factory.mktemp("database-cache-app"),
        {"DJANGO_SQLITE_TIMEOUT": "1", "DJANGO_DEBUG": "1"},
    )
    yield app
    stop_app(app)


def test_a_database_cache_swallows_a_write_sqlite_refuses(cache_in_the_database: LiveApp) -> None:
    app = cache_in_the_database
    student = on_engine(app, "cache", "kept")
    store = f"the SQLite database {app.sqlite_path} stayed locked longer than its 1 s busy timeout"
    lock = sqlite3.connect(app.sqlite_path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        add = {"key": "lost", "value": "x", "type": "text"}
        answer = send(student, app.url + "/session/add", add, htmx=True)
        assert answer.status == 200
        operations = text_by_id(answer.text, "operations") or ""
        assert "not stored: DatabaseCache swallowed the database's error" in operations
        # Deleting raises: explained, with what plain Django does on this cache.
        text = explained(send(student, app.url + "/session/flush", {}, htmx=True), store, htmx=True)
        assert "DatabaseCache's set() and add() swallow the error of their write" in text
        assert "Deleting a session raises" in text
    finally:
        lock.rollback()
        lock.close()
    page = works(app, student, "kept")
    assert "lost" not in (text_by_id(page, "keys") or "")


# A session directory that cannot be written


def test_a_session_directory_that_cannot_be_written_is_explained(app: LiveApp) -> None:
    directory = Path(app.env["DJANGO_SESSION_FILE_PATH"]).resolve()
    student = on_engine(app, "file", "kept")
    leaving = on_engine(app, "file", "kept")
    session_file = directory / f"sessionid{student.cookie('sessionid')}"
    content = session_file.read_bytes()
    aside = directory.with_name("sessions-aside")

    # As root, chmod stops no write: a regular file where the directory was does.
    directory.rename(aside)
    directory.write_text("not a directory")
    try:
        store = f"the session directory {directory} is not a directory"
        texts = every_kind_of_request(app, student, store)
        assert "raises NotADirectoryError" in texts[0]
        page = send(leaving, app.url + "/")
        token, offered = switch_form(page)
        assert offered == ["db", "cached_db", "cache", "signed_cookies"]
        answer = send(leaving, app.url + "/engine", {"engine": "db"}, token=token)
        assert answer.status == 200
        assert "Switched from file to db, moving nothing" in (
            text_by_id(answer.text, "happened") or ""
        )

        directory.unlink()
        # Gone altogether: Django's file engine would lose the write without a word.
        texts = every_kind_of_request(app, student, f"the session directory {directory} is missing")
        assert "writes nothing and raises nothing" in texts[0]
    finally:
        if directory.is_file():
            directory.unlink()
        aside.rename(directory)

    assert session_file.read_bytes() == content
    works(app, student, "kept")
    answer = send(student, app.url + "/session/add", {"key": "after", "value": "1", "type": "text"})
    assert answer.status == 200
    works(app, student, "kept", "after")
