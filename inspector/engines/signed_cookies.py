from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from inspector.decoding import SIGNED_COOKIES_SALT, decode, in_utc, later, load_problem
from inspector.engines.base import Engine, StoredRecord, cookie_name

#: What browsers keep of one cookie's name and value; a larger cookie is dropped silently.
BROWSER_COOKIE_LIMIT = 4096


def cookie_size(value: str) -> int:
    return len(f"{cookie_name()}={value}".encode())


def cookie_end(signed_at: dt.datetime, data: dict[str, Any]) -> dt.datetime | None:
    """When the browser drops the cookie it got at ``signed_at`` (None: at browser close,
    or past the end of the calendar). ``data`` has passed load_problem()."""
    custom = data.get("_session_expiry")
    if isinstance(custom, str) and custom:
        return in_utc(dt.datetime.fromisoformat(custom))
    if isinstance(custom, int | float) and not isinstance(custom, bool):
        return None if custom == 0 else later(signed_at, custom)
    return later(signed_at, settings.SESSION_COOKIE_AGE)


class SignedCookiesEngine(Engine):
    name = "signed_cookies"
    stores_on_server = False
    record_title = "no server record: the cookie is the session"
    summary = (
        "Nothing on the server: the whole session travels in the cookie, signed "
        "(so it cannot be changed) but readable by anyone who sees the cookie."
    )

    def read(self, session_key: str | None) -> StoredRecord | None:
        # The "key" of a signed-cookies session is the cookie value itself.
        if not session_key:
            return None
        decoded = decode(session_key, SIGNED_COOKIES_SALT)
        size = cookie_size(session_key)
        record = StoredRecord(
            key=f"{size:,} of {BROWSER_COOKIE_LIMIT:,} bytes a browser keeps",
            key_label="cookie size",
            raw=session_key,
            raw_label="cookie value",
            decoded=decoded,
            gauge=(size, BROWSER_COOKIE_LIMIT),
        )
        age = settings.SESSION_COOKIE_AGE
        if decoded.signed_at:
            record.expire_date = later(decoded.signed_at, age)
            record.expire_label = "Django accepts it until (signed + SESSION_COOKIE_AGE)"
        if not decoded.verified:
            record.problem = "Bad signature: Django reads this cookie as an empty session."
            return record
        # Django's own check (TimestampSigner.unsign): refused once now - timestamp is more
        # than SESSION_COOKIE_AGE. A timestamp in the future passes it.
        seconds = decoded.timestamp_seconds
        if seconds is None:
            record.problem = (
                "Its timestamp is not base62 seconds, so Django cannot check its age: "
                "it reads this cookie as an empty session."
            )
            return record
        try:
            expired = time.time() - seconds > age
        except OverflowError:
            record.problem = (
                "Its timestamp is too large to subtract from the time now (Django's age "
                "check overflows): Django reads this cookie as an empty session."
            )
            return record
        if expired:
            record.problem = "Expired: Django reads this cookie as an empty session."
        elif problem := load_problem(decoded.data or {}):
            record.problem = problem
        elif decoded.signed_at:
            # Only data this server signed says when the browser drops the cookie.
            record.cookie_expires = cookie_end(decoded.signed_at, decoded.data or {})
        if record.expire_date is None and not record.problem:
            record.facts.append(
                (
                    "Django accepts it until",
                    "past the end of the calendar: it claims to be signed in the future, and "
                    "Django only checks that a signature is not too old",
                )
            )
        return record

    def identity(self, session_key: str | None) -> str | None:
        # Every save re-signs the whole value: it is still the same (and only) record.
        return "the cookie" if session_key else None

    def where(self, session_key: str | None) -> str:
        return "the cookie itself: nothing is stored on the server"

    def write_problem(self, session: SessionBase) -> str:
        if not session.modified or session.is_empty():
            return ""
        # Django's own signing of the cookie value, with the session's flags left as they were.
        accessed = session.accessed
        size = cookie_size(session._get_session_key())
        session.accessed = accessed
        if size <= BROWSER_COOKIE_LIMIT:
            return ""
        return (
            f"Refused: the session cookie would be {size:,} bytes, over the "
            f"{BROWSER_COOKIE_LIMIT:,} a browser keeps. Django would send it and the browser "
            "would silently drop it, losing the whole session. Nothing was changed."
        )

    def clear_text(self) -> str:
        return (
            "Cleared: the session holds an empty dict, but it still has its cookie value, so "
            "Django does not count it as empty: it signs {} into a new cookie and sends it."
        )

    def afterlife(self) -> str:
        return (
            "Nothing is stored on the server: the cookie was the whole session. A copy of it "
            "kept elsewhere still loads until it was signed SESSION_COOKIE_AGE ago."
        )

    def flush_text(self, deleted: bool, had_record: bool) -> str:
        if not had_record:
            return (
                "Flushed: the session is empty, so Django deleted the cookie; it had carried "
                "no session Django would load."
            )
        return (
            "Flushed: the session is empty, so Django deleted the cookie. Nothing was stored on "
            "the server, so nothing else could be removed: a copy of the old cookie someone "
            "kept still loads until it was signed SESSION_COOKIE_AGE ago."
        )

    def cycle_key_note(self, deleted: bool, had_record: bool) -> str:
        if not had_record:
            return "on signed cookies it only saves again: the data signed into a new cookie value"
        return (
            "on signed cookies it only saves again: the same data re-signed into a new cookie "
            "value. There is no server record to delete, so a copy of the old cookie still "
            "loads until it was signed SESSION_COOKIE_AGE ago"
        )

    def cleared_text(self, removed: int) -> str:
        return (
            "It did nothing: signed cookies store nothing on the server. An old cookie is "
            "refused when it comes back signed more than SESSION_COOKIE_AGE ago."
        )

    def expiry_note(self, value: Any) -> str:
        age = settings.SESSION_COOKIE_AGE
        if value is None:
            return f"The signature is accepted for SESSION_COOKIE_AGE ({age} s) after each save."
        ahead = dt.timedelta(seconds=age)
        if (isinstance(value, int) and value > age) or (
            isinstance(value, dt.datetime) and value > timezone.now() + ahead
        ):
            return (
                "But Django checks a signed cookie's age against SESSION_COOKIE_AGE "
                f"({age} s), not this expiry (ticket #19201): it refuses the cookie {age} s "
                "after it was signed, before the browser would drop it, unless a save signs "
                "it again first."
            )
        return (
            "But Django checks a signed cookie's age against SESSION_COOKIE_AGE "
            f"({age} s), not this expiry (ticket #19201): a copy of the cookie kept past its "
            "end still loads until it was signed that long ago."
        )

    def notes(self) -> list[str]:
        return [
            "No server record: flush() cannot revoke a copy of the cookie someone kept, "
            "and the browser's 4096-byte cookie limit caps the session's size."
        ]
