from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError

from inspector import conf, live
from inspector.reset import LOCAL_MEMORY_NOTE, reset_sessions


class Command(BaseCommand):
    help = (
        "Remove every stored session (django_session rows, session files, session cache "
        "entries) for a fresh start. The secret key stays."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not conf.enabled("CLASS_VIEW"):
            # In a project it would log every user out: it is the classroom's `make reset`.
            raise CommandError(
                "resetsessions deletes every stored session, and is for the inspector's own "
                "classroom site (SESSION_INSPECTOR['CLASS_VIEW']); nothing was deleted. Django's "
                "own `manage.py clearsessions` removes the expired ones."
            )
        reset = reset_sessions()
        # Open pages redraw (with Redis; a server's local memory is out of this process's reach).
        live.everything_changed()
        if isinstance(caches[settings.SESSION_CACHE_ALIAS], LocMemCache):
            reset.notes.append(LOCAL_MEMORY_NOTE)
        for line in reset.lines():
            self.stdout.write(line)
