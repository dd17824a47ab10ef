"""The watched SessionStores behave exactly as Django's own: one script, run on both.

The script's transcript (values, flags, exceptions, what is stored) must be the
same for Django's plain SessionStore and the inspector's observed subclass, with
a recorder listening and without one, and each reads the records of the other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.backends.base import SessionBase, UpdateError

from inspector.engines import ENGINES
from inspector.operations import Recorder, recording

pytestmark = pytest.mark.django_db

Store = type[SessionBase]


def script(store: Store) -> list[Any]:
    """What a Django project does with sessions, written down as it goes."""
    seen: list[Any] = []

    def note(*values: Any) -> None:
        seen.append(values)

    first = store()
    note("new", first.modified, first.accessed, first.is_empty(), first.session_key)
    first["name"] = "Sonam"
    first["cart"] = ["apple"]
    note("set", first.modified, first.accessed, first.is_empty())
    first.save()
    key = first.session_key
    note("saved", bool(key), first.exists(key))

    again = store(key)
    note("fresh", again.modified, again.accessed)
    note("read", again["name"], again.get("missing", "Guest"), "cart" in again, again.accessed)
    note("pop", again.pop("missing", None), again.modified)
    try:
        again["missing"]
    except KeyError as error:
        note("KeyError", str(error))
    again["cart"].append("pear")
    note("in place", again.modified)
    again.cycle_key()
    note("cycled", again.session_key != key, again.modified, dict(again.items()))
    note("old still loads", store(key).load())
    again.set_expiry(60)
    again.save()
    later = store(again.session_key)
    note("expiry", later.get_expiry_age(), later.get_expire_at_browser_close())
    later.set_expiry(dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    note("date", later.get_expiry_date().year, later["_session_expiry"])
    later.set_expiry(0)
    note("close", later.get_expire_at_browser_close())
    later.set_test_cookie()
    note("test cookie", later.test_cookie_worked())
    later.delete_test_cookie()
    later.save()
    kept = later.session_key
    later.clear()
    note("cleared", dict(later.items()), later.modified, later.is_empty())
    later.flush()
    note("flushed", later.session_key, later.is_empty(), store(kept).load())
    note("clear_expired", store.clear_expired())
    if later.session_key is None and not isinstance(
        later, ENGINES["signed_cookies"].plain_store_class
    ):
        gone = store(kept)
        gone["x"] = 1
        try:
            gone.save()
            note("saved over a deleted record", True)
        except UpdateError:
            note("UpdateError")
    return seen


def run(store: Store, listening: bool) -> list[Any]:
    if not listening:
        return script(store)
    with recording(Recorder()):
        return script(store)


@pytest.mark.parametrize("listening", [False, True], ids=["alone", "recorded"])
@pytest.mark.parametrize("engine", list(ENGINES))
def test_the_observed_store_behaves_as_djangos(engine: str, listening: bool) -> None:
    plain = ENGINES[engine].plain_store_class
    observed = ENGINES[engine].session_store_class
    assert observed is not plain
    assert issubclass(observed, plain)
    assert run(observed, listening) == run(plain, listening=False)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_each_reads_the_others_records(engine: str) -> None:
    plain = ENGINES[engine].plain_store_class
    observed = ENGINES[engine].session_store_class

    def write(store: Store) -> str:
        session = store()
        session["name"] = "Sonam"
        session.save()
        return session.session_key

    assert plain(write(observed)).load() == {"name": "Sonam"}
    assert observed(write(plain)).load() == {"name": "Sonam"}
    # The signing salt is "django.contrib.sessions." + the class's __qualname__.
    assert observed().key_salt == plain().key_salt


@pytest.mark.parametrize("engine", list(ENGINES))
def test_nothing_is_recorded_outside_a_store_method(engine: str) -> None:
    store = ENGINES[engine].session_store_class
    recorder = Recorder()
    session = store()
    session["a"] = 1
    session.save()
    with recording(recorder):
        fresh = store(session.session_key)
        fresh.session_key  # noqa: B018 (a property read: no storage)
        fresh.is_empty()
        fresh.get_expiry_age(expiry=10)
    assert recorder.operations == []
    with recording(recorder):
        fresh.load()
    assert recorder.operations, "load() went to the store"
    assert {operation.calls for operation in recorder.operations} == {"load()"}


def test_an_observed_class_is_made_once_per_store() -> None:
    from inspector.observed import observed

    plain = ENGINES["db"].plain_store_class
    assert observed(plain) is observed(plain) is ENGINES["db"].session_store_class
