from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand

from inspector import live
from inspector.reset import LOCAL_MEMORY_NOTE, reset_sessions


class Command(BaseCommand):
    help = (
        "Remove every stored session (django_session rows, session files, session cache "
        "entries) for a fresh start. The secret key stays."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reset = reset_sessions()
        # Open pages redraw (with Redis; a server's local memory is out of this process's reach).
        live.everything_changed()
        if isinstance(caches[settings.SESSION_CACHE_ALIAS], LocMemCache):
            reset.notes.append(LOCAL_MEMORY_NOTE)
        for line in reset.lines():
            self.stdout.write(line)
