"""The lifecycle lab: expiry, key rotation, login, the test cookie and the dict methods."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import (
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    login,
    logout,
)
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_POST

from inspector.actions import Result, flushed_text, invalid, perform
from inspector.demo import DEMO_USERNAME, NESTED_ITEM, NESTED_KEY, NESTED_MAX
from inspector.engines import engine_for
from inspector.forms import ExpiryForm, MethodForm
from inspector.inspection import duration_text, inspection_of
from inspector.methods import MethodCall


@require_POST
def set_expiry(request: HttpRequest) -> HttpResponse:
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        return invalid(request, "Nothing was changed: see the Expiry form.", expiry_form=form)
    mode = form.cleaned_data["mode"]
    value: Any
    if mode == "seconds":
        value = form.cleaned_data["seconds"]
        python = f"request.session.set_expiry({value})"
        message = (
            f"The session now ends {value} s ({duration_text(value)}) after its last save: "
            f"the cookie gets Max-Age={value} and _session_expiry holds {value}."
        )
    elif mode == "date":
        value = form.cleaned_data["when"]
        python = f"request.session.set_expiry(datetime.fromisoformat({value.isoformat()!r}))"
        message = (
            f"The session ends at {value:%Y-%m-%d %H:%M:%S} UTC however busy it is: "
            "_session_expiry holds that date as text, and the cookie's Max-Age counts down to it."
        )
    elif mode == "close":
        value = 0
        python = "request.session.set_expiry(0)"
        message = (
            "The cookie now has no Max-Age or Expires, so the browser forgets it when it closes."
        )
    else:
        value = None
        python = "request.session.set_expiry(None)"
        message = "Back to the default: SESSION_COOKIE_AGE from the last save."
    engine = engine_for(request)

    def change(session: SessionBase) -> None:
        session.set_expiry(value)

    return perform(request, python, f"{message} {engine.expiry_note(value)}", change)


@require_POST
def clear_expired(request: HttpRequest) -> HttpResponse:
    engine = engine_for(request)
    recorder = inspection_of(request).recorder

    def change(session: SessionBase) -> Any:
        return engine.session_store_class.clear_expired()

    def message(result: Result) -> str:
        # The view touched nothing else: every deletion recorded so far was clear_expired()'s.
        return f"clear_expired() returned {result.text}. {engine.cleared_text(recorder.removed)}"

    python = f"from {engine.module} import SessionStore\nSessionStore.clear_expired()"
    return perform(request, python, message, change, shows_result=True)


@require_POST
def cycle_key(request: HttpRequest) -> HttpResponse:
    def message(result: Result) -> str:
        note = engine_for(request).cycle_key_note(
            inspection_of(request).deleted, inspection_of(request).had_record
        )
        return (
            f"cycle_key(): {note}. Django calls it at login: a key an attacker planted before "
            "login (session fixation) is worthless after it."
        )

    return perform(
        request, "request.session.cycle_key()", message, lambda session: session.cycle_key()
    )


def demo_user() -> AbstractBaseUser:
    """The demo user the migration made; made here only if someone deleted it since."""
    model = get_user_model()
    # get_or_create() settles a race itself: it gets the row the other request created.
    user, _ = model.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"password": make_password(None)}
    )
    return user


@require_POST
def log_in(request: HttpRequest) -> HttpResponse:
    # No authenticate(): checking a password costs a PBKDF2 hash (a million rounds), on
    # every click of a whole class, and the lesson is what login() does to the session.
    user = demo_user()

    # What login() itself looks at first: is someone logged in to this session already?
    previous = request.session.get(SESSION_KEY)
    same_user = previous == str(user.pk) and constant_time_compare(
        request.session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )

    def change(session: SessionBase) -> None:
        login(request, user)

    def message(result: Result) -> str:
        engine = engine_for(request)
        inspection = inspection_of(request)
        if previous is None:
            note = engine.cycle_key_note(inspection.deleted, inspection.had_record)
            how = f"called cycle_key(), {note}"
        elif same_user:
            how = "found the same user already logged in, so it kept the key (no cycle_key())"
        else:
            how = (
                "found another user logged in (or this one, with an _auth_user_hash that no "
                "longer matches), so it called flush() first"
            )
        return (
            f"Logged in: login() {how}; then it stored _auth_user_id, _auth_user_backend and "
            "_auth_user_hash. Those are Django's: read-only here."
        )

    return perform(
        request,
        f"user = User.objects.get(username={DEMO_USERNAME!r})\nlogin(request, user)",
        message,
        change,
        # Login rotates the CSRF token: every form is drawn again with the new one.
        keep={"lab_changed": True},
    )


@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    def change(session: SessionBase) -> None:
        logout(request)

    had_key = bool(request.session.session_key)

    def message(result: Result) -> str:
        return f"Logged out: logout() calls flush(). {flushed_text(request, had_key)}"

    return perform(
        request,
        "logout(request)",
        message,
        change,
        keep={"lab_changed": True},
    )


@require_POST
def set_test_cookie(request: HttpRequest) -> HttpResponse:
    return perform(
        request,
        "request.session.set_test_cookie()",
        "Stored testcookie = 'worked'. A site does this on the page before a login form, and "
        "checks it when the form comes back.",
        lambda session: session.set_test_cookie(),
    )


@require_POST
def test_cookie_worked(request: HttpRequest) -> HttpResponse:
    def message(result: Result) -> str:
        if result.value is True:
            return "True: the browser sent the session cookie back, so it accepts cookies."
        return "False: no testcookie in this session (set it first, or the browser refused it)."

    return perform(
        request,
        "request.session.test_cookie_worked()",
        message,
        lambda session: session.test_cookie_worked(),
        shows_result=True,
    )


@require_POST
def delete_test_cookie(request: HttpRequest) -> HttpResponse:
    def message(result: Result) -> str:
        if result.error is not None:
            return f"{result.text}: there was no testcookie to delete."
        return "testcookie deleted. Django's docs ask you to clean up once it has done its job."

    return perform(
        request,
        "request.session.delete_test_cookie()",
        message,
        lambda session: session.delete_test_cookie(),
    )


@require_POST
def run_method(request: HttpRequest) -> HttpResponse:
    form = MethodForm(request.POST, session=request.session)
    if not form.is_valid():
        return invalid(request, "Nothing was run: see the message by the field.", method_form=form)
    data = form.cleaned_data
    call = MethodCall(
        method=data["method"],
        key=data.get("key", ""),
        argument=data.get("argument"),
        has_argument=data["has_default"],
    )

    def message(result: Result) -> str:
        if result.error is not None:
            return "It raised, as a dict does for a missing key."
        if call.method == "del":
            return "del is a statement: no result."
        return f"It returned {result.text}."

    return perform(
        request, call.expression, message, call.run, shows_result=True, keep={"method_form": form}
    )


def _append(with_modified: bool) -> Any:
    python = f"request.session[{NESTED_KEY!r}].append({NESTED_ITEM!r})"
    if with_modified:
        python += "\nrequest.session.modified = True"

    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        value = request.session.get(NESTED_KEY)
        if not isinstance(value, list):
            return invalid(
                request,
                f"First add a list under the key {NESTED_KEY!r} (Key {NESTED_KEY}, Type list, "
                "Value []): these buttons append to it.",
            )
        if len(value) >= NESTED_MAX:
            return invalid(request, f"{NESTED_KEY!r} already holds {NESTED_MAX} items: enough.")

        def change(session: SessionBase) -> list[Any]:
            session[NESTED_KEY].append(NESTED_ITEM)
            if with_modified:
                session.modified = True
            return session[NESTED_KEY]

        if with_modified:
            message = (
                "Appended, then set modified = True: Django saved the whole session, "
                "so the stored record has the new item."
            )
        else:
            message = (
                "Appended in place: Python's dict has the new item, but nothing set "
                "session.modified, so Django saved nothing. The stored record (and the next "
                "request) still has the old list."
            )
        return perform(request, python, message, change, shows_result=True)

    return view


append_in_place = _append(with_modified=False)
append_and_mark_modified = _append(with_modified=True)
