from __future__ import annotations

import datetime as dt
import errno
import functools
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, SessionBase
from django.utils import timezone

from inspector.decoding import DB_SALT, decode, in_utc, later, load_problem
from inspector.engines.base import Engine, StoredRecord, changed_payload, cookie_name, plural

#: Longest file name Django's file backend can create for a session (ext4 allows 255 bytes,
#: and save() adds "_out_" and 8 random characters for its temporary file).
MAX_FILE_NAME = 240


def writable(directory: Path) -> None:
    """Raise the OSError that keeps files from being written in ``directory``.

    Django's file backend swallows most of them (an empty session, a write
    lost without a word; see inspector.outage): the page explains instead.
    """
    if not directory.exists():
        kind: type[OSError] = FileNotFoundError
        code = errno.ENOENT
    elif not directory.is_dir():
        kind, code = NotADirectoryError, errno.ENOTDIR
    elif not os.access(directory, os.W_OK | os.X_OK):
        kind, code = PermissionError, errno.EACCES
    else:
        return
    raise kind(code, os.strerror(code), str(directory))


def session_file_path(setting: str | None = None) -> Path:
    """SESSION_FILE_PATH, or where Django puts files when it is None: the temporary folder."""
    return Path(setting or settings.SESSION_FILE_PATH or tempfile.gettempdir()).resolve()


@functools.lru_cache(maxsize=8)
def _made(setting: str | None) -> Path:
    # Django refuses to start a file session in a missing directory. Kept per setting, once.
    path = session_file_path(setting)
    path.mkdir(parents=True, exist_ok=True)
    return path


class FileEngine(Engine):
    name = "file"
    record_title = "session file"
    summary = "One file per session in SESSION_FILE_PATH, holding the signed data."

    @property
    def directory(self) -> Path:
        return _made(settings.SESSION_FILE_PATH)

    def store(self, session_key: str | None) -> SessionBase:
        self.directory  # noqa: B018 (create it before Django checks it)
        # Django's file backend crashes (OSError) saving under a name the file system
        # refuses; its load() already treats such a key as none, so does the inspector.
        if session_key and len(cookie_name() + session_key) > MAX_FILE_NAME:
            session_key = None
        return super().store(session_key)

    def path_for(self, session_key: str) -> Path | None:
        # The same guard as Django's: a cookie is user input, never a path.
        if not set(session_key) <= set(VALID_KEY_CHARS):
            return None
        return self.directory / (cookie_name() + session_key)

    def read(self, session_key: str | None) -> StoredRecord | None:
        writable(self.directory)
        path = self.path_for(session_key) if session_key else None
        if path is None:
            return None
        try:
            # Django's load() catches OSError too (a name too long for the file system, ...).
            if not path.is_file():
                return None
            content = path.read_text(encoding="ascii", errors="replace")
            stat = path.stat()
        except OSError:
            return None
        modified = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
        record = StoredRecord(
            key=str(path),
            key_label="path",
            raw=content,
            raw_label="file content",
            decoded=decode(content, DB_SALT),
            facts=[
                ("size", f"{stat.st_size} bytes"),
                ("modified", modified.strftime("%Y-%m-%d %H:%M:%S UTC")),
            ],
        )
        # Only data this server signed is what Django would read its expiry from.
        data = record.decoded.data if record.decoded.verified else None
        unusable = load_problem(data) if data is not None else ""
        custom = data.get("_session_expiry") if data is not None and not unusable else None
        # Django's own rule (FileSessionStore._expiry_date): a custom expiry that is a
        # number is taken as an age and never runs out on the server.
        if isinstance(custom, int | float) and not isinstance(custom, bool) and custom:
            record.facts.append(
                (
                    "expires",
                    f"never, on the server: the file engine reads _session_expiry={custom} as "
                    "an age, not a date; only the cookie's Max-Age ends this session",
                )
            )
            if record.decoded.signed_at:
                record.cookie_expires = later(record.decoded.signed_at, custom)
        elif isinstance(custom, str) and custom:
            record.expire_label = "expires (_session_expiry)"
            # load_problem() has checked that it is a moment Django can use, in UTC too.
            record.expire_date = in_utc(dt.datetime.fromisoformat(custom))
        else:
            record.expire_label = "expires (modified + SESSION_COOKIE_AGE)"
            record.expire_date = later(modified, settings.SESSION_COOKIE_AGE)
        if unusable:
            record.problem = unusable
        elif record.expire_date and record.expire_date <= timezone.now():
            record.problem = (
                "Expired: when Django loads it, load() deletes this file and starts a new, "
                "empty session under a new key."
            )
        elif not record.decoded.verified:
            record.problem = "Bad signature: Django ignores this file and starts an empty session."
        return record

    def afterlife(self) -> str:
        return (
            "The file stays, expired, until clear_expired() (or a load of its key) removes it; "
            "with a number in _session_expiry it never expires on the server."
        )

    def cleared_text(self, removed: int) -> str:
        return (
            "It listed the session files and loaded each one; loading an expired file deletes "
            f"it: {plural(removed, 'file')} removed. A file whose _session_expiry is a number "
            "never expires here."
        )

    def expiry_note(self, value: Any) -> str:
        if isinstance(value, int) and value:
            return (
                f"But the file engine reads a number in _session_expiry as an age: the file "
                "itself never expires on the server and clear_expired() never removes it. Only "
                f"the cookie's Max-Age={value} ends this session, in the browser."
            )
        if value == 0:
            return (
                "The file knows nothing of browsers: it expires SESSION_COOKIE_AGE after its "
                "last modification and stays until clear_expired() removes it."
            )
        if value is None:
            return "The file expires SESSION_COOKIE_AGE after its last modification."
        return "The file expires at that moment, whatever its modification time."

    def where(self, session_key: str | None) -> str:
        path = self.path_for(session_key) if session_key else None
        return f"the file {path}" if path else f"a file in {self.directory}"

    signs_record = True

    def tamper_record(self, session_key: str) -> str:
        path = self.path_for(session_key)
        try:
            if path is None or not path.is_file():
                return ""
            changed, what = changed_payload(path.read_text(encoding="ascii", errors="replace"))
            path.write_text(changed, encoding="ascii")
        except OSError:
            return ""
        return f"rewrote the session file ({what}), signature kept"
