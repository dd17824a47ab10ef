"""One class per session engine: what the inspector needs to know about where a session lives."""

from __future__ import annotations

import binascii
import datetime as dt
import json
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing

from inspector.decoding import SignedData
from inspector.observed import observed


@dataclass
class StoredRecord:
    """One session as its engine keeps it, read from the store itself, not via SessionStore."""

    key: str
    #: The value exactly as stored: a signed string, or the repr of a plain dict.
    raw: str
    key_label: str = "session_key"
    raw_label: str = "session_data"
    expire_date: dt.datetime | None = None
    expire_label: str = "expire_date"
    decoded: SignedData | None = None
    #: The stored dict where the engine keeps it as it is (cache): not signed.
    data: dict[str, Any] | None = None
    #: Engine-specific facts, shown as label/value rows.
    facts: list[tuple[str, str]] = field(default_factory=list)
    #: Why Django would not load this record (expired, bad signature), if it would not.
    problem: str = ""
    #: A second copy kept beside this one (cached_db: the cache entry beside the row).
    companion: StoredRecord | None = None
    title: str = ""
    #: (used, limit) where the record has a size limit worth a gauge.
    gauge: tuple[int, int] | None = None
    #: When the browser drops the cookie, where Django's server-side check ignores the
    #: session's own expiry (signed cookies, a number on the file engine).
    cookie_expires: dt.datetime | None = None
    #: What is wrong with this copy while Django reads another first (cached_db's cache).
    warning: str = ""
    #: The copy Django reads first, when it is not this one.
    read_first: StoredRecord | None = None
    #: Bytes as stored, where that is not the length of ``raw`` (a pickled cache entry).
    size: int | None = None

    @property
    def session_data(self) -> dict[str, Any] | None:
        """The dict Django would load from this record; None when it would load nothing."""
        if self.read_first is not None:
            return self.read_first.session_data
        if self.problem:
            return None
        if self.data is not None:
            return self.data
        return self.decoded.data if self.decoded else None


class Engine:
    """A session engine, as Django's backends are one module each.

    Subclasses say where a record lives and read it without going through
    SessionStore, so the page shows what is really stored.
    """

    #: Django's module name: "db", "cache", ...
    name: ClassVar[str]
    record_title: ClassVar[str]
    #: One sentence on where this engine keeps a session.
    summary: ClassVar[str]
    #: False where the session lives only in the cookie.
    stores_on_server: ClassVar[bool] = True

    @property
    def module(self) -> str:
        return f"django.contrib.sessions.backends.{self.name}"

    @cached_property
    def plain_store_class(self) -> type[SessionBase]:
        """Django's own SessionStore for this engine."""
        return import_module(self.module).SessionStore

    @cached_property
    def session_store_class(self) -> type[SessionBase]:
        """Django's SessionStore, watched: the same behaviour, its storage calls recorded."""
        return observed(self.plain_store_class)

    def store(self, session_key: str | None) -> SessionBase:
        return self.session_store_class(session_key)

    def read(self, session_key: str | None) -> StoredRecord | None:
        raise NotImplementedError

    def identity(self, session_key: str | None) -> str | None:
        """What names one record: the key, for every engine that stores one."""
        return session_key

    def where(self, session_key: str | None) -> str:
        """Where the data of ``session_key`` lives, in a sentence."""
        raise NotImplementedError

    def write_problem(self, session: SessionBase) -> str:
        """Why saving ``session`` would lose data (empty when it would not)."""
        return ""

    def notes(self) -> list[str]:
        return []

    def clear_text(self) -> str:
        return (
            "Cleared: the same session key now holds empty data, and the record stays. "
            "The session is not empty to Django while it has a key, so it is saved."
        )

    def flush_text(self, deleted: bool, had_record: bool) -> str:
        """What ``flush()`` did: ``deleted``, a deletion was seen in the store;
        ``had_record``, the request came with a record Django would load."""
        if not deleted:
            return (
                "Flushed: the session is empty and has no key. Nothing was deleted from the "
                "store: there was no record for delete() to remove under this session's key "
                "(a record already gone, or an expired one Django let go of when it loaded)."
            )
        return (
            "Flushed: the record is deleted, the key discarded and the cookie removed; "
            "the next write starts a session under a new key."
        )

    def cycle_key_note(self, deleted: bool, had_record: bool) -> str:
        """What ``cycle_key()`` did to the stored record; the flags as for flush_text."""
        if not deleted:
            return (
                "a new key with the same data; nothing was deleted, as the session had no "
                "live record under an old key"
            )
        return "a new key with the same data; the record under the old key is deleted"

    def afterlife(self) -> str:
        """What becomes of a stored record once no browser sends its key."""
        return "The row stays stored, expired, until clear_expired() removes it."

    def cleared_text(self, removed: int) -> str:
        """What ``SessionStore.clear_expired()`` did here, given the records it removed."""
        raise NotImplementedError

    def expiry_note(self, value: Any) -> str:
        """What ``set_expiry(value)`` means for this engine's stored record."""
        raise NotImplementedError

    #: Whether the record on the server is signed data (the tamper lab can change a byte).
    signs_record: ClassVar[bool] = False

    def tamper_record(self, session_key: str) -> str:
        """Change one character of the stored payload and keep its signature, as someone
        with write access to the store could; say what changed. Empty: no such record."""
        raise NotImplementedError


#: What the tamper lab writes into a stored payload: the classic forged privilege.
FORGED = {"is_admin": True}


def changed_payload(signed: str) -> tuple[str, str]:
    """``signed`` with ``FORGED`` written into its payload (or, where it is there already,
    undone), encoded as Django encodes it, the timestamp and signature kept; and what changed,
    in words."""
    payload, separator, rest = signed.partition(":")
    compressed = payload.startswith(".")
    try:
        raw = signing.b64_decode(payload.lstrip(".").encode())
        data = json.loads(zlib.decompress(raw) if compressed else raw)
    except (ValueError, zlib.error, binascii.Error):
        data = None
    if not isinstance(data, dict):
        # Not Django's encoding: one character changed does as well.
        index = len(payload) // 2
        new = "B" if payload[index : index + 1] == "A" else "A"
        return payload[:index] + new + payload[index + 1 :] + separator + rest, (
            f"payload character {index + 1} changed to {new!r}"
        )
    # Already an "admin"? Then the forgery takes it away: either way the data changes.
    forged_data = data | FORGED if data.get("is_admin") is not True else data | {"is_admin": False}
    encoded = json.dumps(forged_data, separators=(",", ":")).encode("latin-1")
    if compressed:
        encoded = zlib.compress(encoded)
    forged = ("." if compressed else "") + signing.b64_encode(encoded).decode()
    return forged + separator + rest, f'set "is_admin" to {json.dumps(forged_data["is_admin"])}'


def plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def cookie_name() -> str:
    return settings.SESSION_COOKIE_NAME
