from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse

from inspector.engines import engine_for
from inspector.inspection import PREVIOUS_KEY_COOKIE, browser_key, set_own_cookie
from inspector.page import InspectorPage, redirect_with_report

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class InspectorMiddleware:
    """Finish inspector pages once SessionMiddleware has saved the session.

    Listed before SessionMiddleware, so its code after ``get_response`` runs
    after the session was saved and its cookie set: what the page shows is
    the committed record and the header really sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, InspectorPage):
            response.finish(request)
        elif action := getattr(response, "inspector_action", None):
            redirect_with_report(request, response, action)
        remember_session_key(request, response)
        # Keys and values are escaped everywhere; the policy is a second wall
        # should an escape ever be missed: no inline script can run.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def remember_session_key(request: HttpRequest, response: HttpResponse) -> None:
    """Keep the browser's last session key in the inspector's own cookie.

    See PREVIOUS_KEY_COOKIE: it lets the page show an expired session's record
    after the browser has dropped the session cookie.
    """
    key = browser_key(request, response) if hasattr(request, "session") else None
    if not key or not engine_for(request).stores_on_server:
        return
    if request.COOKIES.get(PREVIOUS_KEY_COOKIE) != key:
        set_own_cookie(response, PREVIOUS_KEY_COOKIE, key, max_age=30 * 24 * 3600)


class EngineSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware, with the engine picked per request.

    Each browser chooses its engine (its own cookie, never the session), so
    one student can be on ``file`` while another is on ``db``. Saving and
    the cookie are left exactly as Django does them.
    """

    def process_request(self, request: HttpRequest) -> None:
        engine = engine_for(request)
        request.inspector_engine = engine  # type: ignore[attr-defined]
        request.session = engine.store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
