from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.exceptions import InvalidSessionKey, SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse

from inspector import conf, live
from inspector.engines import configured_engine, engine_for
from inspector.errors import bad_request
from inspector.inspection import (
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
from inspector.page import Action, InspectorPage, redirect_with_report
from inspector.security import add_policy
from inspector.watching import shorten


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

    # __call__ is sync only (the recorder is per thread): under ASGI, Django runs it in a
    # thread, where Django's own SessionMiddleware would run async.
    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not conf.shows(request) or configured_engine() is None:
            # Where the inspector is not shown (or the project's SESSION_ENGINE is none of
            # Django's five: inspector.W005) it is Django's SessionMiddleware, and nothing more.
            response = SessionMiddleware.process_request(self, request) or self.get_response(
                request
            )
            return SessionMiddleware.process_response(self, request, response)
        # A fresh recorder per request, reset afterwards even if the request fails:
        # a server thread serves many requests.
        with recording(Recorder()):
            try:
                return super().__call__(request)
            except Exception as error:
                if not own(request) or (response := explained(request, error)) is None:
                    raise
                return add_policy(response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view's errors come here (the save's in SessionMiddleware, and the read before an
        # action, reach __call__). Not inspected, Django's SessionMiddleware has none.
        if getattr(request, "inspection", None) is None or not own(request):
            return None  # a project's view fails as it would without the inspector
        return explained(request, exception)

    def process_request(self, request: HttpRequest) -> None:
        engine = engine_for(request)
        if "\x00" in request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""):
            # No store holds a key with a NUL (PostgreSQL refuses one in a query): no key.
            del request.COOKIES[settings.SESSION_COOKIE_NAME]
        sent_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.inspector_engine = engine  # type: ignore[attr-defined]
        request.session = engine.store(sent_key)
        request.inspection = Inspection(  # type: ignore[attr-defined]
            engine=engine,
            recorder=request_recorder() or Recorder(),
            sent_key=sent_key,
            first_session=request.session,
        )

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], *args: Any
    ) -> HttpResponse | None:
        """Only an action (a POST, or a lesson's step) changes the store: what it started
        from, for the diff, read once the URL says the view is the inspector's. A project's
        view is left to Django's own load (``first_session.loaded``), outages and all."""
        inspection: Inspection | None = getattr(request, "inspection", None)
        action = request.method == "POST" or getattr(view, "reads_before", False)
        if inspection is None or not action or not own(request):
            return None
        try:
            inspection.before = read_before(request, inspection.engine, inspection.sent_key)
        except Exception as error:
            # Raised here, Django would answer 500 before __call__ could explain it.
            if (response := explained(request, error)) is None:
                raise
            return response
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        inspection: Inspection | None = getattr(request, "inspection", None)
        if inspection is None:
            return super().process_response(request, response)
        recorder = inspection.recorder
        recorder.phase = "middleware"
        response = super().process_response(request, response)
        recorder.closed = True
        if getattr(response, "lesson_failed", False):
            # A lesson's view failed: Django answered 500 and saved nothing; the page says so.
            response.status_code = 200
        engine = engine_for(request)
        if not engine.stores_on_server:
            record_cookie_write(request, response, recorder)
        # Under SESSION_SAVE_EVERY_REQUEST every request saves: only a changed session is news
        # (else every poll would bump the counter that makes the next poll redraw).
        wrote = any(operation.effect for operation in recorder.operations) and (
            not settings.SESSION_SAVE_EVERY_REQUEST or view_changed_session(request, inspection)
        )
        if wrote:
            tell_open_pages(request, response, inspection)
        if (cookie := getattr(response, "inspector_session_cookie", None)) is not None:
            set_session_cookie(response, *cookie)
        ours = own(request)
        if isinstance(response, InspectorPage):
            response.finish(request)
        elif action := getattr(response, "inspector_action", None):
            redirect_with_report(request, response, action)
        elif wrote and not ours:
            # The project's own view changed the session: the next inspector page says how.
            redirect_with_report(request, response, project_view_action(request, response))
        # The project's pages keep their own headers; only the inspector's carry its policy.
        return add_policy(response) if ours else response


def view_changed_session(request: HttpRequest, inspection: Inspection) -> bool:
    """Whether the view changed the session (not just the save every request makes)."""
    session = getattr(request, "session", None)
    return session is not inspection.first_session or bool(getattr(session, "modified", True))


def explained(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    """A session store that went away is explained, not a 500 (inspector.outage); what Django
    refuses about a session gets its sentence even under DEBUG, where Django would show its
    technical page instead of handler400."""
    response = explain(request, exception)
    if response is None and isinstance(exception, SessionInterrupted | InvalidSessionKey):
        response = bad_request(request, exception)
    return response


def own(request: HttpRequest) -> bool:
    """Whether the inspector's own URLs (under whatever prefix) answered this request, not a
    view of the project it is installed in."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    return "inspector" in match.app_names or getattr(match.func, "inspector_own", False)


def project_view_action(request: HttpRequest, response: HttpResponse) -> Action:
    """What a view outside the inspector did, as the report of an action."""
    match = request.resolver_match
    view = match._func_path if match is not None else "the view"
    where = f"{request.method} {shorten(request.path, 80)}"
    return Action(
        python=f"{view}(request)  # {where}",
        message=(
            f"A view outside the inspector, {view}, answered {where} with "
            f"{response.status_code}. What it did to the session is below: the keys it "
            "changed, and the storage operations of the request."
        ),
    )


def tell_open_pages(request: HttpRequest, response: HttpResponse, inspection: Inspection) -> None:
    """This request changed a store: the pages open on it (other tabs, the class view) are
    out of date, and their next poll draws them again."""
    if not inspection.engine.stores_on_server:
        # The cookie is the session: a tab notices when its cookie changes.
        live.session_changed()
        if (morsel := response.cookies.get(settings.SESSION_COOKIE_NAME)) and not is_deletion(
            morsel
        ):
            live.saw_signed_cookie_browser(request.COOKIES.get(settings.CSRF_COOKIE_NAME))
        return
    # The key the browser sent counts only where something was stored under it (read before
    # an action, or loaded by a view): a made-up cookie must not leave a counter behind.
    stored = inspection.before is not None or bool(
        getattr(inspection.first_session, "loaded", None)
    )
    live.session_changed(inspection.sent_key if stored else None, browser_key(request, response))


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


def set_session_cookie(response: HttpResponse, value: str, max_age: int | None) -> None:
    """Put ``value`` in the browser's session cookie (the tamper lab's), with the attributes
    Django gives a session cookie; ``max_age`` None for one that ends with the browser."""
    # set_cookie() reuses a morsel already there, with its attributes: a deletion's Max-Age=0
    # would stay. Start from a new one.
    response.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    response.set_cookie(
        settings.SESSION_COOKIE_NAME,
        value,
        max_age=max_age,
        domain=settings.SESSION_COOKIE_DOMAIN,
        path=settings.SESSION_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE or None,
        httponly=settings.SESSION_COOKIE_HTTPONLY or None,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )
