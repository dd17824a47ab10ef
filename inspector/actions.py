"""Running one action on request.session and answering with what Django did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

from inspector.engines import engine_for
from inspector.inspection import inspection_of
from inspector.page import Action, InspectorPage, redirect_home


def perform(
    request: HttpRequest,
    python: str,
    message: str | Callable[[str], str],
    change: Callable[[SessionBase], Any],
    *,
    keep: dict[str, Any] | None = None,
    on_error: dict[str, Any] | None = None,
) -> HttpResponse:
    """Run ``change`` on the session; the page shows the outcome once Django has saved it.

    ``change`` may return the text of a result (a method's return value);
    ``message`` may be built from it. ``keep`` is page context shown after
    the action (a form that keeps its input); ``on_error`` replaces it when
    the engine refuses the change.
    """
    keep = keep or {}
    result = change(request.session)
    result = result if isinstance(result, str) else ""
    session = request.session
    # The flags as the change left them, before anything else looks at the session.
    modified, accessed = session.modified, session.accessed
    engine = engine_for(request)
    if problem := engine.write_problem(session):
        # Forget the change: a fresh store from the cookie is the session as it was.
        request.session = engine.store(inspection_of(request).sent_key)
        context = keep | (on_error or {})
        if form := context.get("add_form"):
            form.add_error(None, problem)
        return answer(request, Action(python="", message=problem, is_error=True), context)
    action = Action(
        python=shorten(python),
        message=message(result) if callable(message) else message,
        result=result,
        modified=modified,
        accessed=accessed,
    )
    return respond(request, action, **keep)


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
