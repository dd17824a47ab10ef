"""Thin views: validate, change request.session, and let the page show what Django did."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from inspector import live, masking, outage, own_cookies, preferences
from inspector.actions import Result, flushed_text, invalid, no_session, perform, respond
from inspector.engines import ENGINES, Engine, engine_for, engine_named
from inspector.engines.base import plural
from inspector.forms import EDIT_PREFIX, AddKeyForm, EditKeyForm, ExistingKeyForm
from inspector.inspection import inspection_of
from inspector.page import Action, InspectorPage, revealed
from inspector.values import short_repr


@require_safe
def page(request: HttpRequest) -> HttpResponse:
    """The page. It never touches request.session: the panels read what is stored."""
    context: dict[str, Any] = {}
    if (since := request.GET.get("since")) is not None:
        # An open page asking whether its session changed elsewhere (another tab, the
        # teacher): one cache read, and nothing drawn while it has not.
        change = live.page_change(since, request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        if change == live.UNCHANGED:
            return HttpResponse(status=204)
        if change == live.ENDED:
            context["expired_notice"] = True
        else:
            context["changed_elsewhere"] = change
    key = request.GET.get("edit")
    if key is not None:
        context["edit_key"] = key
    # Opening or cancelling an Edit row redraws the session panel alone, with the marks.
    only_the_table = key is not None or "marks" in request.GET
    if only_the_table:
        context["marks_token"] = request.GET.get("marks", "")
    if request.GET.get("expired"):
        context["expired_notice"] = True
    # htmx asks for the session panel alone to edit a row, for every panel otherwise.
    partial = None
    if request.htmx:
        partial = "session" if only_the_table else "update"
    return InspectorPage(request, partial=partial, context=context)


@require_POST
def add_key(request: HttpRequest) -> HttpResponse:
    form = AddKeyForm(request.POST, session=request.session)
    if not form.is_valid():
        return invalid(request, "Nothing was added: see the message by the field.", add_form=form)
    key, value = form.cleaned_data["key"], form.cleaned_data["parsed"]
    if key in request.session:
        message = f"{short_repr(key)} already existed: its value was replaced."
    else:
        message = f"Added {short_repr(key)}."
    return run(request, f"request.session[{key!r}] = {value!r}", message, key, value, add_form=form)


@require_POST
def edit_key(request: HttpRequest) -> HttpResponse:
    form = EditKeyForm(request.POST, prefix=EDIT_PREFIX, session=request.session)
    if not form.is_valid():
        # A key that is reserved or gone has no row to show its error in.
        message = (
            form.errors["key"][0] if "key" in form.errors else "Nothing was saved: see the row."
        )
        return invalid(
            request,
            message,
            editing=form,
            editing_key=form.data.get(f"{EDIT_PREFIX}-key"),
        )
    key, value = form.cleaned_data["key"], form.cleaned_data["parsed"]
    return run(
        request,
        f"request.session[{key!r}] = {value!r}",
        f"Changed {short_repr(key)}.",
        key,
        value,
        editing=form,
        editing_key=key,
    )


@require_POST
def delete_key(request: HttpRequest) -> HttpResponse:
    form = ExistingKeyForm(request.POST, session=request.session)
    if not form.is_valid():
        return invalid(request, _first_error(form))
    key = form.cleaned_data["key"]

    def delete(session: SessionBase) -> None:
        del session[key]

    return perform(request, f"del request.session[{key!r}]", f"Deleted {short_repr(key)}.", delete)


@require_POST
def clear(request: HttpRequest) -> HttpResponse:
    # session_key is the key the cookie gave, if valid; reading it loads nothing.
    message = (
        engine_for(request).clear_text() if request.session.session_key else no_session(request)
    )
    return perform(request, "request.session.clear()", message, lambda s: s.clear())


@require_POST
def flush(request: HttpRequest) -> HttpResponse:
    had_key = bool(request.session.session_key)

    def message(result: Result) -> str:
        return flushed_text(request, had_key)

    return perform(request, "request.session.flush()", message, lambda s: s.flush())


@require_POST
@outage.escape_route
def switch_engine(request: HttpRequest) -> HttpResponse:
    """Move the session's keys into another engine and remember the choice for this browser."""
    new = engine_named(request.POST.get("engine", ""))
    if new is None:
        names = ", ".join(ENGINES)
        return invalid(request, f"Unknown engine: choose one of {names}. Nothing was changed.")
    old = engine_for(request)
    if new is old:
        action = Action(python="", message=f"Already on {new.name}: nothing to move.")
        return own_cookies.remember_engine(respond(request, action), new.name)
    data = dict(request.session.items())
    moved = new.store(None)
    moved.update(data)
    if problem := new.write_problem(moved):
        return invalid(request, problem)
    request.session.delete()
    deleted = inspection_of(request).deleted
    request.session = moved
    request.inspector_engine = new  # type: ignore[attr-defined]
    message = (
        f"Switched from {old.name} to {new.name}. Django has no call for this: the inspector "
        f"copied {plural(len(data), 'key')} into a new SessionStore of the {new.name} engine"
    )
    message += f" and deleted the old record ({old.where(None)})." if deleted else "."
    message += f" The data now lives in {new.where(None)}. " + real_project_switch(old, new)
    python = (
        "# The inspector, not Django: this browser gets another SessionStore class.\n"
        "data = dict(request.session.items())\n"
        "request.session.delete()\n"
        f"request.session = {new.module}.SessionStore()\n"
        "request.session.update(data)"
    )
    return own_cookies.remember_engine(
        respond(request, Action(python=python, message=message)), new.name
    )


@require_POST
def toggle_presenter(request: HttpRequest) -> HttpResponse:
    """Switch this browser to or from the Presenter view: the whole page is drawn again."""
    response = HttpResponseRedirect(reverse("inspector:page"), status=303)
    preferences.remember_presenter(response, on=not preferences.presenter(request))
    return response


@require_POST
def toggle_reveal(request: HttpRequest) -> HttpResponse:
    """Show this browser's session key whole, or masked again: the whole page is drawn again."""
    response = HttpResponseRedirect(reverse("inspector:page"), status=303)
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if key and not revealed(request, key):
        own_cookies.write(response, own_cookies.REVEAL, masking.reveal_token(key))
    else:
        own_cookies.forget(response, own_cookies.REVEAL)
    return response


#: Engines that read the same django_session rows: cached_db falls back to the table.
SHARE_ROWS = frozenset({"db", "cached_db"})


def real_project_switch(old: Engine, new: Engine) -> str:
    """What changing SESSION_ENGINE from ``old`` to ``new`` does to a real project's users."""
    if {old.name, new.name} <= SHARE_ROWS:
        return (
            f"In a real project, changing SESSION_ENGINE from {old.name} to {new.name} keeps "
            "everyone logged in: both read the same django_session rows."
        )
    return (
        f"In a real project, changing SESSION_ENGINE from {old.name} to {new.name} logs "
        "everyone out: existing sessions stay in the old store, unread."
    )


def run(
    request: HttpRequest, python: str, message: str, key: str, value: Any, **on_error: Any
) -> HttpResponse:
    def assign(session: SessionBase) -> None:
        session[key] = value

    return perform(request, python, message, assign, on_error=on_error)


def _first_error(form: ExistingKeyForm) -> str:
    return next(iter(form.errors.values()))[0]
