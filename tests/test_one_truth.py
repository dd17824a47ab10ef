"""One truth per engine: each lab action run on plain Django and through the page, compared.

For every engine, the same call runs on Django's own SessionStore (with what
SessionMiddleware does after a view) and through the inspector's page. What
Django did (the cookie, the key, the data, whether the old record still loads,
Max-Age) must be what the page did, and the page's message must say what
plain Django showed where the engines differ.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django.utils import timezone

from inspector.engines import ENGINES
from tests.html import text_by_id
from tests.session_client import COOKIE, HTMX, add

pytestmark = pytest.mark.django_db

IN_A_WEEK = (timezone.now() + dt.timedelta(days=7)).replace(microsecond=0)

#: action -> (what the view calls, the form the page posts)
ACTIONS: dict[str, tuple[Any, str, dict[str, str]]] = {
    "cycle key": (lambda s: s.cycle_key(), "/session/cycle-key", {}),
    "clear": (lambda s: s.clear(), "/session/clear", {}),
    "flush": (lambda s: s.flush(), "/session/flush", {}),
    "set_expiry(10)": (lambda s: s.set_expiry(10), "/expiry", {"mode": "seconds", "seconds": "10"}),
    "set_expiry(date)": (
        lambda s: s.set_expiry(IN_A_WEEK),
        "/expiry",
        {"mode": "date", "at": IN_A_WEEK.strftime("%Y-%m-%dT%H:%M:%S")},
    ),
    "set_expiry(0)": (lambda s: s.set_expiry(0), "/expiry", {"mode": "close"}),
    "set_expiry(None)": (lambda s: s.set_expiry(None), "/expiry", {"mode": "default"}),
}


@dataclass
class Outcome:
    cookie: str  # "set", "deleted" or "none"
    key_changed: bool
    data: dict[str, Any]
    old_record_loads: bool
    max_age: str


def middleware(session: SessionBase) -> tuple[str, str]:
    """What SessionMiddleware does after the view (the browser sent a cookie)."""
    if session.is_empty():
        return "deleted", "0"
    if not session.modified:
        return "none", ""
    max_age = "" if session.get_expire_at_browser_close() else str(session.get_expiry_age())
    session.save()
    return "set", max_age


def plain(engine: str, action: str) -> Outcome:
    store = ENGINES[engine].plain_store_class
    first = store()
    first["a"] = "1"
    first.save()
    old = first.session_key
    session = store(old)
    ACTIONS[action][0](session)
    cookie, max_age = middleware(session)
    new = session.session_key if cookie == "set" else (None if cookie == "deleted" else old)
    return Outcome(
        cookie=cookie,
        key_changed=new != old,
        data=store(new).load() if new else {},
        old_record_loads=bool(store(old).load()),
        max_age=max_age,
    )


def through_the_page(engine: str, action: str) -> tuple[Outcome, str]:
    store = ENGINES[engine].plain_store_class
    client = Client()
    client.post("/engine", {"engine": engine})
    add(client, "a", "1")
    old = client.cookies[COOKIE].value
    _, url, data = ACTIONS[action]
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    morsel = response.cookies.get(COOKIE)
    if morsel is None:
        cookie, new, max_age = "none", old, ""
    elif str(morsel["max-age"]) == "0":
        cookie, new, max_age = "deleted", None, "0"
    else:
        cookie, new, max_age = "set", morsel.value, str(morsel["max-age"])
    outcome = Outcome(
        cookie=cookie,
        key_changed=new != old,
        data=store(new).load() if new else {},
        old_record_loads=bool(store(old).load()),
        max_age=max_age,
    )
    return outcome, text_by_id(response.content.decode(), "happened") or ""


def close(a: str, b: str) -> bool:
    """Max-Age values computed a moment apart, for a date, may differ by a second."""
    if not a or not b:
        return a == b
    return abs(int(a) - int(b)) <= 2


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("engine", list(ENGINES))
def test_the_page_does_what_plain_django_does(engine: str, action: str) -> None:
    django = plain(engine, action)
    page, message = through_the_page(engine, action)
    assert (page.cookie, page.key_changed, page.data, page.old_record_loads) == (
        django.cookie,
        django.key_changed,
        django.data,
        django.old_record_loads,
    )
    assert close(page.max_age, django.max_age), (page.max_age, django.max_age)

    # The message says what plain Django showed, for this engine.
    if action in {"cycle key", "flush"}:
        if django.old_record_loads:
            assert "still loads" in message
        else:
            assert "deleted" in message
            assert "still loads" not in message
    if action == "cycle key":
        assert django.data == {"a": "1"}
        assert "same data" in message
    if action == "clear":
        assert django.data == {}
        if django.key_changed:  # signed cookies: the value is the data, signed again
            assert "signs {} into a new cookie" in message
        else:
            assert "same session key now holds empty data" in message
    if action == "set_expiry(0)":
        assert "no Max-Age or Expires" in message


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_numeric_expiry_as_each_engine_keeps_it(engine: str) -> None:
    """set_expiry(1), then two seconds: which engines still load the record?"""
    store = ENGINES[engine].plain_store_class
    session = store()
    session["a"] = "1"
    session.set_expiry(1)
    session.save()
    if engine == "file":
        # The file's age is what the file backend would check; make it old.
        path = ENGINES["file"].path_for(session.session_key)
        old = time.time() - 3600
        os.utime(path, (old, old))
    else:
        time.sleep(2.1)
    still_loads = bool(store(session.session_key).load())
    _, message = through_the_page(engine, "set_expiry(10)")
    if engine == "file":
        assert still_loads
        assert "never expires on the server" in message
    elif engine == "signed_cookies":
        assert still_loads
        assert "ticket #19201" in message
    else:
        assert not still_loads
        assert "never expires" not in message
        assert "#19201" not in message


@pytest.mark.parametrize("engine", list(ENGINES))
def test_clear_expired_on_each_engine(engine: str) -> None:
    store = ENGINES[engine].plain_store_class
    assert store.clear_expired() is None

    def expired_record() -> str | None:
        session = store()
        session["old"] = "1"
        session.save()
        key = session.session_key
        if engine in {"db", "cached_db"}:
            store.get_model_class().objects.filter(pk=key).update(
                expire_date=timezone.now() - dt.timedelta(seconds=1)
            )
        elif engine == "file":
            old = timezone.now().timestamp() - settings.SESSION_COOKIE_AGE - 60
            os.utime(ENGINES["file"].path_for(key), (old, old))
        return key

    def removed(key: str | None) -> bool:
        if engine in {"db", "cached_db"}:  # the row; cached_db leaves its cache entry
            return not store.get_model_class().objects.filter(pk=key).exists()
        return engine == "file" and not store().exists(key)

    key = expired_record()
    store.clear_expired()
    removed_by_django = removed(key)

    key = expired_record()
    client = Client()
    client.post("/engine", {"engine": engine})
    response = client.post("/expiry/clear-expired", **HTMX)
    message = text_by_id(response.content.decode(), "happened") or ""
    assert "clear_expired() returned None" in message
    assert "session.accessed = False" in message
    removed_by_page = removed(key)
    assert removed_by_page == removed_by_django
    if removed_by_django:
        assert "1 expired row" in message or "1 file removed" in message
    else:
        assert "It did nothing" in message
    assert "NotImplementedError" not in message
