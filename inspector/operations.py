"""The storage operations Django performed during one request, recorded as they ran.

A ``Recorder`` lives for one request (``InspectorSessionMiddleware`` opens it).
The watchers in ``inspector.watching`` append to it only while a method of
the observed SessionStore runs (``inspector.observed``), so the inspector's own reads, the
auth app's queries and everything else the request does stay out of the list.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from inspector.purposes import purpose_of

PHASES = {
    "view": "In the view",
    "middleware": "In SessionMiddleware, after the view returned",
}

#: The ways a store can be changed, as an operation's ``effect``.
CREATED, UPDATED, DELETED = "created", "updated", "deleted"


@dataclass
class Operation:
    """One call Django made on the session's store."""

    kind: str  # "sql", "transaction", "cache", "file", "signing" or "cookie"
    #: What it does, for its kind: "SELECT", "get", "os.open", "signing.dumps", ...
    verb: str
    #: The SessionStore method it ran in: "load", "exists", "save", "create_save", ...
    step: str
    #: The statement or call, as it ran.
    text: str
    #: The SessionStore calls it ran in, outermost first: "cycle_key() → create() → exists(key)".
    calls: str = ""
    #: The outermost of them, by step name: "clear_expired" for what that class method did.
    within: str = ""
    result: str = ""
    ms: float = 0.0
    #: "view" (while the view ran) or "middleware" (SessionMiddleware, after the view).
    phase: str = "view"
    #: How it changed the store: "created", "updated", "deleted" or "" (it only read).
    effect: str = ""
    #: Rows a SELECT returned (counted as Django fetched them) or a write changed.
    rows: int | None = None

    @property
    def result_text(self) -> str:
        if self.rows is not None:
            return f"{self.rows} row{'s' if self.rows != 1 else ''}"
        return self.result

    @property
    def phase_label(self) -> str:
        return PHASES.get(self.phase, self.phase)

    @property
    def purpose(self) -> str:
        return purpose_of(self.kind, self.verb, self.step)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Recorder:
    """What one request made the session framework do to its store."""

    operations: list[Operation] = field(default_factory=list)
    #: The SessionStore methods running now, outermost first, as (step, call) pairs.
    steps: list[tuple[str, str]] = field(default_factory=list)
    phase: str = "view"
    #: Set once SessionMiddleware is done: anything after that is not Django's work.
    closed: bool = False
    #: What the session framework logged meanwhile ("WARNING django.security...: ...").
    logged: list[str] = field(default_factory=list)
    #: Set while a cache call runs: the SQL of a database cache is the cache's own doing,
    #: recorded as the one cache call the engine made.
    in_cache_call: bool = False

    @property
    def active(self) -> bool:
        return bool(self.steps) and not self.closed

    def add(self, kind: str, verb: str, text: str, **details: Any) -> Operation:
        operation = Operation(
            kind=kind,
            verb=verb,
            step=self.steps[-1][0] if self.steps else "",
            text=text,
            calls=" → ".join(call for _, call in self.steps),
            within=self.steps[0][0] if self.steps else "",
            phase=self.phase,
            **details,
        )
        self.operations.append(operation)
        return operation

    @property
    def total_ms(self) -> float:
        return sum(operation.ms for operation in self.operations)

    @property
    def removed(self) -> int:
        """Records deleted so far: rows a DELETE removed, or one per other deletion."""
        return sum(
            operation.rows or 1 for operation in self.operations if operation.effect == DELETED
        )


_current: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar(
    "inspector_recorder", default=None
)


def active() -> Recorder | None:
    """The recorder of this request while a SessionStore method runs, else None."""
    recorder = _current.get()
    return recorder if recorder is not None and recorder.active else None


@contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    """Make ``recorder`` this request's (this thread's, this task's) recorder."""
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)


def request_recorder() -> Recorder | None:
    """The recorder of this request, whether or not a SessionStore method runs."""
    return _current.get()


#: Where Django's session code logs: a record that does not verify, a cache that failed.
WATCHED_LOGGERS = ("django.security", "django.contrib.sessions")


class LogWatcher(logging.Handler):
    """Hands what Django logs about sessions to the request's recorder, for the page.

    It adds to the loggers' own handlers and changes none of them.
    """

    def emit(self, record: logging.LogRecord) -> None:
        recorder = request_recorder()
        if recorder is not None and not recorder.closed:
            recorder.logged.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def watch_logs() -> None:
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, LogWatcher) for handler in logger.handlers):
            logger.addHandler(LogWatcher(level=logging.WARNING))
