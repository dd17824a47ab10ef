"""The inspector page as a response that is rendered after the session is saved.

SessionMiddleware saves the session and sets its cookie *after* the view
returns, so a page rendered in the view would show the state one step
behind. A view returns an ``InspectorPage`` (or a redirect carrying an
``Action``) and ``InspectorMiddleware``, which sits outside
SessionMiddleware, finishes it once Django is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html

from inspector import conf, demo, forms, lesson_plan, live, marks, masking, own_cookies, preferences
from inspector.engines import ENGINES, StoredRecord, engine_for
from inspector.inspection import (
    ActionReport,
    Snapshot,
    browser_key,
)
from inspector.links import URLs
from inspector.panels import PageData, panels_for
from inspector.values import VALUE_TYPES
from inspector.watching import shorten

TEMPLATE = "inspector/page.html"

# The last action's report rides in its own short-lived signed cookie across
# the no-JavaScript redirect: never in the session being inspected.
REPORT_COOKIE = own_cookies.REPORT
REPORT_SALT = "inspector.last-action"
# Long enough to open the inspector after a project's own view wrote the session (a login).
REPORT_MAX_AGE = 600
#: What a browser keeps of one cookie's name=value, minus room for a future field or two.
REPORT_MAX_BYTES = 4000


@dataclass
class Action:
    """An action a view ran on the session, waiting for Django to save it."""

    python: str
    message: str
    is_error: bool = False
    #: What a method returned (or raised), as Python prints it.
    result: str = ""
    #: The session's flags when the view was done with it.
    modified: bool | None = None
    accessed: bool | None = None

    def report(
        self, request: HttpRequest, response: HttpResponse, record: StoredRecord | None
    ) -> ActionReport:
        report = ActionReport.after(request, response, record, self.python, self.message)
        report.is_error = self.is_error
        report.result = self.result
        report.modified = self.modified
        report.accessed = self.accessed
        return report


class InspectorPage(HttpResponse):
    """The page (or, for htmx, some of its partials), rendered after the session is saved."""

    def __init__(
        self,
        request: HttpRequest,
        *,
        partial: str | None = None,
        action: Action | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.partial = partial
        self.action = action
        self.context = context or {}
        # The CSRF cookie is set by CsrfViewMiddleware, which has finished by
        # the time the page renders: ask for the token now.
        get_token(request)

    def finish(self, request: HttpRequest) -> None:
        record = engine_for(request).read(browser_key(request, self))
        if self.action is not None:
            report = self.action.report(request, self, record)
        else:
            report = _take_report(request, self)
        if report is None and "marks_token" in self.context:
            self.context["marks"] = marks.loads(
                self.context["marks_token"], record.raw if record else None
            )
        sent = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        now_key = browser_key(request, self)
        # The key this browser sent names nothing any more: was it the teacher?
        gone = sent and (record is None or now_key != sent)
        if gone and (when := live.deleted_by_teacher(sent)) is not None:
            after = "no cookie" if now_key is None else "new key" if now_key != sent else "same"
            self.context["deleted_by_teacher"] = (masking.mask(sent), when, after)
        snapshot = Snapshot.take(request, self, record, report, self.context.get("marks"))
        panels = panels_for(PageData(request, snapshot, report, self.context))
        context = page_context(request, snapshot, report) | self.context
        context["tamper_value"] = tamper_value(context, snapshot.session_key)
        if self.partial in (None, "update"):
            # Only these draw the header, where the poller carries its token.
            context["live_token"] = live.page_token(now_key, snapshot.expires_at) or ""
        context["panels"] = panels
        context["changed_panels"] = [panel for panel in panels.values() if panel.changed]
        name = f"{TEMPLATE}#{self.partial}" if self.partial else TEMPLATE
        self.content = render_to_string(name, context, request=request)
        # htmx asks for partials at the page's own URL: a cache must keep the two apart.
        patch_vary_headers(self, ["HX-Request"])
        if self.has_header("Content-Length"):
            self.headers["Content-Length"] = str(len(self.content))


def redirect_with_report(request: HttpRequest, response: HttpResponse, action: Action) -> None:
    """Carry the report of ``action`` across the redirect of the no-JavaScript path."""
    record = engine_for(request).read(browser_key(request, response))
    report = action.report(request, response, record)
    # The page shows keys masked anyway; a signed cookie's "key" is the whole session.
    report.old_key, report.new_key = (
        key if key is None else masking.mask(key) for key in (report.old_key, report.new_key)
    )
    _write_report(response, report)


def _write_report(response: HttpResponse, report: ActionReport) -> None:
    """A browser drops a cookie over 4,096 bytes without a word: shed detail until it fits,
    and say on the page what was left out."""

    def encoded() -> str:
        return signing.dumps(report.to_json(), salt=REPORT_SALT, compress=True)

    def fits(value: str) -> bool:
        return len(f"{REPORT_COOKIE}={value}".encode()) <= REPORT_MAX_BYTES

    value = encoded()
    while not fits(value) and report.operations:
        keep = len(report.operations) // 2
        report.operations_dropped += len(report.operations) - keep
        report.operations = report.operations[:keep]
        value = encoded()
    for shed in _SHEDDING:
        if fits(value):
            break
        report.left_out.append(shed(report))
        value = encoded()
    own_cookies.write(response, REPORT_COOKIE, value, REPORT_MAX_AGE, signed=False)


def _shed_removed(report: ActionReport) -> str:
    report.removed = []
    report.key_changes = dict(list(report.key_changes.items())[:10])
    return "the values of removed keys, and the names of all but 10 changed keys"


def _shed_text(report: ActionReport) -> str:
    report.python = shorten(report.python, 300)
    report.logged = report.logged[:5]
    report.result = shorten(report.result, 300)
    report.cookie.header = shorten(report.cookie.header, 300)
    return (
        "the middle of the Python that ran, of its result and of the Set-Cookie header, and "
        "all but 5 lines Django logged"
    )


def _shed_all(report: ActionReport) -> str:
    report.python, report.result, report.cookie.header = "", "", ""
    report.cookie.attributes = []
    report.key_changes = {}
    report.message = shorten(report.message, 500)
    return "everything but the message"


#: In order: what matters least to a class goes first.
_SHEDDING = (_shed_removed, _shed_text, _shed_all)


def _take_report(request: HttpRequest, response: HttpResponse) -> ActionReport | None:
    value = request.COOKIES.get(REPORT_COOKIE)
    if value is None:
        return None
    own_cookies.forget(response, REPORT_COOKIE)
    try:
        return ActionReport.from_json(
            signing.loads(value, salt=REPORT_SALT, max_age=REPORT_MAX_AGE)
        )
    except (signing.BadSignature, TypeError, KeyError, ValueError, OverflowError, RecursionError):
        # OverflowError: a signed time past any float; RecursionError: JSON nested too deep.
        return None


def page_context(
    request: HttpRequest, snapshot: Snapshot, report: ActionReport | None
) -> dict[str, Any]:
    return {
        "s": snapshot,
        "report": report,
        "masker": masking.Masker.of(
            [snapshot.session_key, snapshot.sent_cookie]
            + ([report.old_key, report.new_key] if report else [])
        ),
        "revealed": revealed(request, snapshot.session_key),
        "untampered": own_cookies.read(request, own_cookies.UNTAMPERED) is not None,
        # Built only where a partial draws them: a form deep-copies its fields.
        "add_form": SimpleLazyObject(lambda: forms.AddKeyForm(session=request.session)),
        "value_types": VALUE_TYPES,
        "engines": ENGINES,
        "urls": URLs(),
        "presenter": preferences.presenter(request),
        "limits": {
            "key": forms.MAX_KEY_LENGTH,
            "value": forms.MAX_VALUE_LENGTH,
            "keys": forms.MAX_KEYS,
        },
        # One masked token serves every form on the page (the tag would mask one per form).
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
        "expiry_form": SimpleLazyObject(
            lambda: forms.ExpiryForm(initial=forms.ExpiryForm.suggested())
        ),
        "method_form": SimpleLazyObject(lambda: forms.MethodForm(session=request.session)),
        "methods": forms.MethodForm.METHODS,
        "demo": {"username": demo.DEMO_USERNAME},
        "nested": {"key": demo.NESTED_KEY, "item": demo.NESTED_ITEM},
        "lessons": lesson_plan.LESSONS,
        "features": {name: conf.enabled(name) for name in conf.FEATURES},
    }


def tamper_value(context: dict[str, Any], session_key: str | None) -> str:
    """What the tamper lab's Cookie value holds: what was sent back with an error, or this
    browser's cookie, whole only where the key is revealed."""
    form = context.get("tamper_form")
    if form is not None:
        return form.data.get("cookie", "")
    if not session_key:
        return ""
    return session_key if context["revealed"] else masking.mask(session_key)


def revealed(request: HttpRequest, session_key: str | None) -> bool:
    """Whether this browser asked to see its current key whole (a new key starts masked)."""
    token = own_cookies.read(request, own_cookies.REVEAL)
    return bool(session_key) and token == masking.reveal_token(session_key or "")


def redirect_home(action: Action) -> HttpResponseRedirect:
    response = HttpResponseRedirect(reverse("inspector:page"))
    response.inspector_action = action  # type: ignore[attr-defined]
    return response
