"""What every engine's stored record looks like to the inspector."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from inspector.decoding import SignedData


@dataclass
class StoredRecord:
    """One session as the engine keeps it, read straight from the store."""

    key: str
    #: The raw value exactly as stored (signed string, pickled dict repr, ...).
    raw: str
    expire_date: dt.datetime | None = None
    decoded: SignedData | None = None
    #: Engine-specific facts, shown as label/value rows.
    facts: list[tuple[str, str]] = field(default_factory=list)
    #: Why Django would not load this record (expired, bad signature), if it would not.
    problem: str = ""

    @property
    def fingerprint(self) -> tuple[str, dt.datetime | None]:
        return (self.raw, self.expire_date)


class RecordReader:
    """Reads the record an engine stores for a session key, without going through SessionStore.

    One subclass per engine, like Django's own backends: the page asks
    ``read(key)`` and shows whatever comes back, or why nothing did.
    """

    #: Django's module name for the engine: "db", "cache", ...
    name: str = ""
    #: What a record is called for this engine, as a heading.
    record_title: str = ""

    def read(self, session_key: str | None) -> StoredRecord | None:
        raise NotImplementedError
