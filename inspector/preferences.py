"""This browser's own settings for the page, in signed cookies: never in the inspected session."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from inspector import own_cookies

PRESENTER_COOKIE = own_cookies.PRESENTER
_ON = "on"


def presenter(request: HttpRequest) -> bool:
    """Whether this browser shows the Presenter view (large type for the projector)."""
    # A cookie that is forged, stale or garbled reads as "off".
    return own_cookies.read(request, PRESENTER_COOKIE) == _ON


def remember_presenter(response: HttpResponse, on: bool) -> None:
    if on:
        own_cookies.write(response, PRESENTER_COOKIE, _ON)
    else:
        own_cookies.forget(response, PRESENTER_COOKIE)
