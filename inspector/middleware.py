from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse

from inspector import own_cookies
from inspector.engines import engine_for
from inspector.inspection import (
    NO_STORED_KEY,
    PREVIOUS_KEY_COOKIE,
    Inspection,
    browser_key,
    is_deletion,
)
from inspector.operations import (
    CREATED,
    DELETED,
    UPDATED,
    Recorder,
    recording,
    request_recorder,
)
from inspector.outage import explain, read_before
from inspector.page import InspectorPage, redirect_with_report
from inspector.tamper import set_session_cookie
from inspector.watching import shorten

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class InspectorSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware, with the engine picked per browser and its store watched.

    Before the view: the store is this browser's engine (its own cookie, never
    the session), watched (``inspector.observed``), and for an action the
    stored record is read as it was. After the view: Django's own
    ``process_response`` saves the session and sets its cookie while the
    recorder listens, and only then is the inspector's page rendered, so it
    shows the committed record and the header really sent. One path for
    htmx partials, the full page and the no-JavaScript redirect.
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A fresh recorder per request, reset afterwards even if the request fails:
        # a server thread serves many requests.
        with recording(Recorder()):
            try:
                return super().__call__(request)
            except Exception as error:
                # A session store that went away is explained, not a 500 (inspector.outage).
                if (response := explain(request, error)) is None:
                    raise
                response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view's errors never reach __call__: Django has made them a 500 response by then.
        return explain(request, exception)

    def process_request(self, request: HttpRequest) -> None:
        engine = engine_for(request)
        sent_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.inspector_engine = engine  # type: ignore[attr-defined]
        request.session = engine.store(sent_key)
        request.inspection = Inspection(  # type: ignore[attr-defined]
            engine=engine,
            recorder=request_recorder() or Recorder(),
            sent_key=sent_key,
            first_session=request.session,
            # Only an action changes the store: what it started from, for the diff.
            before=read_before(request, engine, sent_key) if request.method == "POST" else None,
        )

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        inspection: Inspection | None = getattr(request, "inspection", None)
        if inspection is None:
            return super().process_response(request, response)
        recorder = inspection.recorder
        recorder.phase = "middleware"
        response = super().process_response(request, response)
        recorder.closed = True
        if not engine_for(request).stores_on_server:
            record_cookie_write(request, response, recorder)
        if (cookie := getattr(response, "inspector_session_cookie", None)) is not None:
            set_session_cookie(response, cookie)
        if isinstance(response, InspectorPage):
            response.finish(request)
        elif action := getattr(response, "inspector_action", None):
            redirect_with_report(request, response, action)
        remember_session_key(request, response)
        # Keys and values are escaped everywhere; the policy is a second wall
        # should an escape ever be missed: no inline script can run.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def record_cookie_write(request: HttpRequest, response: HttpResponse, recorder: Recorder) -> None:
    """With signed cookies the Set-Cookie header is the write: record it as an operation."""
    morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
    if morsel is None:
        return
    if is_deletion(morsel):
        recorder.add("cookie", "delete", f'Set-Cookie: {morsel.key}=""; Max-Age=0', effect=DELETED)
        return
    inspection: Inspection = request.inspection  # type: ignore[attr-defined]
    # A signed cookie replaces one it was signed from; a cookie another engine set is no record.
    replaces = bool(inspection.sent_key) and inspection.engine is engine_for(request)
    size = len(f"{morsel.key}={morsel.coded_value}".encode())
    recorder.add(
        "cookie",
        "Set-Cookie",
        f"Set-Cookie: {morsel.key}={shorten(morsel.value)}",
        result=f"{size:,} bytes",
        effect=UPDATED if replaces else CREATED,
    )


def remember_session_key(request: HttpRequest, response: HttpResponse) -> None:
    """Keep the browser's last session key in the inspector's own cookie.

    See PREVIOUS_KEY_COOKIE: it lets the page show an expired session's record
    after the browser has dropped the session cookie.
    """
    key = browser_key(request, response) if hasattr(request, "session") else None
    if not key:
        return
    # A signed cookie is the whole session, too big to keep: only that there was one.
    value = key if engine_for(request).stores_on_server else NO_STORED_KEY
    if own_cookies.read(request, PREVIOUS_KEY_COOKIE) != value:
        own_cookies.write(response, PREVIOUS_KEY_COOKIE, value)
