"""The page laid out as a class sees it: no squeezed control, nothing spilling out of a panel.

Chromium lays the page out at the projector's and a laptop's sizes, and both zoomed
to 150%, with a key of every type, an open Edit row and
errors on show, on every engine; then the geometry is measured.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.engines import ENGINES
from inspector.panels import PANELS
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

#: The projector and a laptop, each zoomed to 150% too (1920x1080 -> 1280x720, 1280x800 -> 853x533).
SIZES = ((1280, 800), (1920, 1080), (1280, 720), (853, 533))

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
            page.locator("#engine-path").get_by_text(engine).wait_for(state="attached")
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


# Every text on the page, as the back of the room reads it: the smallest font size in use.
SMALLEST_TEXT = """
() => {
  let smallest = Infinity, where = "";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest(".visually-hidden, option, script")) continue;
    if (!el.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest) { smallest = size; where = node.textContent.trim().slice(0, 40); }
  }
  return [smallest, where];
}
"""

IN_VIEW = """
(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.top >= 0 && box.top < window.innerHeight - 40;
}
"""


def test_presenter_keeps_up_with_the_teacher(browser, live_app: LiveApp) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(live_app.url + "/")
    presenter = page.get_by_role("button", name="Presenter")
    assert presenter.get_attribute("aria-pressed") == "false"
    presenter.click()
    page.locator("html.presenter").wait_for(state="attached")
    assert page.get_by_role("button", name="Presenter").get_attribute("aria-pressed") == "true"
    for key, value, kind in KEYS:
        add(page, key, value, kind)
        page.locator(f'tr[data-key="{key}"]').wait_for()

    smallest, where = page.evaluate(SMALLEST_TEXT)
    assert smallest >= 28, f"{where!r} is drawn at {smallest} px"

    # What the last add changed is in view without scrolling: what happened, and the
    # first Django panel it changed; the strip names the rest and jumps to them.
    page.wait_for_function(f"({IN_VIEW})('#happened-panel') && ({IN_VIEW})('#cookie-panel')")
    strip = page.locator("#changed-strip")
    assert strip.get_by_role("link").all_inner_texts() == [panel.title for panel in PANELS]
    assert not page.evaluate(IN_VIEW, "#operations-panel")
    strip.get_by_role("link", name="Storage operations").click()
    page.wait_for_function(f"({IN_VIEW})('#operations-panel')")

    # The marks stay until the next action, however long the teacher talks.
    page.wait_for_timeout(3000)
    last = page.locator(f'tr[data-key="{KEYS[-1][0]}"] > td').first
    assert last.evaluate("cell => cell.getAnimations().length") == 0
    assert last.evaluate("cell => getComputedStyle(cell).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert "changed" in (page.locator("#record-panel").get_attribute("class") or "")
    context.close()


def test_presenter_zoomed_on_a_laptop_still_follows_the_action(browser, live_app: LiveApp) -> None:
    """1280x800 at 150%: one column, the page scrolls; the header and what happened stay in view."""
    # bypass_csp: Playwright polls a wait_for_function predicate with eval, which the
    # page's Content-Security-Policy (rightly) forbids.
    context = browser.new_context(viewport={"width": 853, "height": 533}, bypass_csp=True)
    page = context.new_page()
    page.goto(live_app.url + "/")
    page.get_by_role("button", name="Presenter").click()
    page.locator("html.presenter").wait_for(state="attached")
    for key, value, kind in KEYS:
        add(page, key, value, kind)
        page.locator(f'tr[data-key="{key}"]').wait_for()
    page.wait_for_function(f"({IN_VIEW})('#happened-panel')")
    assert page.locator("#changed-strip").is_visible()
    header = page.locator("#header").bounding_box()
    assert header is not None
    assert header["y"] == 0
    strip = page.locator("#changed-strip")
    strip.get_by_role("link", name="Stored record").click()
    page.wait_for_function(f"({IN_VIEW})('#record-panel')")
    # Below the sticky header, not under it.
    record = page.locator("#record-panel").bounding_box()
    assert record is not None
    assert record["y"] >= header["height"]
    # A refused action shows its field and message, not what happened.
    add(page, "_reserved", "1", "text")
    page.locator("#key-error").wait_for(state="attached")
    page.wait_for_function(
        "(() => { const box = document.getElementById('key-error').getBoundingClientRect();"
        " return box.top >= document.getElementById('header').offsetHeight"
        " && box.bottom <= innerHeight; })()"
    )
    context.close()
