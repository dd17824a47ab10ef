"""Requests Django refuses before any view runs still get a clear sentence, not a bare page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.exceptions import InvalidSessionKey, SessionInterrupted
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from inspector.links import URLs


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        message = (
            f"That request was larger than the {limit:.1f} MB Django accepts "
            "(DATA_UPLOAD_MAX_MEMORY_SIZE), so it was refused unread. Nothing was changed."
        )
    elif isinstance(exception, TooManyFieldsSent):
        message = (
            f"That request had more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields "
            "(DATA_UPLOAD_MAX_NUMBER_FIELDS), so Django refused it. Nothing was changed."
        )
    elif isinstance(exception, SessionInterrupted):
        message = (
            "Django could not save this session: no record exists under its key, so "
            "save() raised UpdateError and SessionMiddleware turned it into SessionInterrupted. "
            "Another tab may have flushed it or logged out, it may have expired and been "
            "cleared, or the cache may have lost it. Nothing was saved; reload to start again."
        )
    elif isinstance(exception, InvalidSessionKey):
        message = (
            "Django refused this request: the session cookie holds characters no session key "
            "has (only a-z and 0-9), so the file engine raised InvalidSessionKey, a "
            "SuspiciousOperation Django answers with 400 Bad Request. Nothing was changed. "
            "An action that loads the session first, such as Add, starts a fresh one."
        )
    else:
        message = "Django could not accept that request (400 Bad Request). Nothing was changed."
    return problem(request, message, status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return problem(
        request,
        f"Django's CSRF protection refused this form ({reason}). The page may be stale, for "
        "example after a login in another tab: reload it and try again. Nothing was changed.",
        status=403,
    )


def problem(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    if request.headers.get("HX-Request"):
        # htmx swaps this into "What just happened", where every other message goes.
        html = render_to_string("inspector/page.html#problem", {"message": message, "urls": URLs()})
        response = HttpResponse(html, status=status)
        response.headers["HX-Retarget"] = "#happened"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    html = render_to_string(
        "inspector/page.html#problem_page", {"message": message, "urls": URLs()}
    )
    return HttpResponse(html, status=status)
