"""Running a lesson's step (``inspector.lesson_plan``) for real in this browser's session.

Each step is a real request to a real view. ``run_step`` wraps the view: it lets the view
answer as it would (an error becomes the 500 Django would send, so SessionMiddleware
saves nothing, as it would not), then shows that answer beside the panels, which show
what the view did to the session, its cookie and its store. The browser itself gets the
page, never an error page.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from inspector import actions, forms
from inspector.actions import Result, refused_write
from inspector.lesson_plan import View
from inspector.page import Action

#: Of a view's answer, the page shows this much.
BODY_SHOWN = 2000


@dataclass
class Answer:
    """What a lesson's view answered, as the page shows it."""

    status: int
    reason: str
    body: str
    location: str = ""
    #: The exception the view raised, as Python prints it.
    error: str = ""


def run_step(view: View) -> View:
    """Run a lesson's view for real; the page shows its answer and what it did."""

    @functools.wraps(view)
    def step(request: HttpRequest) -> HttpResponse:
        if len(request.POST.get("name", "")) > forms.MAX_VALUE_LENGTH:
            message = (
                f"The inspector takes values up to {forms.MAX_VALUE_LENGTH:,} characters: the "
                "view did not run, and nothing was changed."
            )
            return _page(request, Action(python="", message=message, is_error=True))
        python = f"{request.method} {request.path}  →  {view.__name__}(request)"
        error = ""
        try:
            response = view(request)
        except KeyError as raised:  # the lesson's point: what Django would answer
            error = Result(error=raised).text
            response = HttpResponse(status=500)
        session = request.session
        modified, accessed = session.modified, session.accessed
        if problem := refused_write(request):
            return _page(request, Action(python=python, message=problem, is_error=True))
        answer = Answer(
            status=response.status_code,
            reason=response.reason_phrase,
            body=_body(response),
            location=response.get("Location", ""),
            error=error,
        )
        action = Action(
            python=python,
            message=_message(answer),
            is_error=bool(error),
            modified=modified,
            accessed=accessed,
        )
        page = _page(request, action, answer)
        if response.status_code >= 500:
            # SessionMiddleware sees the status the view's answer had, and saves nothing, as
            # it would not; the inspector's middleware then answers the browser 200.
            page.status_code = response.status_code
            page.lesson_failed = True  # type: ignore[attr-defined]
        return page

    # What the step starts from is read before it runs, as an action's is (a GET step changes
    # the store too): InspectorSessionMiddleware.process_view.
    step.reads_before = True  # type: ignore[attr-defined]
    return step


def _page(request: HttpRequest, action: Action, answer: Answer | None = None) -> HttpResponse:
    # The lesson's answer is drawn again even when the view did not run: never a stale one.
    return actions.answer(request, action, {"lesson_answer": answer, "lesson_step": True})


def _body(response: HttpResponse) -> str:
    text = response.content.decode(response.charset or "utf-8", errors="replace")
    return text if len(text) <= BODY_SHOWN else text[: BODY_SHOWN - 1] + "…"


def _message(answer: Answer) -> str:
    if answer.error:
        return (
            f"The view raised {answer.error}. Django would answer 500 Internal Server Error "
            "(a traceback page under DEBUG), and SessionMiddleware saves nothing on a 5xx: "
            "whatever the view changed before the error is lost (it still deletes the cookie "
            "of a session left empty). Read with "
            "request.session.get(key, default) when the key may be missing."
        )
    if answer.location:
        return f"The view answered {answer.status} {answer.reason}, to {answer.location}."
    return f"The view answered {answer.status} {answer.reason}."
