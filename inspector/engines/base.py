"""One class per session engine: what the inspector needs to know about where a session lives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from inspector.decoding import SignedData


@dataclass
class StoredRecord:
    """One session as its engine keeps it, read from the store itself, not via SessionStore."""

    key: str
    #: The value exactly as stored: a signed string, or the repr of a plain dict.
    raw: str
    key_label: str = "session_key"
    raw_label: str = "session_data"
    expire_date: dt.datetime | None = None
    expire_label: str = "expire_date"
    decoded: SignedData | None = None
    #: The stored dict where the engine keeps it as it is (cache): not signed.
    data: dict[str, Any] | None = None
    #: Engine-specific facts, shown as label/value rows.
    facts: list[tuple[str, str]] = field(default_factory=list)
    #: Why Django would not load this record (expired, bad signature), if it would not.
    problem: str = ""
    #: A second copy kept beside this one (cached_db: the cache entry beside the row).
    companion: StoredRecord | None = None
    title: str = ""
    #: (used, limit) where the record has a size limit worth a gauge.
    gauge: tuple[int, int] | None = None

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        companion = self.companion.fingerprint if self.companion else None
        return (self.raw, self.expire_date, companion)


class ClearUnsupported(Exception):
    """The engine has nothing to clear; the message says why."""


class Engine:
    """A session engine, as Django's backends are one module each.

    Subclasses say where a record lives and read it without going through
    SessionStore, so the page shows what is really stored.
    """

    #: Django's module name: "db", "cache", ...
    name: ClassVar[str]
    record_title: ClassVar[str]
    #: One sentence on where this engine keeps a session.
    summary: ClassVar[str]
    #: False where the session lives only in the cookie.
    stores_on_server: ClassVar[bool] = True

    @property
    def module(self) -> str:
        return f"django.contrib.sessions.backends.{self.name}"

    @cached_property
    def session_store_class(self) -> type[SessionBase]:
        return import_module(self.module).SessionStore

    def store(self, session_key: str | None) -> SessionBase:
        return self.session_store_class(session_key)

    def read(self, session_key: str | None) -> StoredRecord | None:
        raise NotImplementedError

    def identity(self, session_key: str | None) -> str | None:
        """What names one record: the key, for every engine that stores one."""
        return session_key

    def where(self, session_key: str | None) -> str:
        """Where the data of ``session_key`` lives, in a sentence."""
        raise NotImplementedError

    def write_problem(self, session: SessionBase) -> str:
        """Why saving ``session`` would lose data (empty when it would not)."""
        return ""

    def notes(self) -> list[str]:
        return []

    def clear_expired(self) -> int:
        """Run SessionStore.clear_expired() (manage.py clearsessions); how many records went."""
        raise ClearUnsupported(f"{self.name} cannot clear expired sessions.")


def cookie_name() -> str:
    return settings.SESSION_COOKIE_NAME
