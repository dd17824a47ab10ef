"""Running one action on request.session and answering with what Django did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

from inspector.engines import engine_for
from inspector.inspection import inspection_of
from inspector.page import Action, InspectorPage, redirect_home
from inspector.values import short_repr


@dataclass
class Result:
    """What a call on the session returned, or the exception it raised."""

    value: Any = None
    error: Exception | None = None

    @property
    def text(self) -> str:
        """As Python prints it: the value's repr, or ``KeyError: 'name'``."""
        if self.error is not None:
            return f"{type(self.error).__name__}: {self.error}"
        return short_repr(self.value, 400)


def perform(
    request: HttpRequest,
    python: str,
    message: str | Callable[[Result], str],
    change: Callable[[SessionBase], Any],
    *,
    shows_result: bool = False,
    keep: dict[str, Any] | None = None,
    on_error: dict[str, Any] | None = None,
) -> HttpResponse:
    """Run ``change`` on the session; the page shows the outcome once Django has saved it.

    What ``change`` returns, or the KeyError it raises (as a dict does), is a
    ``Result``; ``message`` may be built from it, and with ``shows_result``
    (or when it raised) the page prints it. ``keep`` is page context shown
    after the action (a form that keeps its input); ``on_error`` replaces it
    when the engine refuses the change.
    """
    keep = keep or {}
    try:
        result = Result(value=change(request.session))
    except KeyError as error:
        result = Result(error=error)
    session = request.session
    # The flags as the change left them, before anything else looks at the session.
    modified, accessed = session.modified, session.accessed
    if problem := refused_write(request):
        context = keep | (on_error or {})
        if form := context.get("add_form"):
            form.add_error(None, problem)
        return answer(request, Action(python="", message=problem, is_error=True), context)
    action = Action(
        python=shorten(python),
        message=message(result) if callable(message) else message,
        result=result.text if shows_result or result.error is not None else "",
        modified=modified,
        accessed=accessed,
    )
    return respond(request, action, **keep)


def refused_write(request: HttpRequest) -> str:
    """Why the engine would lose the session as the view left it ("" when it would not);
    then the change is forgotten: a fresh store from the cookie is the session as it was."""
    engine = engine_for(request)
    problem = engine.write_problem(request.session)
    if problem:
        request.session = engine.store(inspection_of(request).sent_key)
    return problem


def respond(request: HttpRequest, action: Action, **context: Any) -> HttpResponse:
    """htmx gets the changed partials; a plain form post is redirected back to the page."""
    if request.htmx:
        return InspectorPage(request, partial="update", action=action, context=context)
    return redirect_home(action)


def invalid(request: HttpRequest, message: str, **context: Any) -> HttpResponse:
    """Show the forms again with their errors and the user's input; nothing was changed."""
    action = Action(python="", message=message, is_error=True)
    return answer(request, action, context)


def answer(request: HttpRequest, action: Action, context: dict[str, Any]) -> HttpResponse:
    return InspectorPage(
        request, partial="update" if request.htmx else None, action=action, context=context
    )


def shorten(python: str, limit: int = 160) -> str:
    return python if len(python) <= limit else python[: limit - 1] + "…"


NO_SESSION = (
    "There was no session (no session cookie): it is still empty and has no key, so Django "
    "stores nothing and sends no cookie."
)


def no_session(request: HttpRequest) -> str:
    if inspection_of(request).sent_key is None:
        return NO_SESSION
    return (
        "The session cookie your browser sent names no valid session key, so Django sees no "
        "session: it stores nothing, and as the session is empty it tells the browser to "
        "delete the cookie."
    )


def flushed_text(request: HttpRequest, had_key: bool) -> str:
    """What flush() did, for this engine, from what the store saw (flush and logout)."""
    if not had_key:
        return no_session(request)
    inspection = inspection_of(request)
    return engine_for(request).flush_text(inspection.deleted, inspection.had_record)
