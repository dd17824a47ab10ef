"""Listing a cache's keys, which Django's cache API cannot do: each backend in its own terms."""

from __future__ import annotations

import base64
import pickle
import re
import time
from typing import Any

from django.core.cache import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, models, router
from django.utils import timezone


def suffixes(
    cache: BaseCache, prefix: str, shape: re.Pattern[str] | None = None
) -> list[str] | None:
    """What follows ``prefix`` in each live key of ``cache`` that starts with it (and, given
    ``shape``, whose rest has that shape); None for a backend that cannot list its keys.

    Redis is asked with SCAN, which pages through the keys without blocking the server;
    the database cache with one SELECT of its table; local memory is read under its lock,
    without get() (which would reorder or drop entries). Only this process's memory: another
    process has its own.
    """
    made = cache.make_and_validate_key(prefix)
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(made)
        found = (
            key.decode() for key in client.scan_iter(match=_glob_escape(made) + "*", count=1000)
        )
    elif isinstance(cache, DatabaseCache):
        found = _table_keys(cache, made)
    elif isinstance(cache, LocMemCache):
        now = time.time()
        with cache._lock:
            found = [
                key
                for key in cache._cache
                if key.startswith(made) and (cache._expire_info.get(key) or now + 1) > now
            ]
    else:
        return None
    rests = (key[len(made) :] for key in found)
    return [rest for rest in rests if shape is None or shape.fullmatch(rest)]


def _table_keys(cache: DatabaseCache, made: str) -> list[str]:
    connection = connections[router.db_for_read(cache.cache_model_class)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('cache_key')} FROM {quote(cache._table)} "
            f"WHERE {quote('cache_key')} {connection.operators['startswith']} "
            f"AND {quote('expires')} > %s",
            [
                connection.ops.prep_for_like_query(made) + "%",
                # As DatabaseCache.has_key() compares it.
                connection.ops.adapt_datetimefield_value(
                    timezone.now().replace(microsecond=0, tzinfo=None)
                ),
            ],
        )
        # SQLite's LIKE ignores case.
        return [key for (key,) in cursor.fetchall() if key.startswith(made)]


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


class Unreadable:
    """A database cache row that does not unpickle."""

    def __repr__(self) -> str:
        return "(cannot be unpickled)"


UNREADABLE = Unreadable()


def peek_row(cache: DatabaseCache, full_key: str) -> tuple[Any, float | None, int | None]:
    """A database cache's entry, when it expires (seconds since 1970) and its size as stored,
    read without get(), which deletes an expired entry; (None, None, None) for none."""
    connection = connections[router.db_for_read(cache.cache_model_class)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('value')}, {quote('expires')} FROM {quote(cache._table)} "
            f"WHERE {quote('cache_key')} = %s",
            [full_key],
        )
        row = cursor.fetchone()
    if row is None:
        return None, None, None
    value, expires = row
    # Read back as DatabaseCache.get_many() reads it.
    expression = models.Expression(output_field=models.DateTimeField())
    for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
        connection
    ):
        expires = converter(expires, expression, connection)
    moment = expires.timestamp()
    if moment <= time.time():
        return None, None, None
    stored = connection.ops.process_clob(value)
    try:
        return pickle.loads(base64.b64decode(stored.encode())), moment, len(stored)
    except Exception:  # whatever a damaged row raises: Django's load() swallows it too
        return UNREADABLE, moment, len(stored)
