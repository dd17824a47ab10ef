from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from inspector.decoding import SIGNED_COOKIES_SALT, decode
from inspector.engines.base import ClearUnsupported, Engine, StoredRecord, cookie_name

#: What browsers keep of one cookie's name and value; a larger cookie is dropped silently.
BROWSER_COOKIE_LIMIT = 4096


def cookie_size(value: str) -> int:
    return len(f"{cookie_name()}={value}".encode())


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
        if decoded.signed_at:
            record.expire_date = decoded.signed_at + dt.timedelta(
                seconds=settings.SESSION_COOKIE_AGE
            )
            record.expire_label = "expires (signed + SESSION_COOKIE_AGE)"
            if record.expire_date <= timezone.now():
                record.problem = "Expired: Django reads this cookie as an empty session."
        if not decoded.verified:
            record.problem = "Bad signature: Django reads this cookie as an empty session."
        return record

    def identity(self, session_key: str | None) -> str | None:
        # Every save re-signs the whole value: it is still the same (and only) record.
        return "the cookie" if session_key else None

    def where(self, session_key: str | None) -> str:
        return "the cookie itself: nothing is stored on the server"

    def write_problem(self, session: SessionBase) -> str:
        if session.is_empty():
            return ""
        size = cookie_size(session._get_session_key())
        if size <= BROWSER_COOKIE_LIMIT:
            return ""
        return (
            f"Refused: the session cookie would be {size:,} bytes, over the "
            f"{BROWSER_COOKIE_LIMIT:,} a browser keeps. Django would send it and the browser "
            "would silently drop it, losing the whole session. Nothing was changed."
        )

    def clear_expired(self) -> int:
        raise ClearUnsupported(
            "Signed cookies store nothing on the server, so there is nothing to clear: "
            "an expired cookie is simply refused when it comes back."
        )

    def notes(self) -> list[str]:
        return [
            "No server record: flush() cannot revoke a copy of the cookie someone kept, "
            "and the browser's 4096-byte cookie limit caps the session's size."
        ]
