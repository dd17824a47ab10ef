"""The page laid out as a class sees it: no squeezed control, nothing spilling out of a panel.

Chromium lays the page out at the projector's sizes (and at 1280x720, which is
1920x1080 zoomed to 150%), with a key of every type, an open Edit row and
errors on show, on every engine; then the geometry is measured.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.engines import ENGINES
from tests.conftest import LiveApp

pytestmark = pytest.mark.browser

#: One key of every type the Add form offers, as a teacher would type them.
KEYS = (
    ("name", "Sonam", "text"),
    ("cart", '["apple", "pear"]', "list"),
    ("age", "26", "number"),
    ("admin", "true", "boolean"),
    ("nothing", "null", "null"),
    ("prefs", '{"theme": "dark", "font": 28}', "object"),
    ("a_rather_long_key_name_that_a_student_might_type", "x" * 90, "text"),
)

SIZES = ((1280, 800), (1920, 1080), (1280, 720))

# Measured in the page: every problem as a sentence naming the element.
MEASURE = (Path(__file__).parent / "layout_measure.js").read_text()


def add(page, key: str, value: str, kind: str) -> None:
    form = page.locator("#add-form")
    form.get_by_label("Key", exact=True).fill(key)
    form.get_by_label("Value", exact=True).fill(value)
    form.get_by_label("Type", exact=True).select_option(kind)
    form.get_by_role("button", name="Add", exact=True).click()


def problems_at(page, label: str) -> list[str]:
    return [f"{label}: {problem}" for problem in page.evaluate(MEASURE)]


@pytest.mark.parametrize("view", ["normal", "presenter"])
@pytest.mark.parametrize("engine", ENGINES)
def test_every_control_has_room_and_nothing_spills(
    browser, live_app: LiveApp, engine: str, view: str
) -> None:
    problems: list[str] = []
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(live_app.url + "/")
        if view == "presenter":
            page.get_by_role("button", name="Presenter").click()
            page.locator("html.presenter").wait_for(state="attached")
        if engine != "db":
            page.get_by_label("Engine").select_option(engine)
            page.locator("#engine-path").get_by_text(engine).wait_for()
        for key, value, kind in KEYS:
            add(page, key, value, kind)
            page.locator(f'tr[data-key="{key}"]').wait_for()
        size = f"{engine} {view} {width}x{height}"
        problems += problems_at(page, f"{size} keys")

        # Errors: a reserved key and a value that is not a list, at once.
        add(page, "_reserved", "[not json", "list")
        page.locator("#key-error").wait_for(state="attached")
        page.locator("#method-method").select_option("pop")
        page.locator("#method-key").fill("_auth_user_id")
        page.locator("#method-run").click()
        page.locator("#method-key-error").wait_for(state="attached")
        page.get_by_label("Expire at (date and time)").fill("next Tuesday")
        page.get_by_role("button", name="Set date").click()
        page.locator("#expiry-at-error").wait_for(state="attached")
        problems += problems_at(page, f"{size} errors")

        # The Edit row open, then with its own error.
        page.get_by_role("button", name="Edit cart").click()
        page.locator("tr.editing textarea").wait_for()
        problems += problems_at(page, f"{size} editing")
        page.locator("tr.editing textarea").fill("[not json")
        page.locator("tr.editing").get_by_role("button", name="Save").click()
        page.locator("#edit-value-error").wait_for(state="attached")
        problems += problems_at(page, f"{size} edit error")
        context.close()
    assert problems == [], "\n".join(problems)
