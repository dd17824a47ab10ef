"""The Storage operations panel: what Django 5.2 really does to each store, action by action.

The expected lists are written from Django 5.2's backends (django/contrib/sessions/
backends/*.py) and the middleware: the page must show exactly those calls, in order,
recorded from the calls themselves. Transaction statements (BEGIN/COMMIT on a server,
SAVEPOINT inside a test's transaction) depend on the surroundings and are checked apart.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from inspector.engines import ENGINES
from tests.html import text_by_id
from tests.session_client import HTMX, add, masked

pytestmark = pytest.mark.django_db

OPERATION = re.compile(
    r'<li class="operation[^"]*" data-kind="([^"]*)" data-verb="([^"]*)" '
    r'data-phase="([^"]*)" data-calls="([^"]*)">'
)

# Who called: V = the view, M = SessionMiddleware after the view.
LOAD, EXISTS = "load()", "save() → create() → exists(key)"
CREATE = "save() → create() → save(must_create=True)"
SAVE = "save()"
CYCLE_LOAD, CYCLE_EXISTS = "cycle_key() → load()", "cycle_key() → create() → exists(key)"
CYCLE_CREATE = "cycle_key() → create() → save(must_create=True)"
CYCLE_DELETE = "cycle_key() → delete(key)"

FILE_WRITE = ["tempfile.mkstemp", "os.write", "shutil.move"]


def _file_save(phase: str, calls: str, open_verb: str = "os.open") -> list[tuple[str, ...]]:
    return [(phase, "file", verb, calls) for verb in [open_verb, *FILE_WRITE]]


def _file_load(phase: str, calls: str) -> list[tuple[str, ...]]:
    return [(phase, "file", verb, calls) for verb in ("open", "read", "os.stat")]


#: engine -> action -> [(phase, kind, verb, calls)]
EXPECTED: dict[str, dict[str, list[tuple[str, ...]]]] = {
    "db": {
        "first add": [("M", "sql", "SELECT", EXISTS), ("M", "sql", "INSERT", CREATE)],
        "add": [("V", "sql", "SELECT", LOAD), ("M", "sql", "UPDATE", SAVE)],
        "clear": [("M", "sql", "UPDATE", SAVE)],
        "flush": [("V", "sql", "SELECT", "delete()"), ("V", "sql", "DELETE", "delete()")],
        "cycle key": [
            ("V", "sql", "SELECT", CYCLE_LOAD),
            ("V", "sql", "SELECT", CYCLE_EXISTS),
            ("V", "sql", "INSERT", CYCLE_CREATE),
            ("V", "sql", "SELECT", CYCLE_DELETE),
            ("V", "sql", "DELETE", CYCLE_DELETE),
            ("M", "sql", "UPDATE", SAVE),
        ],
    },
    "cached_db": {
        "first add": [
            ("M", "cache", "has_key", EXISTS),
            ("M", "sql", "SELECT", EXISTS),
            ("M", "sql", "INSERT", CREATE),
            ("M", "cache", "set", CREATE),
            ("M", "cache", "set", SAVE),
        ],
        "add": [
            ("V", "cache", "get", LOAD),
            ("M", "sql", "UPDATE", SAVE),
            ("M", "cache", "set", SAVE),
        ],
        "clear": [("M", "sql", "UPDATE", SAVE), ("M", "cache", "set", SAVE)],
        # cached_db.flush() passes its key to delete().
        "flush": [
            ("V", "sql", "SELECT", "delete(key)"),
            ("V", "sql", "DELETE", "delete(key)"),
            ("V", "cache", "delete", "delete(key)"),
        ],
        "cycle key": [
            ("V", "cache", "get", CYCLE_LOAD),
            ("V", "cache", "has_key", CYCLE_EXISTS),
            ("V", "sql", "SELECT", CYCLE_EXISTS),
            ("V", "sql", "INSERT", CYCLE_CREATE),
            ("V", "cache", "set", CYCLE_CREATE),
            ("V", "sql", "SELECT", CYCLE_DELETE),
            ("V", "sql", "DELETE", CYCLE_DELETE),
            ("V", "cache", "delete", CYCLE_DELETE),
            ("M", "sql", "UPDATE", SAVE),
            ("M", "cache", "set", SAVE),
        ],
    },
    "cache": {
        "first add": [("M", "cache", "has_key", EXISTS), ("M", "cache", "add", CREATE)],
        "add": [
            ("V", "cache", "get", LOAD),
            ("M", "cache", "get", SAVE),
            ("M", "cache", "set", SAVE),
        ],
        "clear": [("M", "cache", "get", SAVE), ("M", "cache", "set", SAVE)],
        "flush": [("V", "cache", "delete", "delete()")],
        "cycle key": [
            ("V", "cache", "get", CYCLE_LOAD),
            ("V", "cache", "has_key", CYCLE_EXISTS),
            ("V", "cache", "add", CYCLE_CREATE),
            ("V", "cache", "delete", CYCLE_DELETE),
            ("M", "cache", "get", SAVE),
            ("M", "cache", "set", SAVE),
        ],
    },
    "file": {
        "first add": [
            ("M", "file", "os.path.exists", EXISTS),
            *_file_save("M", CREATE),
        ],
        "add": [*_file_load("V", LOAD), *_file_save("M", SAVE)],
        "clear": _file_save("M", SAVE),
        "flush": [("V", "file", "os.unlink", "delete()")],
        "cycle key": [
            *_file_load("V", CYCLE_LOAD),
            ("V", "file", "os.path.exists", CYCLE_EXISTS),
            *_file_save("V", CYCLE_CREATE),
            ("V", "file", "os.unlink", CYCLE_DELETE),
            *_file_save("M", SAVE),
        ],
    },
    "signed_cookies": {
        "first add": [("M", "signing", "signing.dumps", SAVE), ("M", "cookie", "Set-Cookie", "")],
        "add": [
            ("V", "signing", "signing.loads", LOAD),
            ("M", "signing", "signing.dumps", SAVE),
            ("M", "cookie", "Set-Cookie", ""),
        ],
        "clear": [("M", "signing", "signing.dumps", SAVE), ("M", "cookie", "Set-Cookie", "")],
        "flush": [("M", "cookie", "delete", "")],
        # cycle_key() is save() here; save() signs self._session, which loads it first.
        "cycle key": [
            ("V", "signing", "signing.loads", "cycle_key() → save() → load()"),
            ("V", "signing", "signing.dumps", "cycle_key() → save()"),
            ("M", "signing", "signing.dumps", SAVE),
            ("M", "cookie", "Set-Cookie", ""),
        ],
    },
}
# Edit, delete and set_expiry load the session in the view and save it after, as add does.
for _actions in EXPECTED.values():
    _actions["edit"] = _actions["delete"] = _actions["set_expiry"] = _actions["add"]

ACTIONS = {
    "add": ("/session/add", {"key": "b", "value": "2", "type": "text"}),
    "edit": ("/session/edit", {"edit-key": "a", "edit-value": "3", "edit-type": "text"}),
    "delete": ("/session/delete", {"key": "a"}),
    "clear": ("/session/clear", {}),
    "flush": ("/session/flush", {}),
    "cycle key": ("/session/cycle-key", {}),
    "set_expiry": ("/expiry", {"mode": "seconds", "seconds": "10"}),
}


def operations(html: str, *, transactions: bool = False) -> list[tuple[str, ...]]:
    found = [
        ({"view": "V", "middleware": "M"}[phase], kind, verb, unescape(calls))
        for kind, verb, phase, calls in OPERATION.findall(html)
    ]
    return [op for op in found if transactions or op[1] != "transaction"]


def on(engine: str) -> Client:
    client = Client()
    client.post("/engine", {"engine": engine})
    return client


@pytest.mark.parametrize("engine", list(ENGINES))
def test_first_add_records_what_django_does(engine: str) -> None:
    html = add(on(engine), "a", "1", **HTMX).content.decode()
    assert operations(html) == EXPECTED[engine]["first add"]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("engine", list(ENGINES))
def test_each_action_records_what_django_does(engine: str, action: str) -> None:
    client = on(engine)
    add(client, "a", "1")
    url, data = ACTIONS[action]
    html = client.post(url, data, **HTMX).content.decode()
    assert operations(html) == EXPECTED[engine][action]
    count = len(operations(html, transactions=True))
    assert text_by_id(html, "operations-summary").startswith(f"{count} operation")


def test_the_sql_shows_its_parameters_rows_and_purpose() -> None:
    client = on("db")
    add(client, "a", "1")
    key = client.cookies["sessionid"].value
    html = add(client, "b", "2", **HTMX).content.decode()
    panel = text_by_id(html, "operations")
    assert f'WHERE "django_session"."session_key" = \'{masked(key, key)}\'' in panel
    assert "1 row" in panel
    assert "load(): fetch the row the cookie names" in panel
    assert 'UPDATE "django_session" SET "session_data" = ' in panel
    assert "In SessionMiddleware, after the view returned" in panel


def test_cache_calls_show_the_full_key_and_timeout() -> None:
    from django.core.cache import caches

    client = on("cache")
    html = add(client, "a", "1", **HTMX).content.decode()
    full_key = caches["default"].make_key(
        "django.contrib.sessions.cache" + client.cookies["sessionid"].value
    )
    panel = text_by_id(html, "operations")
    shown = masked(full_key)
    assert f"cache.add('{shown}', <dict of 1 key: 'a'>, timeout=1209600)" in panel


def test_signing_shows_the_salt_and_the_set_cookie() -> None:
    html = add(on("signed_cookies"), "a", "1", **HTMX).content.decode()
    panel = text_by_id(html, "operations")
    assert "salt='django.contrib.sessions.backends.signed_cookies'" in panel
    assert "Set-Cookie: sessionid=" in panel


def test_a_page_view_touches_no_store() -> None:
    client = on("db")
    add(client, "a", "1", **HTMX)
    response = client.get("/")
    html = response.content.decode()
    assert operations(html, transactions=True) == []
    assert text_by_id(html, "operations-none").startswith("None: this request neither loaded")
    # ...and yet the page shows the session, from its stored record.
    assert "'1'" in (text_by_id(html, "keys") or "")


def test_the_no_javascript_path_carries_the_operations_across_the_redirect() -> None:
    client = on("db")
    response = add(client, "a", "1")
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert operations(html) == EXPECTED["db"]["first add"]


def test_many_operations_are_counted_listed_in_part_and_fit_the_report_cookie() -> None:
    import os

    from inspector.engines import ENGINES

    store = ENGINES["file"].plain_store_class
    old = 1_000_000_000  # 2001: long expired
    for _ in range(40):
        session = store()
        session["a"] = "1"
        session.save()
        os.utime(ENGINES["file"].path_for(session.session_key), (old, old))
    client = on("file")
    response = client.post("/expiry/clear-expired")  # no JavaScript: redirect and a cookie
    assert response.status_code == 302
    report = response.cookies["inspector_last_action"]
    assert len(f"{report.key}={report.coded_value}") < 4096
    html = client.get("/").content.decode()
    summary = text_by_id(html, "operations-summary")
    # listdir, then per file: open, read, stat, and unlink for each expired one (other
    # tests' session files share the folder, so there may be more).
    assert int(summary.split()[0]) >= 1 + 40 * 4
    assert "more, not listed here" in text_by_id(html, "operations-hidden")
    removed = re.search(r"(\d+) files removed", text_by_id(html, "happened"))
    assert removed
    assert int(removed.group(1)) >= 40
