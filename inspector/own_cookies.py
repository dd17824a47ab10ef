"""The inspector's own cookies: signed, HttpOnly, SameSite=Lax, and no longer-lived than a
session cookie.

They hold this browser's choices for the page (engine, Presenter, a revealed key) and what
the page needs across requests (the last action's report, the cookie the tamper lab
replaced, which never outlives its session), never in the session being inspected. A value
this server did not sign for that very cookie reads as absent: a browser cannot plant another
browser's key or engine in them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

ENGINE = "inspector_engine"
PRESENTER = "inspector_presenter"
#: Which session key this browser asked to see whole (a digest, see inspector.masking).
REVEAL = "inspector_reveal"
#: The last action's report, across the no-JavaScript redirect (see inspector.page).
REPORT = "inspector_last_action"
#: The session cookie the tamper lab replaced, so it can be put back.
UNTAMPERED = "inspector_untampered"
NAMES = frozenset({ENGINE, PRESENTER, REVEAL, REPORT, UNTAMPERED})

_SALT = "inspector.own-cookie"


def read(request: HttpRequest, name: str) -> str | None:
    """The value this server signed for ``name``; None when absent, forged or garbled."""
    return request.get_signed_cookie(name, default=None, salt=_SALT)


def write(
    response: HttpResponse,
    name: str,
    value: str,
    max_age: int | None = None,
    *,
    signed: bool = True,
    until_browser_closes: bool = False,
) -> None:
    """Set one of the inspector's cookies; ``signed=False`` only for a value signed already,
    ``until_browser_closes`` for one that must end with a session cookie that does."""
    # Never longer than a session cookie lives by default: the page's memory of this
    # browser ends with the session it was made for.
    age = min(max_age or settings.SESSION_COOKIE_AGE, settings.SESSION_COOKIE_AGE)
    options = {
        "max_age": None if until_browser_closes else age,
        "httponly": True,
        "samesite": "Lax",
        "secure": settings.SESSION_COOKIE_SECURE or None,
    }
    if signed:
        response.set_signed_cookie(name, value, salt=_SALT, **options)
    else:
        response.set_cookie(name, value, **options)


def remember_engine(response: HttpResponse, name: str) -> HttpResponse:
    """This browser's engine from now on, by its name ("db", ...)."""
    write(response, ENGINE, name)
    return response


def forget(response: HttpResponse, name: str) -> None:
    response.delete_cookie(name, samesite="Lax")


def signed_value(name: str, value: str) -> str:
    """What ``write`` puts in the cookie: for tests and tools that set it by hand."""
    response = HttpResponse()
    response.set_signed_cookie(name, value, salt=_SALT)
    return response.cookies[name].value
