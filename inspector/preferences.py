"""This browser's own settings for the page, in signed cookies: never in the inspected session."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PRESENTER_COOKIE = "inspector_presenter"
_SALT = "inspector.preferences"
_ON = "on"
_A_YEAR = 365 * 24 * 3600


def presenter(request: HttpRequest) -> bool:
    """Whether this browser shows the Presenter view (large type for the projector)."""
    # A cookie that is forged, stale or garbled reads as "off".
    value = request.get_signed_cookie(PRESENTER_COOKIE, default=None, salt=_SALT)
    return value == _ON


def remember_presenter(response: HttpResponse, on: bool) -> None:
    if not on:
        response.delete_cookie(PRESENTER_COOKIE, samesite="Lax")
        return
    response.set_signed_cookie(
        PRESENTER_COOKIE,
        _ON,
        salt=_SALT,
        max_age=_A_YEAR,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE or None,
    )
