"""When a session store goes away: which one, what plain Django would do, and a way out.

Redis stopped, PostgreSQL gone, SQLite locked past its busy timeout, a session
directory that cannot be written: Django raises, and a plain Django site
answers 500 (under ``make run``, the debug page). The inspector answers with
an explanation instead: in "What just happened" for htmx, as a page otherwise.
Nothing is retried or worked around, so once the store answers again the very
next request works, with no restart. The engine switch keeps working while the
store is down (``escape_route``): it then moves nothing, and says so.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.views.decorators.csrf import ensure_csrf_cookie

from inspector import conf, own_cookies
from inspector.actions import respond
from inspector.engines import ENGINES, Engine, StoredRecord, engine_for, engine_named
from inspector.engines.cache import describe_cache, session_cache
from inspector.engines.file import session_file_path
from inspector.inspection import inspection_of
from inspector.links import URLs
from inspector.masking import Masker
from inspector.operations import CREATED, DELETED, UPDATED, request_recorder
from inspector.page import Action

logger = logging.getLogger(__name__)

try:
    from redis import ConnectionError as RedisConnectionError
    from redis import TimeoutError as RedisTimeoutError
except ImportError:  # a project without Redis: no error of it to explain
    REDIS_ERRORS: tuple[type[BaseException], ...] = ()
    REDIS_TIMEOUTS: tuple[type[BaseException], ...] = ()
else:
    REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)
    REDIS_TIMEOUTS = (RedisTimeoutError,)

REDIS, DATABASE, FILES = "redis", "database", "files"
DIRECTORY, SESSION_FILE = "the session directory", "the session file"


def cache_store() -> str | None:
    """What the session cache keeps its entries in (None: local memory, which cannot go away)."""
    cache = session_cache()
    if isinstance(cache, DatabaseCache):
        return DATABASE
    return REDIS if isinstance(cache, RedisCache) else None


def needs(engine_name: str) -> frozenset[str]:
    """The stores an engine cannot work without."""
    cache = frozenset({cache_store()} - {None})
    return {
        "db": frozenset({DATABASE}),
        "cached_db": frozenset({DATABASE}) | cache,
        "cache": cache,
        "file": frozenset({FILES}),
    }.get(engine_name, frozenset())


#: What SQLite says when the database cannot be used right now, as opposed to a bug
#: such as "no such table", which is an OperationalError too.
SQLITE_TROUBLE = ("locked", "unable to open", "disk i/o", "readonly", "full")

#: Where the pre-read of an engine switch leaves the outage it met (see ``read_before``).
FOUND = "inspector_outage"

PLAIN_500 = "500 Internal Server Error"


@dataclass
class Outage:
    """A store that did not answer, and the error it raised."""

    kind: str  # REDIS, DATABASE or FILES
    #: The store named for people: "Redis at redis://127.0.0.1:6379/0".
    store: str
    error: BaseException
    #: For FILES: which of them, as the way out names it (DIRECTORY or SESSION_FILE).
    name: str = ""

    @property
    def summary(self) -> str:
        """The error as Python prints it, its first line, not too long for a sentence."""
        text = str(self.error).strip().splitlines()[0] if str(self.error).strip() else ""
        text = text if len(text) <= 160 else text[:159] + "…"
        return f"{type(self.error).__name__}: {text}" if text else type(self.error).__name__

    @property
    def sqlite_locked(self) -> bool:
        return (
            self.kind == DATABASE
            and connection.vendor == "sqlite"
            and "locked" in str(self.error).lower()
        )

    @property
    def state(self) -> str:
        """What is wrong with the store, said of it: "is unreachable", "cannot be written"."""
        if self.kind == FILES:
            return "cannot be written"
        if self.sqlite_locked:
            return "is locked"
        if self.kind == DATABASE and connection.vendor == "sqlite":
            return "is unusable"
        return "is unreachable"

    @property
    def what(self) -> str:
        """Which store, and what it did: a sentence, starting lower-case with its name."""
        if self.kind == REDIS:
            timed_out = isinstance(self.error, REDIS_TIMEOUTS)
            return f"{self.store} did not answer{' in time' if timed_out else ''} ({self.summary})."
        if self.kind == FILES:
            if self.name == SESSION_FILE:
                return f"{self.store} cannot be written ({self.summary})."
            if isinstance(self.error, FileNotFoundError):
                return f"{self.store} is missing ({self.summary})."
            if isinstance(self.error, NotADirectoryError | FileExistsError):
                return f"{self.store} is not a directory ({self.summary})."
            return f"{self.store} refuses writes ({self.summary})."
        if self.sqlite_locked:
            timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)
            return (
                f"{self.store} stayed locked longer than its {timeout:g} s busy timeout, another "
                f"connection holding its write lock ({self.summary})."
            )
        if connection.vendor == "sqlite":
            return f"{self.store} could not be used ({self.summary})."
        return f"{self.store} did not answer ({self.summary})."

    @property
    def short(self) -> str:
        """The store as the way-out sentence names it."""
        if self.kind == REDIS:
            return "Redis"
        if self.kind == FILES:
            return self.name
        return "the SQLite database" if connection.vendor == "sqlite" else connection.display_name

    @property
    def back(self) -> str:
        """When the page works again."""
        if self.kind == FILES:
            return f"Once {self.short} can be written again"
        if self.sqlite_locked:
            return "Once the lock is released"
        return f"Once {self.short} answers again"


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what it was raised from or while handling, outermost first.

    SessionMiddleware turns a failed save into SessionInterrupted, raised while
    handling UpdateError, itself raised while handling the database's error.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )


def store_outage(error: BaseException) -> Outage | None:
    """The session store behind ``error`` that went away; None when ``error`` is something else."""
    for cause in causes(error):
        if isinstance(cause, REDIS_ERRORS):
            return Outage(REDIS, describe_cache(session_cache()), cause)
        if isinstance(cause, OperationalError | InterfaceError):
            if connection.vendor == "sqlite" and not any(
                word in str(cause).lower() for word in SQLITE_TROUBLE
            ):
                return None
            return Outage(DATABASE, describe_database(), cause)
        if isinstance(cause, OSError) and (path := session_path(cause)) is not None:
            directory = session_directory()
            if path == directory or not directory.is_dir():
                return Outage(FILES, f"the session directory {directory}", cause, DIRECTORY)
            if isinstance(cause, FileNotFoundError):
                # The session's own file is gone (flushed in another tab): no outage, but
                # Django's refusal to save it (SessionInterrupted), explained as such.
                return None
            return Outage(FILES, f"the session file {path}", cause, SESSION_FILE)
    return None


def describe_database() -> str:
    options = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"the SQLite database {options['NAME']}"
    host = options.get("HOST") or "the local socket"
    port = f":{options['PORT']}" if options.get("PORT") else ""
    return f"{connection.display_name} at {host}{port} (database {options.get('NAME')})"


def session_directory() -> Path:
    return session_file_path()


def session_path(error: OSError) -> Path | None:
    """The path in the session directory (or the directory itself) that ``error`` is about."""
    directory = session_directory()
    for name in (error.filename, error.filename2):
        if name is None:
            continue
        path = Path(os.path.abspath(os.fsdecode(name)))
        if path == directory or directory in path.parents:
            return path
    return None


def plain_django(outage: Outage, engine: Engine) -> str:
    """What a plain Django 5.2 site on ``engine`` does while this store is away."""
    if outage.kind not in needs(engine.name):
        return f"Django does not catch this error: a plain Django site answers {PLAIN_500}."
    if engine.name == "cache" and cache_store() == DATABASE:
        return plain_django_database_cache(outage)
    if engine.name == "cache":
        return (
            "A plain Django site on the cache engine would not notice when it loads a session: "
            "load() swallows the error and starts an empty one, as if the user had logged out. "
            f"Saving or deleting a session raises, and Django answers {PLAIN_500}."
        )
    if outage.kind == REDIS:
        return (
            "A plain Django site on cached_db raises in most places, and answers "
            f"{PLAIN_500}: load() swallows the cache's error and reads the django_session row, "
            "then, if it found one, raises putting it back in the cache; a new session raises "
            "when its key is "
            "looked up in the cache; flush() deletes the row, then raises deleting the cache "
            "entry. Only a save that needs no load first (after clear(), say) gets through: it "
            "writes the row and only logs the cache's error (Django 5.1+)."
        )
    if outage.kind == FILES and outage.name == SESSION_FILE:
        return (
            "A plain Django site on the file engine raises it from save(), which opens the "
            f"session file for writing before anything else, and answers {PLAIN_500}."
        )
    if outage.kind == FILES:
        return plain_django_files(outage.error)
    interrupted = (
        "a failed save() of an existing session becomes UpdateError, which SessionMiddleware "
        "turns into SessionInterrupted: 400 Bad Request, as if another tab had logged out"
    )
    if outage.sqlite_locked:
        options = connection.settings_dict.get("OPTIONS", {})
        wal = "journal_mode=wal" in options.get("init_command", "").lower()
        return (
            "A plain Django site would read sessions as usual"
            + (" (in WAL mode readers do not wait for a writer)" if wal else "")
            + (
                ", except where a read writes to its cache table: an expired entry's DELETE "
                "raises out of get() after the busy timeout, and load() swallows it; putting a "
                "missed entry back waits too, and set() swallows its error"
                if engine.name == "cached_db" and cache_store() == DATABASE
                else ""
            )
            + ", but every save() would wait out the busy timeout too: "
            + interrupted
            + f", and creating a new session raises OperationalError: {PLAIN_500}."
        )
    if engine.name == "cached_db" and cache_store() == DATABASE:
        return (
            "A plain Django site on cached_db, whose cache is a table in this same database, "
            "loads a session its cache holds where the database can still be read; wherever "
            "the database refuses a query on django_session, Django raises OperationalError "
            f"and answers {PLAIN_500}, except that {interrupted}."
        )
    if engine.name == "cached_db":
        return (
            "A plain Django site on cached_db still loads a session its cache holds, without "
            "asking the database; anything that reaches django_session raises OperationalError, "
            f"and Django answers {PLAIN_500}, except that {interrupted}."
        )
    if connection.vendor == "sqlite":
        return (
            "A plain Django site raises OperationalError where SQLite refuses it (a write, on "
            "a read-only or full disk; a read as well, when the file cannot be opened) and "
            f"answers {PLAIN_500}; {interrupted}."
        )
    return (
        "A plain Django site raises OperationalError as soon as its session code queries "
        f"django_session (load(), exists(), delete()) and answers {PLAIN_500}; "
        f"{interrupted}."
    )


def plain_django_database_cache(outage: Outage) -> str:
    """The cache engine on Django's DatabaseCache: set() and add() swallow an error in their
    write, the queries around it (get()'s deletion of an expired entry, delete()) raise."""
    refused = (
        "DatabaseCache's set() and add() swallow the error of their write: a save is lost "
        "without a word, and a new session's add() keeps failing, so create() tries new keys, "
        "up to 10,000 times, then raises RuntimeError"
    )
    if outage.sqlite_locked:
        options = connection.settings_dict.get("OPTIONS", {})
        wal = "journal_mode=wal" in options.get("init_command", "").lower()
        immediate = options.get("transaction_mode") == "IMMEDIATE"
        return (
            "A plain Django site on the cache engine, whose cache is a table in this database, "
            "would read sessions as usual"
            + (" (in WAL mode readers do not wait for a writer)" if wal else "")
            + ", but every write "
            + (
                "would wait out the busy timeout (transactions here are IMMEDIATE)"
                if immediate
                else "would fail"
            )
            + f". Then {refused}. Deleting a session raises, and Django answers {PLAIN_500}."
        )
    return (
        "A plain Django site on the cache engine, whose cache is a table in this database: "
        "where the database cannot be read, load() swallows the error and starts an empty "
        "session, as if the user had logged out, and saving raises. Where it can be read but "
        f"refuses writes (read-only, full), sessions load, but {refused}. Deleting a session "
        f"raises. An error Django does not swallow answers {PLAIN_500}."
    )


def plain_django_files(error: BaseException) -> str:
    """Django's file backend swallows most errors; which ones depends on what is wrong."""
    if isinstance(error, FileNotFoundError):
        return (
            "A plain Django site on the file engine would not say so: load() swallows the error "
            "and starts an empty session, as if the user had logged out, and saving a new "
            "session writes nothing and raises nothing, so Django sends the cookie of a session "
            "that was never stored."
        )
    if isinstance(error, NotADirectoryError | FileExistsError):
        return (
            "A plain Django site on the file engine would not notice when it loads a session: "
            "load() swallows the error and starts an empty one, as if the user had logged out. "
            "Saving a new session raises NotADirectoryError when it creates the session's file, "
            f"and Django answers {PLAIN_500}."
        )
    return (
        "A plain Django site on the file engine would still load sessions, but save() swallows "
        "the error writing its temporary file, so a change to an existing session is lost "
        "without a word; creating a new session's file raises, and Django answers "
        f"{PLAIN_500}."
    )


def unchanged(request: HttpRequest) -> str:
    """Whether the store was changed before the error, from what the recorder saw succeed."""
    recorder = request_recorder()
    changes = [
        operation.text
        for operation in (recorder.operations if recorder else [])
        if operation.effect in {CREATED, UPDATED, DELETED}
    ]
    cookie = "this answer sends no session cookie" + (
        ", so your browser keeps the one it had"
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        else ""
    )
    if changes:
        return (
            f"Before the error, Django changed the store: {'; '.join(changes)}. "
            f"{cookie[0].upper()}{cookie[1:]}."
        )
    return f"Nothing was changed: no session record was written or deleted, and {cookie}."


def escapes(outage: Outage, engine: Engine) -> list[str]:
    """The engines this browser can switch to that do not need the store that is away."""
    return [name for name in ENGINES if name != engine.name and outage.kind not in needs(name)]


@dataclass
class Explanation:
    what: str
    plain_django: str
    unchanged: str
    way_out: str
    escapes: list[str]


def explain(request: HttpRequest, error: BaseException) -> HttpResponse | None:
    """The answer to a request that met a store gone away; None for any other error."""
    outage = store_outage(error)
    if outage is None:
        return None
    engine = engine_for(request)
    # A store the session does not use (the database, for logging in on the file engine):
    # switching engines would not help.
    needed = outage.kind in needs(engine.name)
    whose = "This browser's session store" if needed else "A store this request needed"
    way_out = f"{outage.back}, reload: the page works again, with no restart."
    # Where the engine switch is off (a project's own SESSION_ENGINE), there is no way round.
    switchable = needed and conf.enabled("ENGINE_SWITCH")
    if switchable:
        way_out = (
            f"The way out: switch this browser to an engine that does not need {outage.short}. "
            + way_out
        )
    # Error texts name files and cache keys: a session key in them is masked, as everywhere.
    masked = Masker.of([request.COOKIES.get(settings.SESSION_COOKIE_NAME)])
    explanation = Explanation(
        what=masked(f"{whose} {outage.state}: {outage.what}"),
        plain_django=plain_django(outage, engine),
        unchanged=masked(unchanged(request)),
        way_out=way_out,
        escapes=escapes(outage, engine) if switchable else [],
    )
    logger.warning("%s %s: %s", request.method, request.path, explanation.what)
    # Without a session, SessionMiddleware (which sees this answer when a view raised) saves
    # nothing and sends no cookie: what "nothing was changed" promises.
    if hasattr(request, "session"):
        del request.session
    return render_explanation(request, explanation)


@ensure_csrf_cookie
def render_explanation(request: HttpRequest, explanation: Explanation) -> HttpResponse:
    # The switch buttons post a form: ensure_csrf_cookie gives them a token that matches the
    # browser's cookie, even when the error came before CsrfViewMiddleware had read it.
    context = {
        "outage": explanation,
        "urls": URLs(),
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
    }
    # 200, not 503: the request itself was fine and the inspector answered it in full, with
    # what happened; a 5xx would be the failure the issue is about (and the page's htmx config
    # does not swap one in), and a 4xx would blame a request that works, unchanged, once the
    # store is back.
    if request.headers.get("HX-Request"):
        # Into "What just happened", where every other refusal goes (see inspector.errors).
        response = HttpResponse(render_to_string("inspector/page.html#outage", context))
        response.headers["HX-Retarget"] = "#happened"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = HttpResponse(render_to_string("inspector/page.html#problem_page", context))
    # Only true while the store is away: never kept by a cache.
    add_never_cache_headers(response)
    return response


def read_before(
    request: HttpRequest, engine: Engine, session_key: str | None
) -> StoredRecord | None:
    """The stored record an action starts from, read before the view.

    On the way out of a store that is away (the engine switch), its error is
    kept for ``escape_route`` instead of raised, so the switch can still run.
    """
    try:
        return engine.read(session_key)
    except Exception as error:
        outage = store_outage(error)
        if outage is None or not leaving(request):
            raise
        setattr(request, FOUND, outage)
        return None


def leaving(request: HttpRequest) -> bool:
    """Whether this request switches the browser to another engine."""
    if request.method != "POST" or request.path_info != reverse("inspector:engine"):
        return False
    new = engine_named(request.POST.get("engine", ""))
    return new is not None and new is not engine_for(request)


def escape_route(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """The engine switch, kept working while the old store is away.

    Django's cache and file engines swallow the error when they load (an empty
    session, as if there were no keys), so the switch cannot find out by
    itself: the pre-read (``read_before``) tells it. A store that fails while
    the view runs (SQLite locked past its busy timeout when the old record is
    deleted) ends the same way.
    """

    @wraps(view)
    def switch(request: HttpRequest) -> HttpResponse:
        outage: Outage | None = getattr(request, FOUND, None)
        if outage is None:
            try:
                return view(request)
            except Exception as error:
                outage = store_outage(error) if leaving(request) else None
                if outage is None:
                    raise
        return switch_away(request, outage)

    return switch


def switch_away(request: HttpRequest, outage: Outage) -> HttpResponse:
    """Switch engines moving nothing: nothing copied out of the old store, nothing deleted."""
    old = engine_for(request)
    new = engine_named(request.POST["engine"])
    assert new is not None  # leaving() said so
    inspection = inspection_of(request)
    # The browser's key, handed to the new engine: nothing to save, no cookie to send.
    request.session = new.store(inspection.sent_key)
    request.inspector_engine = new  # type: ignore[attr-defined]
    message = f"Switched from {old.name} to {new.name}, moving nothing: {outage.what}"
    message += f" Nothing was copied into {new.name}, and " + (
        "the old record was deleted before the error."
        if inspection.deleted
        else f"nothing was deleted from {old.name}'s store: its record of this session, if "
        "any, stays there."
    )
    if inspection.sent_key:
        message += f" Your browser keeps its session cookie, and {new.name} " + (
            f"looks its key up in {new.where(None)}."
            if new.stores_on_server
            else "reads the cookie itself as the session: a session key is no signed "
            "session, so it starts empty."
        )
    python = (
        "# The inspector, not Django: this browser gets another SessionStore class.\n"
        f"# Nothing is copied or deleted: {outage.short} {outage.state}.\n"
        f"request.session = {new.module}.SessionStore(\n"
        "    request.COOKIES.get(settings.SESSION_COOKIE_NAME))"
    )
    return own_cookies.remember_engine(
        respond(request, Action(python=python, message=message)), new.name
    )
