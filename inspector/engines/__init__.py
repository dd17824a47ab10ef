"""The session engines a class can switch between, one class each."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from inspector import conf, own_cookies
from inspector.engines.base import Engine, StoredRecord
from inspector.engines.cache import CacheEngine
from inspector.engines.cached_db import CachedDatabaseEngine
from inspector.engines.db import DatabaseEngine
from inspector.engines.file import FileEngine
from inspector.engines.signed_cookies import SignedCookiesEngine

__all__ = [
    "ENGINES",
    "Engine",
    "StoredRecord",
    "configured_engine",
    "default_engine",
    "engine_for",
    "engine_named",
]

#: The per-browser choice lives in its own signed cookie, never in the inspected session.
ENGINE_COOKIE = own_cookies.ENGINE

ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        DatabaseEngine(),
        CachedDatabaseEngine(),
        CacheEngine(),
        FileEngine(),
        SignedCookiesEngine(),
    )
}


def engine_named(name: str) -> Engine | None:
    return ENGINES.get(name)


def configured_engine() -> Engine | None:
    """The project's SESSION_ENGINE, when it is one of Django's five (checks: inspector.W005)."""
    for engine in ENGINES.values():
        if engine.module == settings.SESSION_ENGINE:
            return engine
    return None


def default_engine() -> Engine:
    return configured_engine() or ENGINES["db"]


def engine_for(request: HttpRequest) -> Engine:
    """The engine this browser chose (where the switch is on), or the configured one."""
    engine = getattr(request, "inspector_engine", None)
    if engine is None:
        chosen = own_cookies.read(request, ENGINE_COOKIE) if conf.enabled("ENGINE_SWITCH") else None
        engine = engine_named(chosen or "") or default_engine()
    return engine
