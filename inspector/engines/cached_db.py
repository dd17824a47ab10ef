from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import caches

from inspector.engines.base import StoredRecord
from inspector.engines.cache import CacheEngine, read_cache_entry
from inspector.engines.db import DatabaseEngine


class CachedDatabaseEngine(DatabaseEngine):
    name = "cached_db"
    record_title = "django_session row and its cache entry"
    summary = (
        "Written through to the django_session table and the cache; read from the cache "
        "first, from the row when the cache has lost it."
    )

    def read(self, session_key: str | None) -> StoredRecord | None:
        row = super().read(session_key)
        entry = read_cache_entry(KEY_PREFIX, session_key)
        return entry if row is None else with_cache_entry(row, entry)

    def where(self, session_key: str | None) -> str:
        return f"{super().where(session_key)}, and a copy in the cache"

    def notes(self) -> list[str]:
        return CacheEngine().notes()

    def tamper_record(self, session_key: str) -> str:
        changed = super().tamper_record(session_key)
        if not changed:
            return ""
        # Django reads the cache first, and the cache holds the dict, not the signed row:
        # while the entry lasts nobody would notice the row changed.
        caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + session_key)
        return (
            f"{changed}, and deleted the cache entry, as an eviction would: otherwise Django "
            "reads the cache first and never sees the row"
        )

    def afterlife(self) -> str:
        return (
            "The row stays stored, expired, until clear_expired() removes it; its cache entry "
            "is dropped at the end of its timeout."
        )

    def cleared_text(self, removed: int) -> str:
        return (
            super().cleared_text(removed)
            + " cached_db inherits db's clear_expired(): it leaves the cache entries alone, "
            "and the cache drops each at the end of its timeout."
        )

    def expiry_note(self, value: Any) -> str:
        return (
            super().expiry_note(value)
            + " The cache entry gets the time left as its timeout at the same save."
        )


def with_cache_entry(row: StoredRecord, entry: StoredRecord | None) -> StoredRecord:
    """A cached_db row with its cache entry beside it, as Django's load() reads them: the
    cache first, the row only when the cache has no entry."""
    row.title = "django_session row"
    if entry is not None:
        entry.title = "cache entry"
    row.companion = entry
    if row.problem and entry is not None and entry.session_data is not None:
        # load() reads the cache first and only falls back to the row when it misses.
        reason = row.problem.split(":")[0]
        row.warning = (
            f"{reason}: Django does not read this row while the cache entry lasts (it reads "
            "the cache first); once the entry is gone, it ignores the row and starts an "
            "empty session."
        )
        row.problem = ""
        row.read_first = entry
    elif entry is not None and entry.problem and not row.problem:
        # Django reads the cache first: the entry it cannot use hides a good row.
        row.warning = (
            "Django reads the cache entry first, and the inspector reads it as an empty "
            "session (see the cache entry); once the entry is gone, Django loads this row."
        )
        row.read_first = entry
    return row
