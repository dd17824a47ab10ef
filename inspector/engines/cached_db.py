from __future__ import annotations

from django.contrib.sessions.backends.cached_db import KEY_PREFIX

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
        if row is None:
            return entry
        row.title = "django_session row"
        if entry is not None:
            entry.title = "cache entry"
        row.companion = entry
        return row

    def where(self, session_key: str | None) -> str:
        return f"{super().where(session_key)}, and a copy in the cache"

    def notes(self) -> list[str]:
        return CacheEngine().notes()
