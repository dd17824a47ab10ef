"""Start fresh for the next class: every stored session goes, the server's key stays."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.cache import KEY_PREFIX as CACHE_PREFIX
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX

from inspector import cache_keys
from inspector.engines.base import plural
from inspector.engines.cache import session_cache
from inspector.engines.db import session_rows

#: A session key as Django makes it (get_random_string(32, VALID_KEY_CHARS)).
_KEY = re.compile("[a-z0-9]{32}")

#: What a reset leaves alone, in the words the README uses.
KEPT = (
    "the secret key (.secret_key or DJANGO_SECRET_KEY), so the server signs as before",
    "the database's other tables (the demo user, the migrations)",
    "files in the sessions folder that are not session files",
    "cache entries that are not sessions",
)


@dataclass
class Reset:
    """What one reset removed, per store."""

    rows: int = 0
    files: int = 0
    cache_entries: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Removed {plural(self.rows, 'django_session row')} (the db and cached_db engines).",
            f"Removed {plural(self.files, 'session file')} from {session_folder()}.",
            f"Removed {plural(self.cache_entries, 'session cache entry', 'session cache entries')}"
            f" (the cache and cached_db engines, cache {settings.SESSION_CACHE_ALIAS!r}).",
            *self.notes,
            "Signed-cookie sessions live in the browsers: with nothing stored on the server they "
            "stay valid until they expire, or until the secret key changes.",
            "Kept: " + "; ".join(KEPT) + ".",
        ]


def session_folder() -> Path:
    """Where the file engine writes: Django's own rule (SESSION_FILE_PATH, else the temp dir)."""
    return Path(settings.SESSION_FILE_PATH or tempfile.gettempdir())


#: Said by `make reset`, a process of its own, when the cache is the server's memory.
LOCAL_MEMORY_NOTE = (
    "The local-memory cache lives inside the running server, out of this command's reach: "
    "stop the server and start it again to empty it."
)


def reset_sessions(keep: str | None = None) -> Reset:
    """Remove every stored session but the one of ``keep`` (the teacher's own, from the class
    view: a reset there must not log the teacher out)."""
    reset = Reset()
    reset.rows, _ = session_rows().exclude(session_key=keep or "").delete()
    reset.files = _remove_session_files(session_folder(), keep)
    reset.cache_entries = _remove_cache_entries(reset.notes, keep)
    return reset


def _remove_session_files(folder: Path, keep: str | None) -> int:
    # The file engine names each file SESSION_COOKIE_NAME + key, as its clear_expired() reads them.
    if not folder.is_dir():
        return 0
    removed = 0
    prefix = settings.SESSION_COOKIE_NAME
    for path in folder.iterdir():
        name = path.name
        if (
            name.startswith(prefix)
            and _KEY.fullmatch(name[len(prefix) :])
            and name[len(prefix) :] != keep
            and path.is_file()
            and not path.is_symlink()
        ):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _remove_cache_entries(notes: list[str], keep: str | None) -> int:
    # Only the sessions' keys go: a shared Redis may hold other things.
    cache = session_cache()
    names = []
    for prefix in (CACHE_PREFIX, CACHED_DB_PREFIX):
        found = cache_keys.suffixes(cache, prefix, _KEY)
        if found is None:
            notes.append(
                f"The cache backend {type(cache).__name__} cannot list its keys: not emptied."
            )
            return 0
        names += [prefix + key for key in found if key != keep]
    # From `make reset`, local memory is this process's own, not the server's (see the note).
    cache.delete_many(names)
    return len(names)
