"""Watch Django's session backends talk to their stores, the way django-debug-toolbar does.

- SQL: ``connection.execute_wrapper`` sees every statement with its parameters;
  the connection's ``commit``/``rollback`` are wrapped while a store method runs.
- Cache: the store's own ``_cache`` is replaced by a ``CacheWatcher`` that
  passes every call through.
- Files and signing: the ``os``, ``shutil``, ``tempfile``, ``open`` and ``signing``
  names that Django's ``file`` and ``signed_cookies`` modules use are replaced
  by pass-through watchers (``install``). They record only while a method of an
  observed SessionStore runs in an inspected request; otherwise they only call on.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import Any

from django.core.cache import BaseCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from inspector.cache_keys import peek_row
from inspector.operations import CREATED, DELETED, UPDATED, Operation, Recorder, active

#: Longer parameters (signed session data) are shown cut in the middle.
SHOWN_CHARACTERS = 40
TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def shorten(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 12]}…{text[-8:]} ({len(text):,} chars)"


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


# SQL


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = shorten(str(value))
    return "'" + text.replace("'", "''") + "'"


def sql_with_parameters(sql: str, params: Any) -> str:
    """The statement with its parameters in place, as a person reads it."""
    if not params:
        return sql
    if isinstance(params, list | tuple) and sql.count("%s") == len(params):
        pieces = sql.split("%s")
        out = [pieces[0]]
        for value, piece in zip(params, pieces[1:], strict=True):
            out += [sql_literal(value), piece]
        return "".join(out)
    return f"{sql}  -- parameters: {params!r}"


def sql_effect(verb: str, rowcount: int) -> str:
    if rowcount <= 0:
        return ""
    return {"INSERT": CREATED, "UPDATE": UPDATED, "DELETE": DELETED}.get(verb, "")


class _CountRows:
    """Count the rows Django fetches from a SELECT, without fetching any itself."""

    def __init__(self, operation: Operation, fetch: Callable[..., Any], single: bool) -> None:
        self.operation, self.fetch, self.single = operation, fetch, single

    def __call__(self, *args: Any) -> Any:
        rows = self.fetch(*args)
        if self.single:
            self.operation.rows = (self.operation.rows or 0) + (rows is not None)
        else:
            self.operation.rows = (self.operation.rows or 0) + len(rows)
        return rows


def record_sql(
    recorder: Recorder,
    execute: Callable[..., Any],
    sql: str,
    params: Any,
    many: bool,
    context: dict[str, Any],
) -> Any:
    if recorder.in_cache_call:
        return execute(sql, params, many, context)
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "SQL"
    kind = "transaction" if verb in TRANSACTION_WORDS else "sql"
    operation = recorder.add(kind, verb, sql_with_parameters(sql, None if many else params))
    started = time.perf_counter()
    try:
        result = execute(sql, params, many, context)
    except Exception as error:
        operation.result = type(error).__name__
        raise
    finally:
        operation.ms = elapsed_ms(started)
    cursor = context["cursor"]
    if verb == "SELECT":
        operation.rows = 0
        # Instance attributes win over CursorWrapper.__getattr__: counted as Django fetches.
        cursor.fetchone = _CountRows(operation, cursor.cursor.fetchone, single=True)
        cursor.fetchmany = _CountRows(operation, cursor.cursor.fetchmany, single=False)
        cursor.fetchall = _CountRows(operation, cursor.cursor.fetchall, single=False)
    elif kind == "sql" and cursor.rowcount is not None and cursor.rowcount >= 0:
        operation.rows = cursor.rowcount
        operation.effect = sql_effect(verb, cursor.rowcount)
    return result


def _wrap_transaction(
    recorder: Recorder, connection: BaseDatabaseWrapper, name: str, verb: str
) -> Callable[..., Any]:
    method = getattr(connection, name)

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        starting = name == "set_autocommit"
        if recorder.in_cache_call or (starting and (args[:1] or [kwargs.get("autocommit")])[0]):
            return method(*args, **kwargs)
        text = "connection.set_autocommit(False)" if starting else f"{verb}  -- connection.{name}()"
        operation = recorder.add("transaction", verb, text)
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            operation.ms = elapsed_ms(started)
            # SQLite starts the transaction with a BEGIN statement of its own, recorded
            # inside this call; other backends' drivers send BEGIN with the next statement.
            if starting and recorder.operations[-1].verb == "BEGIN":
                recorder.operations.remove(operation)

    return wrapper


@contextmanager
def watching_databases(recorder: Recorder) -> Iterator[None]:
    """Record the statements and transaction ends of every database while a store method runs."""
    with ExitStack() as stack:
        for connection in connections.all():
            wrapper = functools.partial(record_sql, recorder)
            stack.enter_context(connection.execute_wrapper(wrapper))
            for name, verb in (
                ("commit", "COMMIT"),
                ("rollback", "ROLLBACK"),
                ("set_autocommit", "set_autocommit"),
            ):
                setattr(connection, name, _wrap_transaction(recorder, connection, name, verb))
                stack.callback(delattr, connection, name)
        yield


# Cache


class CacheWatcher:
    """The session store's cache, every call passed through and recorded."""

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cache, name)

    def _call(
        self,
        verb: str,
        key: str,
        call: Callable[[], Any],
        shown: str = "",
        outcome: Callable[[Any], Any] | None = None,
    ) -> Any:
        """Run ``call`` and record it; ``outcome`` turns what it returned into what it did,
        where the return value does not say."""
        recorder = active()
        if recorder is None:
            return call()
        full_key = self.cache.make_key(key)
        operation = recorder.add("cache", verb, f"cache.{verb}({full_key!r}{shown})")
        started = time.perf_counter()
        outer, recorder.in_cache_call = recorder.in_cache_call, True
        try:
            result = call()
            did = result if outcome is None else outcome(result)
        except Exception as error:
            operation.result = type(error).__name__
            raise
        finally:
            recorder.in_cache_call = outer
            operation.ms = elapsed_ms(started)
        operation.result = _cache_result(verb, did)
        operation.effect = _cache_effect(verb, did, recorder.steps[-1][0])
        return result

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", key, lambda: self.cache.get(key, default, version))

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        shown = f", {_dict_summary(value)}, timeout={timeout}"
        # When a database cache's entry would expire, in seconds since 1970, as it works that
        # out before it writes (the write may then wait for a lock).
        database = isinstance(self.cache, DatabaseCache)
        expires = self.cache.get_backend_timeout(timeout) if database else None
        return self._call(
            "set",
            key,
            lambda: self.cache.set(key, value, timeout, version),
            shown,
            lambda _: self._stored(key, value, version, expires),
        )

    def _stored(
        self, key: str, value: Any, version: int | None, expected: float | None
    ) -> bool | None:
        """Whether set() stored ``value``; None where the cache cannot tell.

        DatabaseCache.set() swallows a write the database refuses and returns None either
        way: its row is read back as the inspector reads rows (no get(), which deletes an
        expired entry), and counts as this write only with this write's expiry. Other caches
        raise instead."""
        if not isinstance(self.cache, DatabaseCache):
            return True
        if expected is not None and expected <= time.time():
            return None  # written already expired: no row to find either way
        try:
            found, expires, _ = peek_row(self.cache, self.cache.make_key(key, version=version))
        except Exception:
            return None
        # DatabaseCache keeps whole seconds.
        fresh = expires is not None and (expected is None or expires >= expected - 2)
        return found == value and fresh

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        shown = f", {_dict_summary(value)}, timeout={timeout}"
        return self._call("add", key, lambda: self.cache.add(key, value, timeout, version), shown)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._call("delete", key, lambda: self.cache.delete(key, version))

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._call("has_key", key, lambda: self.cache.has_key(key, version))

    def __contains__(self, key: str) -> bool:
        # ``key in cache`` is BaseCache.__contains__, which calls has_key().
        return self.has_key(key)


def _dict_summary(value: Any) -> str:
    if isinstance(value, dict):
        keys = ", ".join(repr(key) for key in list(value)[:4])
        more = ", …" if len(value) > 4 else ""
        return f"<dict of {len(value)} key{'s' if len(value) != 1 else ''}: {keys}{more}>"
    return shorten(repr(value))


def _cache_result(verb: str, result: Any) -> str:
    if verb == "get":
        return "miss (None)" if result is None else f"hit: {_dict_summary(result)}"
    if verb == "set":
        if result is None:
            return "no error raised (DatabaseCache swallows a write the database refuses)"
        return "stored" if result else "not stored: DatabaseCache swallowed the database's error"
    return repr(result)


def _cache_effect(verb: str, result: Any, step: str) -> str:
    if verb == "add" and result:
        return CREATED
    if verb == "set" and result is not False and step in {"save", "create_save"}:
        return CREATED if step == "create_save" else UPDATED
    if verb == "delete" and result:
        return DELETED
    return ""


# Files and signing: pass-through stand-ins for the names Django's modules use.


class _Watched:
    """A module whose chosen functions are recorded when called during a store method."""

    def __init__(self, module: Any, kind: str, prefix: str, functions: dict[str, Any]) -> None:
        self._module = module
        self._kind = kind
        self._prefix = prefix
        self._functions = functions

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if name not in self._functions:
            return value
        describe = self._functions[name]
        if isinstance(describe, _Watched):
            return describe
        return functools.partial(_call, self._kind, f"{self._prefix}{name}", value, describe)


def _call(
    kind: str,
    verb: str,
    function: Callable[..., Any],
    describe: Callable[..., tuple[str, str]],
    *args: Any,
    **kwargs: Any,
) -> Any:
    recorder = active()
    if recorder is None:
        return function(*args, **kwargs)
    arguments, effect = describe(*args, **kwargs)
    operation = recorder.add(kind, verb, f"{verb}({arguments})")
    started = time.perf_counter()
    try:
        result = function(*args, **kwargs)
    except Exception as error:
        operation.result = f"{type(error).__name__}"
        raise
    finally:
        operation.ms = elapsed_ms(started)
    # An unlink inside save() only tidies away its own temporary file.
    if verb != "os.unlink" or recorder.steps[-1][0] not in {"save", "create_save"}:
        operation.effect = effect
    operation.result = _file_result(verb, result)
    return result


def _file_result(verb: str, result: Any) -> str:
    match verb:
        case "os.path.exists":
            return repr(result)
        case "os.stat":
            modified = dt.datetime.fromtimestamp(result.st_mtime, tz=dt.UTC)
            return f"st_mtime {modified:%H:%M:%S} UTC"
        case "os.write":
            return f"{result:,} bytes written"
        case "tempfile.mkstemp":
            return shown_path(result[1])
        case "os.listdir":
            return f"{len(result)} entr{'y' if len(result) == 1 else 'ies'}"
        case "signing.dumps":
            return f"{len(result):,} characters"
        case "signing.loads":
            return _dict_summary(result)
    return ""


def shown_path(path: Any) -> str:
    """A session file's path as the list shows it: its folder's name and its own."""
    folder, name = os.path.split(os.fspath(path))
    return repr(f"…/{os.path.basename(folder)}/{name}" if folder else name)


def _flags(flags: int) -> str:
    names = [name for name in ("O_WRONLY", "O_CREAT", "O_EXCL") if flags & getattr(os, name)]
    return "|".join(names) or str(flags)


FILE_FUNCTIONS: dict[str, Any] = {
    "open": lambda path, flags, *rest: (
        f"{shown_path(path)}, {_flags(flags)}",
        CREATED if flags & os.O_CREAT else "",
    ),
    "write": lambda fd, data: (f"fd, <{len(data):,} bytes>", ""),
    "unlink": lambda path: (shown_path(path), DELETED),
    "stat": lambda path, *rest: (shown_path(path), ""),
    "listdir": lambda path=".": (shown_path(path), ""),
}
PATH_FUNCTIONS: dict[str, Any] = {"exists": lambda path: (shown_path(path), "")}
TEMPFILE_FUNCTIONS: dict[str, Any] = {
    "mkstemp": lambda dir=None, prefix=None, **rest: (
        f"dir={shown_path(dir)}, prefix={os.path.basename(prefix or '')!r}",
        "",
    ),
}
SHUTIL_FUNCTIONS: dict[str, Any] = {
    "move": lambda source, target: (f"{shown_path(source)}, {shown_path(target)}", UPDATED),
}


class _WatchedFile:
    """The file Django's file backend opens to read a session: its read() is recorded."""

    def __init__(self, file: Any) -> None:
        self._file = file

    def __enter__(self) -> _WatchedFile:
        self._file.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._file.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def read(self, *args: Any) -> Any:
        recorder = active()
        if recorder is None:
            return self._file.read(*args)
        operation = recorder.add("file", "read", "file.read()")
        started = time.perf_counter()
        try:
            data = self._file.read(*args)
        finally:
            operation.ms = elapsed_ms(started)
        operation.result = f"{len(data):,} characters"
        return data


def _open(path: Any, *args: Any, **kwargs: Any) -> Any:
    recorder = active()
    if recorder is None:
        return builtins.open(path, *args, **kwargs)
    shown = ", ".join([shown_path(path), *map(repr, args)])
    shown += "".join(f", {name}={value!r}" for name, value in kwargs.items())
    operation = recorder.add("file", "open", f"open({shown})")
    started = time.perf_counter()
    try:
        # Django's own ``with`` closes it: the watcher hands the file back to it.
        file = builtins.open(path, *args, **kwargs)  # noqa: SIM115
    except Exception as error:
        operation.result = type(error).__name__
        raise
    finally:
        operation.ms = elapsed_ms(started)
    return _WatchedFile(file)


def _dumps(obj: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    return f"{_dict_summary(obj)}, salt={kwargs.get('salt')!r}, compress=True", ""


def _loads(value: str, *args: Any, **kwargs: Any) -> tuple[str, str]:
    shown = f"{shorten(value)!r}, salt={kwargs.get('salt')!r}, max_age={kwargs.get('max_age')}"
    return shown, ""


SIGNING_FUNCTIONS: dict[str, Any] = {"dumps": _dumps, "loads": _loads}


def install() -> None:
    """Put the watchers in place in Django's file and signed_cookies backends (once)."""
    from django.contrib.sessions.backends import file, signed_cookies

    if isinstance(file.os, _Watched):
        return
    file.os = _Watched(  # type: ignore[assignment]
        os,
        "file",
        "os.",
        FILE_FUNCTIONS | {"path": _Watched(os.path, "file", "os.path.", PATH_FUNCTIONS)},
    )
    file.tempfile = _Watched(file.tempfile, "file", "tempfile.", TEMPFILE_FUNCTIONS)  # type: ignore[assignment]
    file.shutil = _Watched(file.shutil, "file", "shutil.", SHUTIL_FUNCTIONS)  # type: ignore[assignment]
    file.open = _open  # type: ignore[attr-defined]
    signed_cookies.signing = _Watched(  # type: ignore[assignment]
        signed_cookies.signing, "signing", "signing.", SIGNING_FUNCTIONS
    )
