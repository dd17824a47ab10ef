"""Listing a cache's keys, which Django's cache API cannot do: each backend in its own terms."""

from __future__ import annotations

import re
import time

from django.core.cache import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache


def suffixes(
    cache: BaseCache, prefix: str, shape: re.Pattern[str] | None = None
) -> list[str] | None:
    """What follows ``prefix`` in each live key of ``cache`` that starts with it (and, given
    ``shape``, whose rest has that shape); None for a backend that cannot list its keys.

    Redis is asked with SCAN, which pages through the keys without blocking the server;
    local memory is read under its lock, without get() (which would reorder or drop
    entries). Only this process's memory: another process has its own.
    """
    made = cache.make_and_validate_key(prefix)
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(made)
        found = (
            key.decode() for key in client.scan_iter(match=_glob_escape(made) + "*", count=1000)
        )
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


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
