from __future__ import annotations

import pickle
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.sessions.backends.cache import KEY_PREFIX
from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router

from inspector.cache_keys import UNREADABLE, peek_row
from inspector.decoding import load_problem, moment
from inspector.engines.base import Engine, StoredRecord
from inspector.values import MAX_DEPTH, depth, python_repr

LOCAL_MEMORY_NOTE = (
    "This cache is local memory: it lives inside one server process. Another worker "
    "process has its own, and a restart empties it. A shared cache (Django's RedisCache; "
    "REDIS_URL on the inspector's own site) shares sessions."
)
DATABASE_NOTE = (
    "This cache is Django's DatabaseCache: a table in the database, shared by every server "
    "process. Each cache call runs SQL on that table (a set() counts the table's rows, then "
    "reads and writes the entry in a transaction); the panels show the calls the session "
    "engine made, not that SQL. set() and add() swallow an error in their write (the "
    "entry's INSERT or UPDATE); the queries around it raise, such as get() deleting an expired "
    "entry, and delete(). "
    "Django's documentation advises cache sessions only on Memcached or Redis: through a "
    "database cache, the db engine is faster (REDIS_URL on the inspector's own site uses "
    "Redis)."
)


def session_cache() -> BaseCache:
    return caches[settings.SESSION_CACHE_ALIAS]


def describe_cache(cache: BaseCache) -> str:
    if isinstance(cache, RedisCache):
        return f"Redis at {_without_password(cache._servers[0])}"
    if isinstance(cache, LocMemCache):
        return "local memory of this server process"
    if isinstance(cache, DatabaseCache):
        connection = connections[router.db_for_write(cache.cache_model_class)]
        return f"the table {cache._table} of the {connection.display_name} database"
    return type(cache).__name__


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}"
        netloc += f":{parts.port}" if parts.port else ""
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def peek_sized(cache: BaseCache, key: str) -> tuple[Any, float | None, int | None]:
    """The entry, when it expires (seconds since 1970; None: never, or the cache cannot say)
    and its size as stored (bytes), read without changing the cache.

    LocMemCache.get() would move the entry in its LRU order and delete it
    if expired, so its storage is read directly, as is the database cache's table (its get()
    deletes an expired entry); Redis GET and PEXPIRETIME change nothing.
    The moment, not the seconds left, so that it reads the same at every request.
    """
    full_key = cache.make_key(key)
    if isinstance(cache, LocMemCache):
        with cache._lock:
            pickled = cache._cache.get(full_key)
            expires = cache._expire_info.get(full_key)
        if pickled is None or (expires is not None and expires <= time.time()):
            return None, None, None
        return pickle.loads(pickled), expires, len(pickled)
    if isinstance(cache, DatabaseCache):
        return peek_row(cache, full_key)
    if isinstance(cache, RedisCache):
        # Here only where Redis is in use: a project without it need not install redis-py.
        from redis.exceptions import ResponseError

        client = cache._cache.get_client(full_key)
        raw = client.get(full_key)
        if raw is None:
            return None, None, None
        try:
            expires_ms = client.pexpiretime(full_key)
            expires = expires_ms / 1000 if expires_ms >= 0 else None
        except ResponseError:
            # Redis before 7.0 has no PEXPIRETIME: the time left, from now.
            left_ms = client.pttl(full_key)
            expires = time.time() + left_ms / 1000 if left_ms >= 0 else None
        return cache._cache._serializer.loads(raw), expires, len(raw)
    return cache.get(key), None, None


def read_cache_entry(prefix: str, session_key: str | None) -> StoredRecord | None:
    if not session_key:
        return None
    cache = session_cache()
    stored_key = prefix + session_key
    full_key = cache.make_key(stored_key)
    value, expires, size = peek_sized(cache, stored_key)
    if value is None:
        return None
    ttl = None if expires is None else max(0, round(expires - time.time()))
    data = value if isinstance(value, dict) else None
    # The cache keeps whatever was put there, unsigned: check it before printing it.
    problem = (
        load_problem(data)
        if data is not None
        else (
            "The cache holds a value here that cannot be unpickled: Django's load() swallows "
            "the error and starts an empty session, as the inspector does."
        )
        if value is UNREADABLE
        else (
            f"The cache holds {type(value).__name__!r} here, not a session dict: Django's "
            "load() would return it and fail on its first read; the inspector reads it as an "
            "empty session."
        )
    )
    # A session dict sits one level above values the forms nest MAX_DEPTH deep; printing
    # far deeper ones would exhaust Python's stack.
    raw = f"(not printed: nested more than {MAX_DEPTH + 1} levels deep)"
    if depth(value) <= MAX_DEPTH + 1:
        raw = python_repr(value)
    record = StoredRecord(
        key=full_key,
        key_label="cache key",
        raw=raw,
        raw_label="stored value",
        data=data,
        problem=problem,
        facts=[
            ("cache", describe_cache(cache)),
            ("key as Django names it", stored_key),
            ("time to live", "the cache cannot tell" if ttl is None else f"{ttl} s"),
        ],
        size=size,
    )
    if expires is not None:
        record.expire_date = moment(expires)
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

    def afterlife(self) -> str:
        return (
            "The cache entry stays until its timeout runs out, then the cache drops it: "
            "clear_expired() does nothing here."
        )

    def cleared_text(self, removed: int) -> str:
        return (
            "It did nothing: the cache engine's clear_expired() is empty, because every cache "
            "entry carries a timeout and the cache drops it by itself."
        )

    def expiry_note(self, value: Any) -> str:
        if value == 0 or value is None:
            return "The cache entry's timeout is SESSION_COOKIE_AGE from each save."
        if isinstance(value, int):
            return f"Each save gives the cache entry a timeout of {value} s."
        return "Each save gives the cache entry the seconds left until then as its timeout."

    def notes(self) -> list[str]:
        cache = session_cache()
        if isinstance(cache, LocMemCache):
            return [LOCAL_MEMORY_NOTE]
        return [DATABASE_NOTE] if isinstance(cache, DatabaseCache) else []
