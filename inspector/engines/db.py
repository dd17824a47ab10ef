from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from inspector.decoding import DB_SALT, SignedData, decode, load_problem
from inspector.engines.base import Engine, StoredRecord, changed_payload, plural


def session_rows() -> QuerySet[Any]:
    """The django_session table. Imported here, not at module level: a project on signed
    cookies or the cache need not install django.contrib.sessions."""
    from django.contrib.sessions.models import Session

    return Session.objects.all()


class DatabaseEngine(Engine):
    name = "db"
    record_title = "django_session row"
    summary = "A row in the django_session table: signed data and an expiry date."

    def read(self, session_key: str | None) -> StoredRecord | None:
        if not session_key:
            return None
        row = (
            SessionStore.get_model_class()
            .objects.filter(session_key=session_key)
            .values_list("session_data", "expire_date")
            .first()
        )
        return None if row is None else row_record(session_key, *row)

    def cleared_text(self, removed: int) -> str:
        return (
            f"Its DELETE removed {plural(removed, 'expired row')} from django_session "
            "(what manage.py clearsessions does; a real site runs it from cron)."
        )

    def expiry_note(self, value: Any) -> str:
        if value == 0:
            return (
                "The row knows nothing of browsers: its expire_date is still the save time + "
                "SESSION_COOKIE_AGE, and it stays stored until clear_expired() removes it."
            )
        if isinstance(value, int):
            return (
                f"Each save sets the row's expire_date to the save time + {value} s: "
                "the session ends after that long without a save."
            )
        if value is None:
            return "Each save sets the row's expire_date to the save time + SESSION_COOKIE_AGE."
        return "The row's expire_date is that moment; saving does not move it."

    def where(self, session_key: str | None) -> str:
        return f"a row in the django_session table ({connection.vendor})"

    signs_record = True

    def tamper_record(self, session_key: str) -> str:
        rows = SessionStore.get_model_class().objects.filter(session_key=session_key)
        session_data = rows.values_list("session_data", flat=True).first()
        if session_data is None:
            return ""
        changed, what = changed_payload(session_data)
        rows.update(session_data=changed)
        return f"changed the django_session row's session_data ({what}), signature kept"


def row_record(
    session_key: str,
    session_data: str,
    expire_date: dt.datetime,
    decoded: SignedData | None = None,
    expired: bool | None = None,
) -> StoredRecord:
    """One django_session row as a record, with what Django's load() would make of it
    (``decoded``: its session_data already decoded; ``expired``: as of a moment the caller
    judges every row by)."""
    record = StoredRecord(
        key=session_key,
        raw=session_data,
        expire_date=expire_date,
        decoded=decoded or decode(session_data, DB_SALT),
        facts=[
            ("table", f"{SessionStore.get_model_class()._meta.db_table} in {connection.vendor}")
        ],
    )
    if expired is None:
        expired = expire_date <= timezone.now()
    if expired:
        record.problem = "Expired: Django ignores this row and starts an empty session."
    elif not record.decoded.verified:
        record.problem = "Bad signature: Django ignores this row and starts an empty session."
    elif record.decoded.data is None:
        record.problem = NOT_A_DICT
    elif problem := load_problem(record.decoded.data):
        record.problem = problem
    return record


#: A payload that verifies but is no session dict (only someone with the key can write one).
NOT_A_DICT = (
    "The signed payload is not a JSON object: Django would keep it as the session and fail on "
    "its first read; the inspector reads it as an empty session."
)
