"""Thin views: validate, change request.session, and let the page show what Django did."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from inspector.actions import invalid, perform, respond
from inspector.engines import ENGINE_COOKIE, ENGINES, engine_for, engine_named
from inspector.forms import AddKeyForm, EditKeyForm, ExistingKeyForm
from inspector.inspection import Before, set_own_cookie
from inspector.page import Action, InspectorPage
from inspector.values import as_form_text, short_repr, value_type_of

EDIT_PREFIX = "edit"


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    key = request.GET.get("edit")
    if key is not None:
        if key in request.session and not key.startswith("_"):
            value = request.session[key]
            context["editing_key"] = key
            context["editing"] = EditKeyForm(
                prefix=EDIT_PREFIX,
                session=request.session,
                initial={"key": key, "value": as_form_text(value), "type": value_type_of(value)},
            )
        else:
            context["edit_error"] = (
                f"{short_repr(key)} is Django's own key: it is read-only here."
                if key.startswith("_")
                else f"The session has no key {short_repr(key)} to edit."
            )
    if request.GET.get("expired"):
        context["notice"] = (
            "The expiry passed. The browser dropped the cookie at its Max-Age, so this request "
            "sent none: Django sees a new, empty session. The old record stays stored until "
            "clear_expired() removes it."
        )
    # htmx asks for the session panel alone to edit a row, for every panel otherwise.
    partial = None
    if request.htmx:
        partial = "session" if key is not None else "update"
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
    return perform(
        request,
        "request.session.clear()",
        "Cleared: the same session key now holds empty data.",
        SessionBase.clear,
    )


@require_POST
def flush(request: HttpRequest) -> HttpResponse:
    return perform(
        request,
        "request.session.flush()",
        "Flushed: the record is deleted, the key discarded and the cookie removed; "
        "the next write starts a session under a new key.",
        SessionBase.flush,
    )


@require_POST
def switch_engine(request: HttpRequest) -> HttpResponse:
    """Move the session's keys into another engine and remember the choice for this browser."""
    new = engine_named(request.POST.get("engine", ""))
    if new is None:
        names = ", ".join(ENGINES)
        return invalid(request, f"Unknown engine: choose one of {names}. Nothing was changed.")
    old = engine_for(request)
    before = Before.capture(request)
    data = dict(request.session.items())
    if new is old:
        message = f"Already on {new.name}: nothing to move."
    else:
        moved = new.store(None)
        moved.update(data)
        if problem := new.write_problem(moved):
            return invalid(request, problem)
        request.session.delete()
        request.session = moved
        request.inspector_engine = new  # type: ignore[attr-defined]
        message = f"Switched from {old.name} to {new.name}."
        if before.record is not None:
            message += f" The old record ({old.where(before.session_key)}) was removed."
        if data:
            count = len(data)
            message += (
                f" {count} key{'s' if count != 1 else ''} moved; the data now lives in "
                f"{new.where(None)}."
            )
    python = f'settings.SESSION_ENGINE = "{new.module}"  # for this browser only'
    response = respond(request, Action(before, python=python, message=message))
    set_own_cookie(response, ENGINE_COOKIE, new.name, max_age=365 * 24 * 3600)
    return response


def run(
    request: HttpRequest, python: str, message: str, key: str, value: Any, **on_error: Any
) -> HttpResponse:
    def assign(session: SessionBase) -> None:
        session[key] = value

    return perform(request, python, message, assign, on_error=on_error)


def _first_error(form: ExistingKeyForm) -> str:
    return next(iter(form.errors.values()))[0]
