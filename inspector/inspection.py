"""What Django did: the session, its cookie, its stored record, its expiry and its operations.

Everything here is read *after* SessionMiddleware has saved the session and
set (or deleted) its cookie; see ``inspector.middleware``. Nothing here loads
the session: what Python holds is its in-memory dict when the request loaded
it, and otherwise what its stored record would load.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from http.cookies import Morsel
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

from inspector import own_cookies
from inspector.engines import Engine, StoredRecord, engine_for
from inspector.marks import Marks
from inspector.operations import CREATED, DELETED, UPDATED, Operation, Recorder
from inspector.values import python_repr, type_name


def browser_key(request: HttpRequest, response: HttpResponse) -> str | None:
    """The session key the browser holds once it has this response."""
    morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
    if morsel is not None:
        return morsel.value or None
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME) or None


@dataclass
class CookieOutcome:
    """What one response did to the session cookie."""

    kind: str  # "set", "deleted" or "none"
    reason: str
    header: str = ""
    attributes: list[tuple[str, str]] = field(default_factory=list)
    #: Bytes of name=value, the part browsers limit to 4096.
    size: int = 0

    @classmethod
    def from_response(cls, request: HttpRequest, response: HttpResponse) -> CookieOutcome:
        name = settings.SESSION_COOKIE_NAME
        morsel = response.cookies.get(name)
        session: SessionBase | None = getattr(request, "session", None)
        if morsel is None:
            return cls(kind="none", reason=_why_no_cookie(request, response, session))
        header = f"Set-Cookie: {morsel.OutputString()}"
        deleting = is_deletion(morsel)
        attributes = _attributes(morsel, deleting=deleting)
        if deleting:
            return cls(
                kind="deleted",
                reason="The session is now empty, so Django deleted the cookie "
                "(empty value, Max-Age=0, Expires in 1970).",
                header=header,
                attributes=attributes,
            )
        reason = "The session was modified, so Django saved it and sent the cookie again."
        max_age = str(morsel["max-age"])
        if max_age.lstrip("-").isdigit() and int(max_age) <= 0:
            # set_cookie(max_age=get_expiry_age()), not delete_cookie(): the expiry is under
            # a second away (the age rounds down to 0) or already past (negative).
            reason += (
                f" Its expiry is under a second away or past, so Max-Age is {max_age} and the "
                "browser drops it at once."
            )
        if settings.SESSION_SAVE_EVERY_REQUEST and session is not None and not session.modified:
            reason = (
                "SESSION_SAVE_EVERY_REQUEST is on, so Django saves and resends on every request."
            )
        return cls(
            kind="set",
            reason=reason,
            header=header,
            attributes=attributes,
            size=len(f"{name}={morsel.coded_value}".encode()),
        )


def is_deletion(morsel: Morsel[str]) -> bool:
    """Django's delete_cookie(): an empty value with Max-Age=0 (a set_cookie keeps the key)."""
    return str(morsel["max-age"]) == "0" and not morsel.value


def _why_no_cookie(
    request: HttpRequest, response: HttpResponse, session: SessionBase | None
) -> str:
    if session is None:
        return "This request did not go through SessionMiddleware."
    if response.status_code >= 500:
        return "The response was a server error (5xx): Django saves nothing then."
    if session.modified and session.is_empty():
        return "The session is empty and the browser had no session cookie: nothing to send."
    if not session.modified:
        return "The session was not modified (only read, or not touched), so Django sent no cookie."
    return "Django sent no session cookie."


#: Why the cookie that deletes the session lacks flags the session cookie has: Django's
#: SessionMiddleware calls response.delete_cookie(name, path, domain, samesite), which
#: passes no httponly, and secure only for a __Secure-/__Host- name or SameSite=None.
DELETION_FLAGS = {
    "httponly": (
        "no: delete_cookie() never sets it. The cookie is empty and already expired, "
        "so there is nothing for a script to read."
    ),
    "secure": (
        "no: delete_cookie() sets it only for a __Secure- or __Host- name or SameSite=None, "
        "whatever SESSION_COOKIE_SECURE says."
    ),
}


def _attributes(morsel: Morsel[str], *, deleting: bool = False) -> list[tuple[str, str]]:
    def flag(name: str) -> str:
        if morsel[name]:
            return "yes"
        return DELETION_FLAGS[name] if deleting else "no"

    return [
        ("Max-Age", str(morsel["max-age"]) or "not set: ends when the browser closes"),
        ("Expires", morsel["expires"] or "not set: ends when the browser closes"),
        ("Path", morsel["path"] or "not set"),
        ("Domain", morsel["domain"] or "not set: this host only"),
        ("HttpOnly", flag("httponly")),
        ("Secure", flag("secure")),
        ("SameSite", morsel["samesite"] or "not set"),
    ]


def duration_text(seconds: int) -> str:
    """1209600 -> "14 days": how a person says an expiry age."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            amount = seconds // size
            rest = seconds - amount * size
            text = f"{amount} {unit}{'s' if amount != 1 else ''}"
            return text if rest == 0 else f"{text} {duration_text(rest)}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


#: A key whose value in memory differs from what is stored: the session was not saved.
UNSAVED = "unsaved"


@dataclass(frozen=True)
class KeyRow:
    key: str
    value_repr: str
    type_name: str
    change: str = ""  # "added", "changed", "removed", UNSAVED or ""
    #: With UNSAVED: the value the next request loads, as Python prints it.
    stored_repr: str = ""

    @property
    def reserved(self) -> bool:
        return self.key.startswith("_")


@dataclass
class Expiry:
    age: int | None
    date: dt.datetime | None
    at_browser_close: bool | None
    custom: Any
    cookie_age: int
    error: str = ""

    @property
    def custom_repr(self) -> str:
        return repr(self.custom)

    @property
    def age_text(self) -> str:
        return duration_text(self.age or 0)

    @property
    def cookie_age_text(self) -> str:
        return duration_text(self.cookie_age)

    @classmethod
    def of(cls, engine: Engine, data: dict[str, Any]) -> Expiry:
        """What the session's expiry methods return for ``data``.

        They run on a scratch store of the same engine holding a copy of the
        data, so Django's own code answers and the request's session is not
        loaded, nor its ``accessed`` flag set.
        """
        custom = data.get("_session_expiry")
        scratch = engine.plain_store_class(None)
        scratch._session_cache = dict(data)
        try:
            return cls(
                age=scratch.get_expiry_age(),
                date=scratch.get_expiry_date(),
                at_browser_close=scratch.get_expire_at_browser_close(),
                custom=custom,
                cookie_age=settings.SESSION_COOKIE_AGE,
            )
        except (TypeError, ValueError, OverflowError) as error:
            return cls(None, None, None, custom, settings.SESSION_COOKIE_AGE, error=str(error))


@dataclass
class Inspection:
    """One inspected request: its engine, what it sent, and what Django did to the store."""

    engine: Engine
    recorder: Recorder
    #: The session cookie the browser sent.
    sent_key: str | None
    #: The session object SessionMiddleware made (a view may replace request.session).
    first_session: SessionBase
    #: The stored record before the view ran (the inspector's own read, POST only).
    before: StoredRecord | None = None

    @property
    def had_record(self) -> bool:
        """Whether the request came with a record Django would load (actions only)."""
        return self.before is not None and not self.before.problem

    @property
    def deleted(self) -> bool:
        """Whether the store has seen a deletion so far in this request."""
        return self.recorder.removed > 0

    def data_before(self) -> dict[str, Any]:
        """The session the view started from: what Django loaded, or would have loaded."""
        loaded = getattr(self.first_session, "loaded", None)
        if loaded is not None:
            return loaded
        return (self.before.session_data if self.before else None) or {}


def inspection_of(request: HttpRequest) -> Inspection:
    return request.inspection  # type: ignore[attr-defined]


def session_data_now(session: SessionBase, record: StoredRecord | None) -> dict[str, Any]:
    """The session as Python holds it now, without loading it.

    The dict in memory if this request loaded (or cleared) it; otherwise what
    its stored record would load, which is what Python would see.
    """
    cached = getattr(session, "_session_cache", None)
    if cached is not None:
        return cached
    return (record.session_data if record else None) or {}


#: What record_change() says when the store was written to.
STORE_CHANGES = frozenset({"created", "updated", "deleted", "replaced"})


def record_change(operations: list[Operation], stored_before: bool, stored: bool) -> str:
    """What happened to this session's record, from the operations that changed the store.

    clear_expired() is a class method: it deletes every expired record, this
    session's among them only if it had expired.
    """
    effects = {operation.effect for operation in operations if operation.within != "clear_expired"}
    if CREATED in effects and DELETED in effects:
        # A new record in place of the old one; or one made and gone again (an expired
        # file: load() replaces it, then flush() deletes the new one).
        return "replaced" if stored else "deleted"
    if CREATED in effects:
        return "created"
    if UPDATED in effects:
        return "updated"
    if DELETED in effects:
        return "deleted"
    cleared = any(
        operation.effect == DELETED and operation.within == "clear_expired"
        for operation in operations
    )
    if cleared and stored_before and not stored:
        return "deleted"  # it had expired, and clear_expired() took it with the others
    return "unchanged" if stored or stored_before else "none"


@dataclass
class ActionReport:
    """What one action did, in words a class can follow."""

    python: str
    message: str
    cookie: CookieOutcome
    record_change: str
    key_changes: dict[str, str] = field(default_factory=dict)
    removed: list[tuple[str, str, str]] = field(default_factory=list)
    old_key: str | None = None
    new_key: str | None = None
    is_error: bool = False
    result: str = ""
    modified: bool | None = None
    accessed: bool | None = None
    operations: list[Operation] = field(default_factory=list)
    #: Operations left out to keep the no-JavaScript report cookie small.
    operations_dropped: int = 0
    #: The time of every operation, those left out included.
    operations_ms: float = 0.0
    #: What else was left out to fit the report in its cookie, in words.
    left_out: list[str] = field(default_factory=list)
    #: What Django's session code logged (a record that did not verify, ...).
    logged: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ActionReport:
        data = dict(data)
        data["cookie"] = CookieOutcome(**data["cookie"])
        data["cookie"].attributes = [tuple(pair) for pair in data["cookie"].attributes]
        data["removed"] = [tuple(item) for item in data["removed"]]
        data["operations"] = [Operation(**item) for item in data["operations"]]
        return cls(**data)

    @classmethod
    def after(
        cls,
        request: HttpRequest,
        response: HttpResponse,
        record: StoredRecord | None,
        python: str,
        message: str,
    ) -> ActionReport:
        inspection = inspection_of(request)
        before = inspection.data_before()
        after = session_data_now(request.session, record)
        changes = {key: "added" for key in after if key not in before}
        changes |= {key: "changed" for key in after if key in before and after[key] != before[key]}
        removed = [
            (key, python_repr(value), type_name(value))
            for key, value in before.items()
            if key not in after
        ]
        changes |= {key: "removed" for key, *_ in removed}
        # Changed in memory but not in the store: Django saved nothing (a list appended
        # to in place), so the next request loads the stored value, not this one.
        stored = record.session_data if record is not None else None
        if stored is not None:
            changes |= {
                key: UNSAVED
                for key, kind in changes.items()
                if kind != "removed" and (key not in stored or stored[key] != after[key])
            }
        new_key = browser_key(request, response)
        engine = engine_for(request)
        key_changed = (inspection.engine, inspection.engine.identity(inspection.sent_key)) != (
            engine,
            engine.identity(new_key),
        )
        operations = list(inspection.recorder.operations)
        return cls(
            python=python,
            message=message,
            cookie=CookieOutcome.from_response(request, response),
            record_change=record_change(
                operations, inspection.before is not None, record is not None
            ),
            key_changes=changes,
            removed=removed,
            old_key=inspection.sent_key if key_changed else None,
            new_key=new_key if key_changed else None,
            operations=operations,
            operations_ms=inspection.recorder.total_ms,
            logged=list(inspection.recorder.logged),
        )


def _stored_repr(stored: dict[str, Any], key: str) -> str:
    return python_repr(stored[key]) if key in stored else "nothing: the key is not stored"


def _cookie_outcome(
    request: HttpRequest, response: HttpResponse, report: ActionReport | None
) -> CookieOutcome:
    """This response's cookie, unless it sent none and follows an action's redirect."""
    own = CookieOutcome.from_response(request, response)
    if own.kind == "none" and report is not None:
        return report.cookie
    return own


@dataclass
class Snapshot:
    """The whole page's data, read after the session was saved."""

    engine: Engine
    session_key: str | None
    sent_cookie: str | None
    other_cookies: list[tuple[str, str]]
    rows: list[KeyRow]
    cookie: CookieOutcome
    record: StoredRecord | None
    expiry: Expiry
    #: The session dict as Python holds it (see ``session_data_now``).
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def expires_at(self) -> dt.datetime | None:
        """When this browser's session ends: what the countdown counts to.

        The record's expiry, or where Django's server-side check ignores the
        session's own expiry (signed cookies, a number on the file engine),
        the moment the browser drops the cookie.
        """
        if self.record is None:
            return None
        ends = [end for end in (self.record.cookie_expires, self.record.expire_date) if end]
        return min(ends) if ends else None

    @classmethod
    def take(
        cls,
        request: HttpRequest,
        response: HttpResponse,
        record: StoredRecord | None,
        report: ActionReport | None,
        marks: Marks | None = None,
    ) -> Snapshot:
        """``marks``: the last action's marks, carried by a request that is not the action."""
        data = session_data_now(request.session, record)
        marks = marks or Marks()
        changes = report.key_changes if report else marks.changes
        stored = (record.session_data if record else None) or {}
        # After the no-JavaScript redirect (or an Edit click) the session is not loaded: the
        # table shows what is stored, and an unsaved value is already gone from memory.
        in_memory = getattr(request.session, "_session_cache", None) is not None
        rows = [
            KeyRow(
                key,
                python_repr(value),
                type_name(value),
                changes.get(key, ""),
                _stored_repr(stored, key) if changes.get(key) == UNSAVED and in_memory else "",
            )
            for key, value in data.items()
        ]
        removed = report.removed if report else marks.removed
        rows += [
            KeyRow(key, text, kind, "removed") for key, text, kind in removed if key not in data
        ]
        name = settings.SESSION_COOKIE_NAME
        engine = engine_for(request)
        session_key = browser_key(request, response)
        return cls(
            engine=engine,
            session_key=session_key,
            sent_cookie=request.COOKIES.get(name),
            other_cookies=[
                (key, value)
                for key, value in request.COOKIES.items()
                if key != name and key not in own_cookies.NAMES
            ],
            rows=rows,
            cookie=_cookie_outcome(request, response, report),
            record=record,
            expiry=Expiry.of(engine, data),
            data=data,
        )

    @property
    def cookie_name(self) -> str:
        return settings.SESSION_COOKIE_NAME

    @property
    def user_id(self) -> str | None:
        """Who is logged in, as the session says (``_auth_user_id``)."""
        return self.data.get("_auth_user_id")

    @property
    def key_count(self) -> int:
        """Every key Python sees in the session, Django's own included."""
        return sum(1 for row in self.rows if row.change != "removed")

    @property
    def reserved_key_count(self) -> int:
        return sum(1 for row in self.rows if row.reserved and row.change != "removed")

    @property
    def has_session(self) -> bool:
        """Whether there is a session at all: a record Django would load, or keys in memory."""
        return (self.record is not None and not self.record.problem) or bool(self.data)
