"""Every stored session, one row each, across the stores that can be listed: for the class view.

Three sources, one order. The django_session table is paged with a keyset on an index
(no OFFSET, no COUNT per request, only the rows shown decoded); the session files and the
cache entries are few and listed whole. The sources are merged into one order (expiry, or
last save), and a page link carries where the last row stood, never a whole key: its
sort value, the key's first four characters and a digest (see ``Cursor``).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cache import KEY_PREFIX as CACHE_PREFIX
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Collate, Greatest, Length, StrIndex, Substr
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from inspector import cache_keys
from inspector.decoding import DB_SALT, decode
from inspector.engines import ENGINES
from inspector.engines.base import StoredRecord
from inspector.engines.cache import describe_cache, read_cache_entry, session_cache
from inspector.engines.cached_db import with_cache_entry
from inspector.engines.db import row_record, session_rows
from inspector.values import MAX_DEPTH, depth, python_repr, short_repr

#: A session key as Django makes it: 32 of [a-z0-9].
KEY_SHAPE = re.compile("[a-z0-9]{32}")
PAGE_SIZE = 50
#: Rows a search (or the Refused filter) decodes per request before it stops and offers
#: to go on: a search cannot use an index, so it reads the table a slice at a time.
SCAN_BUDGET = 2000
SCAN_BATCH = 500
#: Characters of a base64url HMAC-SHA256 signature, the end of every signed value.
SIGNATURE_LENGTH = 43
#: Characters of a last save's timestamp a sort compares (after its length): base62 seconds
#: take 6; a value Django did not write may hold anything there, and a page link carries it.
STAMP_SHOWN = 13
#: A django_session row without a cached_db cache entry: either engine wrote it.
ROW_ENGINES = "db / cached_db"
#: Where no expiry is known (a cache entry that never times out): after every other.
NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)

STATES = {"": "All", "active": "Active", "expired": "Expired", "refused": "Refused"}


@dataclass(frozen=True)
class Sort:
    name: str
    label: str
    #: "expiry" or "saved".
    by: str
    descending: bool


SORTS = {
    sort.name: sort
    for sort in (
        Sort("-expiry", "Expiry, latest first", "expiry", True),
        Sort("expiry", "Expiry, soonest first", "expiry", False),
        Sort("-saved", "Last save, newest first", "saved", True),
    )
}
DEFAULT_SORT = SORTS["-expiry"]


def ref_of(session_key: str) -> str:
    """A row's name on the page: a digest of its key, useless as a key."""
    return salted_hmac("inspector.class.row", session_key).hexdigest()[:20]


#: A sort value: an expiry, or a last save as (length, base62) so it orders as a number.
SortValue = dt.datetime | tuple[int, str]


@dataclass
class Listed:
    """One stored session, as its store holds it."""

    key: str
    #: Where it is stored: "django_session", "file", "cache".
    store: str
    engine: str
    record: StoredRecord
    #: The other copy a cached_db session has in the cache.
    cached: bool = False
    #: Its state when the page was drawn ("active", "expired", "refused").
    state_now: str = ""
    #: The last save as the database orders it (length, base62), for a django_session row.
    stamp: tuple[int, str] | None = None

    @property
    def sig(self) -> str:
        """Changes whenever the stored record does: the page flashes a row whose sig changed."""
        stamp = self.expires_at.isoformat() if self.expires_at else ""
        return hashlib.blake2b(f"{self.record.raw}|{stamp}".encode(), digest_size=6).hexdigest()

    @cached_property
    def ref(self) -> str:
        return ref_of(self.key)

    @property
    def expires_at(self) -> dt.datetime | None:
        return self.record.expire_date

    @property
    def saved_at(self) -> dt.datetime | None:
        decoded = self.record.decoded
        return decoded.signed_at if decoded else None

    @property
    def timestamp(self) -> tuple[int, str]:
        if self.stamp is not None:
            return self.stamp
        decoded = self.record.decoded
        stamp = decoded.timestamp_b62 if decoded else ""
        return (len(stamp), stamp[:STAMP_SHOWN])

    def value(self, sort: Sort) -> SortValue:
        if sort.by == "saved":
            return self.timestamp
        return self.expires_at or NEVER

    def state(self, now: dt.datetime) -> str:
        first = self.record.read_first
        if first is not None:
            # cached_db: Django reads the cache entry first, whatever the row says.
            return "refused" if first.problem else "active"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "refused" if self.record.problem else "active"

    @property
    def data(self) -> dict[str, Any] | None:
        """The decoded payload, whether or not Django would load it (a refused row too)."""
        if self.record.data is not None:
            return self.record.data
        decoded = self.record.decoded
        return decoded.data if decoded else None

    @property
    def size(self) -> int:
        return self.record.size if self.record.size is not None else len(self.record.raw)

    @property
    def key_names(self) -> list[str]:
        return [str(name) for name in self.data or {}]

    @property
    def preview(self) -> str:
        data = self.data
        if data is None:
            return "(not readable)"
        return short_repr(data, 90) if depth(data) <= MAX_DEPTH + 1 else "(nested too deep)"

    @property
    def full(self) -> str:
        data = self.data
        if data is None:
            return "\n".join(self.record.decoded.errors) if self.record.decoded else ""
        if depth(data) > MAX_DEPTH + 1:
            return f"(not printed: nested more than {MAX_DEPTH + 1} levels deep)"
        return python_repr(data, width=72)

    @property
    def signature(self) -> str:
        decoded = self.record.decoded
        if decoded is None:
            return "not signed: the cache holds the dict itself"
        if decoded.verified_with == "current key":
            return "verifies with the current key"
        if decoded.verified:
            return f"verifies with {decoded.verified_with}"
        if self.record.read_first is not None:
            return "does not verify"
        return "does not verify: Django would load an empty session"

    @property
    def why(self) -> str:
        """Why Django would not load it, or what to know about the copy it reads first."""
        first = self.record.read_first
        if first is not None and first.problem:
            return f"{self.record.warning} The cache entry: {first.problem}"
        return self.record.problem or self.record.warning

    def matches(self, needle: str) -> bool:
        data = self.data
        if not data or depth(data) > MAX_DEPTH + 1:
            return False
        return any(
            needle in str(name).casefold() or needle in repr(value).casefold()
            for name, value in data.items()
        )


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's sort value, the first characters of its key and a
    digest of the whole key. Enough to go on from it exactly; too little to use the key."""

    value: SortValue
    #: The key's first four characters (as hex in the link: a key written past Django may
    #: hold any character).
    prefix: str
    ref: str

    def text(self) -> str:
        if isinstance(self.value, tuple):
            shown = f"s{self.value[0]}.{self.value[1].encode().hex()}"
        else:
            shown = "n" if self.value == NEVER else "e" + self.value.isoformat()
        return f"{shown}~{self.prefix.encode().hex()}~{self.ref}"

    @classmethod
    def of(cls, row: Listed, sort: Sort) -> Cursor:
        return cls(row.value(sort), row.key[:4], row.ref)

    @classmethod
    def parse(cls, text: str, sort: Sort) -> Cursor | None:
        """The cursor ``text`` names for ``sort``; None for anything this page did not make."""
        if len(text) > 200 or text.count("~") != 2:
            return None
        shown, prefix_hex, ref = text.split("~")
        prefix = unhex(prefix_hex)
        if prefix is None or not re.fullmatch("[0-9a-f]{20}", ref):
            return None
        value: SortValue
        if sort.by == "saved":
            saved = re.fullmatch(r"s([0-9]{1,9})\.((?:[0-9a-f]{2}){0,52})", shown)
            if saved is None:
                return None
            try:
                stamp = bytes.fromhex(saved.group(2)).decode()
            except UnicodeDecodeError:
                return None
            if len(stamp) > STAMP_SHOWN or "\x00" in stamp:
                return None
            value = (int(saved.group(1)), stamp)
        elif shown == "n":
            value = NEVER
        else:
            if not shown.startswith("e") or not shown.isascii():
                return None
            try:
                value = dt.datetime.fromisoformat(shown[1:])
            except ValueError:
                return None
            if value.tzinfo is None:
                return None
            try:
                value = value.astimezone(dt.UTC)
            except (OverflowError, ValueError):
                return None
        return cls(value, prefix, ref)


@dataclass
class Query:
    search: str = ""
    state: str = ""
    sort: Sort = DEFAULT_SORT
    after: Cursor | None = None
    limit: int = PAGE_SIZE

    @property
    def needle(self) -> str:
        return self.search.strip().casefold()

    @property
    def scans(self) -> bool:
        """Whether rows must be decoded to be chosen (a search, the Refused filter)."""
        # Active leaves out refused rows, which only decoding tells apart.
        return bool(self.needle) or self.state in ("active", "refused")

    def wants(self, row: Listed, now: dt.datetime) -> bool:
        if self.state and row.state(now) != self.state:
            return False
        return not self.needle or row.matches(self.needle)


def unhex(text: str) -> str | None:
    """Up to four characters written as the hex of their UTF-8; None for anything else."""
    if not re.fullmatch("(?:[0-9a-f]{2}){0,16}", text):
        return None
    try:
        value = bytes.fromhex(text).decode()
    except UnicodeDecodeError:
        return None
    # No stored key holds a NUL, and PostgreSQL refuses one in a query.
    return value if len(value) <= 4 and "\x00" not in value else None


def _compare(a: SortValue, b: SortValue, descending: bool) -> int:
    order = (a > b) - (a < b)  # type: ignore[operator]
    return -order if descending else order


def after_cursor(rows: Iterable[Listed], cursor: Cursor | None, sort: Sort) -> Iterator[Listed]:
    """``rows`` (in ``sort`` order) from the one after ``cursor``.

    Rows with the cursor's own value are told apart by the digest: everything up to the
    cursor's row goes. Should that row be gone meanwhile, rows sharing its value and its
    first four characters are kept (a row may show twice, none is skipped).
    """
    if cursor is None:
        yield from rows
        return
    held: list[Listed] = []
    rows = iter(rows)
    for row in rows:
        order = _compare(row.value(sort), cursor.value, sort.descending)
        if order < 0:
            continue
        if order == 0 and constant_time_compare(row.ref, cursor.ref):
            held = []
            break
        if order == 0:
            prefix = _compare(row.key[:4], cursor.prefix, sort.descending)
            if prefix < 0:
                continue
            if prefix == 0:
                held.append(row)
                continue
        yield from held
        yield row
        break
    else:
        yield from held
        return
    yield from rows


@dataclass
class SourcePage:
    rows: list[Listed]
    #: The last row examined, where a scan stopped before the end: nothing after it is known.
    horizon: Listed | None = None
    examined: int = 0


class TableSource:
    """The django_session table (the db and cached_db engines)."""

    store = "django_session"

    def __init__(self, cached_db_keys: set[str], now: dt.datetime) -> None:
        self.cached_db_keys = cached_db_keys
        self.now = now
        #: Whether rows read now are kept (not those a search reads through).
        self.keep = True

    def listed(
        self,
        key: str,
        session_data: str,
        expire_date: dt.datetime,
        stamp: tuple[int, str] | None = None,
    ) -> Listed:
        cached = key in self.cached_db_keys
        signers = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
        expired = expire_date <= self.now
        if self.keep and len(session_data) <= KEPT_ROW_BYTES:
            record = _row(key, session_data, expire_date, signers, expired)
        else:
            record = row_record(
                key, session_data, expire_date, decode(session_data, DB_SALT), expired
            )
        if cached:
            # A copy: the kept record is shared, and the cache entry beside it changes apart.
            record = with_cache_entry(copy.copy(record), read_cache_entry(CACHED_DB_PREFIX, key))
        return Listed(
            key=key,
            store=self.store,
            # The same table and the same signing salt: a row alone cannot tell the two apart.
            engine="cached_db" if cached else ROW_ENGINES,
            record=record,
            cached=cached,
            stamp=stamp,
        )

    def ordered(self, sort: Sort, now: dt.datetime, state: str) -> QuerySet[Any]:
        rows = session_rows().all()
        if state == "expired":
            rows = rows.filter(expire_date__lte=now)
        elif state:
            rows = rows.filter(expire_date__gt=now)
        if sort.by == "saved":
            # The signature's timestamp sits between the first ":" and the signature; base62
            # of equal length orders as the number does, compared byte by byte.
            start = StrIndex("session_data", Value(":")) + 1
            stamp = Substr(
                "session_data",
                start,
                Greatest(Length("session_data") - start - SIGNATURE_LENGTH, 0),
            )
            if connection.vendor == "postgresql":
                stamp = Collate(stamp, "C")
            # Its length, then its first characters: a value Django did not write may hold
            # anything there, and a page link carries what a sort compares.
            rows = rows.annotate(whole_stamp=stamp).annotate(
                stamp_length=Length("whole_stamp"), stamp=Substr("whole_stamp", 1, STAMP_SHOWN)
            )
            fields = ["stamp_length", "stamp", "session_key"]
            shown = ["session_key", "session_data", "expire_date", "stamp_length", "stamp"]
        else:
            fields = ["expire_date", "session_key"]
            shown = ["session_key", "session_data", "expire_date"]
        order = [F(name).desc() if sort.descending else F(name).asc() for name in fields]
        return rows.order_by(*order).values_list(*shown)

    def _beyond(
        self, rows: QuerySet[Any], sort: Sort, value: SortValue, key: str | None
    ) -> QuerySet[Any]:
        """Rows after (value, key) in ``sort`` order; with no key, from ``value`` on. Written as
        one range and a filter within it, so the expire_date index serves it (an OR of two
        ranges makes SQLite read the whole table)."""
        after = "lt" if sort.descending else "gt"
        if sort.by == "saved":
            length, stamp = value  # type: ignore[misc]
            rows = rows.filter(**{f"stamp_length__{after}e": length}).filter(
                Q(**{f"stamp_length__{after}": length}) | Q(**{f"stamp__{after}e": stamp})
            )
            if key is None:
                return rows
            return rows.filter(
                Q(**{f"stamp_length__{after}": length})
                | Q(**{f"stamp__{after}": stamp})
                | Q(**{f"session_key__{after}": key})
            )
        rows = rows.filter(**{f"expire_date__{after}e": value})
        if key is None:
            return rows
        return rows.filter(
            Q(**{f"expire_date__{after}": value}) | Q(**{f"session_key__{after}": key})
        )

    def _stream(self, query: Query, now: dt.datetime) -> Iterator[Listed]:
        """Every row after the cursor, in order, fetched a batch at a time by keyset."""
        base = self.ordered(query.sort, now, query.state)
        # A plain page needs limit + 1 rows (the one more says there is a next page), and one
        # more after a cursor, whose own row comes back first; a scan reads in slices.
        batch_size = SCAN_BATCH if query.scans else query.limit + 1
        rows = base
        if query.after is not None:
            rows = self._beyond(base, query.sort, query.after.value, None)
            batch_size += 1
        while True:
            batch = list(rows[:batch_size])
            last = None
            for key, session_data, expire_date, *stamp in batch:
                # The last save as the database ordered it, so a cursor says the same.
                last = self.listed(key, session_data, expire_date, tuple(stamp) or None)
                yield last
            if len(batch) < batch_size or last is None:
                return
            rows = self._beyond(base, query.sort, last.value(query.sort), last.key)

    def page(self, query: Query, now: dt.datetime) -> SourcePage:
        self.keep = not query.scans
        return take(after_cursor(self._stream(query, now), query.after, query.sort), query, now)

    def find(self, ref: str, prefix: str, suffix: str) -> Listed | None:
        rows = session_rows().filter(session_key__startswith=prefix, session_key__endswith=suffix)
        for key, session_data, expire_date in rows.values_list(
            "session_key", "session_data", "expire_date"
        ):
            if constant_time_compare(ref_of(key), ref):
                return self.listed(key, session_data, expire_date)
        return None


#: Rows kept decoded: a few pages' worth, and none larger than this (a session at the forms'
#: limits is some 55 KB stored, and several times that decoded).
KEPT_ROWS = 256
KEPT_ROW_BYTES = 8192


@functools.lru_cache(maxsize=KEPT_ROWS)
def _row(
    key: str, session_data: str, expire_date: dt.datetime, signers: tuple[str, ...], expired: bool
) -> StoredRecord:
    """A row as a record, kept while the row is unchanged: a live table is drawn again each
    time anything changes, mostly from the same rows. ``signers``: the keys that verify it, so
    a new SECRET_KEY decodes afresh; ``expired``, so a row that expires is judged again.
    Read-only: shared between requests."""
    return row_record(key, session_data, expire_date, decode(session_data, DB_SALT), expired)


def take(rows: Iterable[Listed], query: Query, now: dt.datetime) -> SourcePage:
    """The first ``limit + 1`` rows ``query`` wants; a search stops after ``SCAN_BUDGET``."""
    page = SourcePage(rows=[])
    for row in rows:
        page.examined += 1
        if query.wants(row, now):
            page.rows.append(row)
            if len(page.rows) > query.limit:
                return page
        if query.scans and page.examined >= SCAN_BUDGET:
            page.horizon = row
            return page
    return page


class ListSource:
    """A store small enough to list whole: read every record, sort in memory."""

    store = ""

    def records(self) -> list[Listed]:
        raise NotImplementedError

    @cached_property
    def all(self) -> list[Listed]:
        return self.records()

    def page(self, query: Query, now: dt.datetime) -> SourcePage:
        ordered = sorted(
            self.all,
            key=lambda row: (row.value(query.sort), row.key),
            reverse=query.sort.descending,
        )
        return take(after_cursor(ordered, query.after, query.sort), query, now)

    def find(self, ref: str, prefix: str, suffix: str) -> Listed | None:
        for row in self.all:
            if (
                row.key.startswith(prefix)
                and row.key.endswith(suffix)
                and constant_time_compare(row.ref, ref)
            ):
                return row
        return None


class FileSource(ListSource):
    """The file engine's folder: one file per session, named SESSION_COOKIE_NAME + key."""

    store = "file"

    def records(self) -> list[Listed]:
        engine = ENGINES["file"]
        directory = engine.directory  # type: ignore[attr-defined]
        prefix = settings.SESSION_COOKIE_NAME
        listed = []
        for path in directory.iterdir():
            key = path.name[len(prefix) :]
            if not (path.name.startswith(prefix) and KEY_SHAPE.fullmatch(key)):
                continue
            record = engine.read(key)
            if record is not None:
                listed.append(Listed(key=key, store=self.store, engine="file", record=record))
        return listed


class CacheSource(ListSource):
    """The cache engine's entries, and cached_db copies whose row is gone."""

    store = "cache"

    def __init__(self, cache_keys_: list[str], orphans: list[str]) -> None:
        self.cache_keys = cache_keys_
        self.orphans = orphans

    def records(self) -> list[Listed]:
        listed = []
        for engine, prefix, keys in (
            ("cache", CACHE_PREFIX, self.cache_keys),
            ("cached_db", CACHED_DB_PREFIX, self.orphans),
        ):
            for key in keys:
                record = read_cache_entry(prefix, key)
                if record is not None:
                    listed.append(Listed(key=key, store=self.store, engine=engine, record=record))
        return listed


@dataclass
class StoreCount:
    """What one store holds, for the class view's header."""

    store: str
    engines: str
    total: int | None
    states: dict[str, int] = field(default_factory=dict)
    note: str = ""
    #: When it was counted, where the count is kept a while (the table).
    counted_at: dt.datetime | None = None


@dataclass
class Listing:
    """One page of the class view: its rows, where the next page starts, what each store holds."""

    rows: list[Listed]
    next_cursor: Cursor | None
    #: Rows a search decoded for this page, when it stopped before the end.
    stopped_after: int | None
    counts: list[StoreCount]
    notes: list[str]
    #: When a row shown changes state by itself: the first expiry still to come.
    next_change: dt.datetime | None


def session_cache_keys(prefix: str) -> list[str] | None:
    return cache_keys.suffixes(session_cache(), prefix, KEY_SHAPE)


def listing(query: Query, table_counts: Callable[[], StoreCount]) -> Listing:
    now = timezone.now()
    notes: list[str] = []
    cache = session_cache()
    cached = session_cache_keys(CACHE_PREFIX)
    cached_db = session_cache_keys(CACHED_DB_PREFIX)
    if cached is None or cached_db is None:
        notes.append(
            f"The session cache ({type(cache).__name__}) cannot list its keys: its "
            "entries are not shown."
        )
    cached_db_set = set(cached_db or [])
    with_rows = (
        set(
            session_rows()
            .filter(session_key__in=cached_db_set)
            .values_list("session_key", flat=True)
        )
        if cached_db_set
        else set()
    )
    orphans = sorted(cached_db_set - with_rows)
    table = TableSource(cached_db_set, now)
    files = FileSource()
    try:
        files.all  # noqa: B018 (read the folder now, to say so if it cannot be)
    except OSError as error:
        files.all = []  # type: ignore[misc]
        notes.append(f"The session folder cannot be listed ({error.strerror}): no files shown.")
    entries = CacheSource(cached or [], orphans)
    if isinstance(cache, LocMemCache):
        notes.append(
            "The cache is local memory: the class view lists what this server process holds. "
            "Another process would hold its own."
        )
    pages = [source.page(query, now) for source in (table, files, entries)]
    rows, next_cursor, stopped = merge(pages, query)
    counts = [
        table_counts(),
        _count(files.all, "file", "file", now),
        _count(
            entries.all,
            "cache",
            "the cache engine, and cached_db copies whose row is gone",
            now,
            note=describe_cache(cache),
        ),
    ]
    for row in rows:
        row.state_now = row.state(now)
    coming = [row.expires_at for row in rows if row.expires_at is not None and row.expires_at > now]
    return Listing(
        rows=rows,
        next_cursor=next_cursor,
        stopped_after=stopped,
        counts=counts,
        notes=notes,
        next_change=min(coming, default=None),
    )


def merge(pages: list[SourcePage], query: Query) -> tuple[list[Listed], Cursor | None, int | None]:
    """The sources' pages as one: nothing past where a stopped scan got to, ``limit`` rows."""
    sort = query.sort

    def position(row: Listed) -> tuple[SortValue, str]:
        return (row.value(sort), row.key)

    horizons = [page.horizon for page in pages if page.horizon is not None]
    horizon = None
    if horizons:
        horizon = (max if sort.descending else min)(horizons, key=position)
    rows = sorted(
        (row for page in pages for row in page.rows), key=position, reverse=sort.descending
    )
    if horizon is not None:
        limit = position(horizon)
        rows = [
            row
            for row in rows
            if (position(row) >= limit if sort.descending else position(row) <= limit)
        ]
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        return rows, Cursor.of(rows[-1], sort), None
    if horizon is not None:
        return rows, Cursor.of(horizon, sort), sum(page.examined for page in pages)
    return rows, None, None


def _count(
    rows: list[Listed], store: str, engines: str, now: dt.datetime, note: str = ""
) -> StoreCount:
    states = {"active": 0, "expired": 0, "refused": 0}
    for row in rows:
        states[row.state(now)] += 1
    return StoreCount(store=store, engines=engines, total=len(rows), states=states, note=note)


def count_table(now: dt.datetime) -> StoreCount:
    """The table's rows, active and expired, counted on the expire_date index. A bad signature
    is only found by decoding a row: refused rows are marked where they are shown."""
    expired = session_rows().filter(expire_date__lte=now).count()
    total = session_rows().count()
    return StoreCount(
        store="django_session",
        engines="db and cached_db",
        total=total,
        states={"not expired": total - expired, "expired": expired},
        note="a refused row is found when it is shown",
    )


def find(store: str, ref: str, prefix: str, suffix: str) -> Listed | None:
    """The stored session a row of the class view names, read again from its store."""
    if store == "django_session":
        cached_db = session_cache_keys(CACHED_DB_PREFIX) or []
        return TableSource(set(cached_db), timezone.now()).find(ref, prefix, suffix)
    if store == "file":
        return FileSource().find(ref, prefix, suffix)
    if store == "cache":
        cached = session_cache_keys(CACHE_PREFIX) or []
        cached_db = session_cache_keys(CACHED_DB_PREFIX) or []
        return CacheSource(cached, cached_db).find(ref, prefix, suffix)
    return None
