from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.sessions.backends.cache import KEY_PREFIX
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from inspector.engines.base import ClearUnsupported, Engine, StoredRecord
from inspector.values import python_repr

LOCAL_MEMORY_NOTE = (
    "This cache is local memory: it lives inside one server process. Another worker "
    "process has its own, and a restart empties it. Set REDIS_URL to share sessions."
)


def session_cache() -> BaseCache:
    return caches[settings.SESSION_CACHE_ALIAS]


def describe_cache(cache: BaseCache) -> str:
    if isinstance(cache, RedisCache):
        return f"Redis at {_without_password(cache._servers[0])}"
    if isinstance(cache, LocMemCache):
        return "local memory of this server process"
    return type(cache).__name__


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}"
        netloc += f":{parts.port}" if parts.port else ""
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def seconds_to_live(cache: BaseCache, full_key: str) -> int | None:
    """What the cache itself says is left of the entry's life, where it can tell."""
    if isinstance(cache, RedisCache):
        ttl = cache._cache.get_client(full_key).ttl(full_key)
        return ttl if ttl >= 0 else None
    if isinstance(cache, LocMemCache):
        expires = cache._expire_info.get(full_key)
        return None if expires is None else max(0, round(expires - time.time()))
    return None


def read_cache_entry(prefix: str, session_key: str | None) -> StoredRecord | None:
    if not session_key:
        return None
    cache = session_cache()
    stored_key = prefix + session_key
    value = cache.get(stored_key)
    if value is None:
        return None
    full_key = cache.make_key(stored_key)
    ttl = seconds_to_live(cache, full_key)
    record = StoredRecord(
        key=full_key,
        key_label="cache key",
        raw=python_repr(value),
        raw_label="stored value",
        data=value if isinstance(value, dict) else None,
        facts=[
            ("cache", describe_cache(cache)),
            ("key as Django names it", stored_key),
            ("time to live", "the cache cannot tell" if ttl is None else f"{ttl} s"),
        ],
    )
    if ttl is not None:
        record.expire_date = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl)
        record.expire_label = "expires (from the TTL)"
    return record


class CacheEngine(Engine):
    name = "cache"
    record_title = "cache entry"
    summary = "An entry in Django's cache: the session dict itself, pickled, not signed."

    def read(self, session_key: str | None) -> StoredRecord | None:
        return read_cache_entry(KEY_PREFIX, session_key)

    def where(self, session_key: str | None) -> str:
        return f"a cache entry in {describe_cache(session_cache())}"

    def clear_expired(self) -> int:
        raise ClearUnsupported(
            "The cache engine has no clear_expired(): every entry carries a time to live, "
            "and the cache drops it by itself."
        )

    def notes(self) -> list[str]:
        return [LOCAL_MEMORY_NOTE] if isinstance(session_cache(), LocMemCache) else []
