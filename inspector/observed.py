"""Django's own SessionStore classes, watched.

``observed(SessionStore)`` is a subclass that changes no behaviour: each
method that touches the store runs Django's own code inside a ``step``, so
the watchers (``inspector.watching``) record what it does, and ``load()``
keeps a copy of what it loaded: the session before the view changed it.
The subclass keeps Django's ``__qualname__``, because the signing salt is
built from it: its records and plain Django's are the same.

One departure, where Django would answer with a server error: a record it
would trust (signed by this server, or in the unsigned cache) that holds what
no form here writes, such as an expiry past the calendar or nesting that
exhausts the stack, loads as an empty session (``inspector.decoding.load_problem``;
the Stored record panel says why).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from inspector.decoding import load_problem
from inspector.operations import request_recorder
from inspector.watching import CacheWatcher, watching_databases


@contextmanager
def step(name: str, call: str) -> Iterator[None]:
    """A SessionStore method runs: what its store does now is recorded, under ``call``."""
    recorder = request_recorder()
    if recorder is None or recorder.closed:
        yield
        return
    outermost = not recorder.steps
    recorder.steps.append((name, call))
    try:
        if outermost:
            with watching_databases(recorder):
                yield
        else:
            yield
    finally:
        recorder.steps.pop()


class ObservedStore(SessionBase):
    """Mixed in before a Django SessionStore: the same behaviour, watched."""

    #: A deep copy of what the first load() returned; None if the session was never loaded.
    loaded: dict[str, Any] | None = None

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        if hasattr(self, "_cache"):
            self._cache = CacheWatcher(self._cache)

    def load(self) -> dict[str, Any]:
        with step("load", "load()"):
            try:
                data = super().load()
            except (AttributeError, TypeError, ValueError, OverflowError):
                # Django's file backend reads _session_expiry inside load(): data that is
                # not a dict, or an expiry it cannot use, raises there.
                data = {}
        # Django would keep a signed JSON list as the session and fail on its first read.
        if not isinstance(data, dict) or load_problem(data):
            data = {}
        if self.loaded is None:
            self.loaded = copy.deepcopy(data)
        return data

    def exists(self, *args: Any, **kwargs: Any) -> bool:
        with step("exists", "exists(key)"):
            return super().exists(*args, **kwargs)

    def create(self) -> None:
        with step("create", "create()"):
            return super().create()

    def save(self, must_create: bool = False) -> None:
        if must_create:
            with step("create_save", "save(must_create=True)"):
                return super().save(must_create=True)
        with step("save", "save()"):
            return super().save()

    def delete(self, session_key: str | None = None) -> None:
        with step("delete", "delete()" if session_key is None else "delete(key)"):
            return super().delete(session_key)

    def cycle_key(self) -> None:
        with step("cycle_key", "cycle_key()"):
            return super().cycle_key()

    @classmethod
    def clear_expired(cls) -> None:
        with step("clear_expired", "clear_expired()"):
            return super().clear_expired()


@cache
def observed(store_class: type[SessionBase]) -> type[SessionBase]:
    """``store_class`` with ObservedStore mixed in, keeping Django's qualname (the salt)."""
    return type(
        store_class.__name__,
        (ObservedStore, store_class),
        {"__qualname__": store_class.__qualname__, "__module__": __name__},
    )
