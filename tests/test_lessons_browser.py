"""Every step of every lesson in Debian's Chromium: the panels agree with the database."""

from __future__ import annotations

import pytest

from inspector.lesson_plan import LESSONS
from tests.conftest import LiveApp
from tests.test_browser import assert_panels_agree, decode_with, session_cookie

pytestmark = pytest.mark.browser


def stored_now(page, app: LiveApp) -> dict | None:
    """What django_session holds under the browser's cookie, read with sqlite3 directly."""
    key = session_cookie(page)
    row = app.session_row(key) if key else None
    return None if row is None else decode_with(row[1])


def test_every_step_of_every_lesson_in_the_browser(page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/")
    answered = []
    for lesson in LESSONS:
        entry = page.locator(f"#lesson-{lesson.slug}")
        # Two clicks at most: open the lesson, press the step.
        entry.locator("summary").click()
        for number, step in enumerate(lesson.steps):
            with page.expect_response(lambda response, path=step.path: path in response.url):
                entry.locator("li").nth(number).get_by_role("button", name=step.label).click()
            # The answer is drawn: What just happened names this very request.
            page.locator("#happened pre.python", has_text=f"{step.label}  →").wait_for()
            answered.append((step.label, page.locator("#lesson-status").inner_text()))
            assert_panels_agree(page, live_app, stored_now(page, live_app))
        entry.locator("summary").click()
    statuses = dict(answered)
    assert statuses["GET /lessons/create/"] == "200 OK"
    assert "500 Internal Server Error" in [answer for _, answer in answered]
    assert "302 Found" in [answer for _, answer in answered]


def test_the_second_read_and_delete_fails_as_the_lesson_says(page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/")
    entry = page.locator("#lesson-set-get-delete")
    entry.locator("summary").click()
    entry.get_by_role("button", name="GET /lessons/set/").first.click()
    page.locator("#happened pre.python", has_text="set_names(request)").wait_for()
    entry.get_by_role("button", name="GET /lessons/read-then-delete/").click()
    page.locator("#happened pre.python", has_text="read_then_delete(request)").wait_for()
    assert page.locator("#lesson-status").inner_text() == "200 OK"
    entry.get_by_role("button", name="GET /lessons/read-then-delete/").click()
    page.locator("#lesson-status", has_text="500 Internal Server Error").wait_for()
    happened = page.locator("#happened").inner_text()
    assert "KeyError: 'first_name'" in happened
    assert "SessionMiddleware saves nothing on a 5xx" in happened
    assert_panels_agree(page, live_app, {"last_name": "Wangmo"})
