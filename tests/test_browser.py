"""The whole flow in Debian's Chromium: the panels must agree with the cookie jar and the table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from inspector.decoding import DB_SALT, decode
from inspector.masking import mask
from tests.conftest import TEST_SECRET_KEY, LiveApp

pytestmark = pytest.mark.browser


def session_cookie(page) -> str | None:
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    cookie = cookies.get("sessionid")
    return cookie["value"] if cookie else None


def assert_panels_agree(page, app: LiveApp, expected: dict | None) -> None:
    """Cookie jar, django_session row and the page's panels tell the same story."""
    jar = session_cookie(page)
    if expected is None:
        assert jar is None
        assert page.locator("#record-none").is_visible()
        assert page.locator("#header").get_by_text("none yet").is_visible()
        return
    assert jar is not None
    row = app.session_row(jar)
    assert row is not None, "the cookie's key has no django_session row"
    session_key, session_data, _expire = row
    # Keys are masked on screen, and the whole key is nowhere in the page.
    assert page.locator("#record-key").inner_text() == mask(session_key)
    assert page.locator("#record-data").inner_text() == session_data
    assert page.locator("#header .key").inner_text() == mask(jar)
    assert jar not in page.content()
    with_key = decode_with(session_data)
    assert with_key == expected
    # The cookie the browser will send next is the one the panel says was set.
    response = page.locator("#cookie-response").inner_text()
    if response.startswith("Set-Cookie"):
        assert f"sessionid={mask(jar)};" in response
    rows = page.locator("#keys tbody tr:not(.flash-removed)[data-key]")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.key)")) == sorted(expected)


def decode_with(session_data: str) -> dict:
    from django.test import override_settings

    with override_settings(SECRET_KEY=TEST_SECRET_KEY):
        decoded = decode(session_data, DB_SALT)
    assert decoded.verified
    return decoded.data


def test_add_edit_delete_clear_flush(page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/")
    assert page.get_by_text("No session yet").is_visible()
    assert_panels_agree(page, live_app, None)
    rows_before = live_app.session_count()

    # Add
    page.locator("#add-form").get_by_label("Key", exact=True).fill("name")
    page.locator("#add-form").get_by_label("Value", exact=True).fill("Sonam")
    page.get_by_role("button", name="Add", exact=True).click()
    happened = page.locator("#happened")
    happened.get_by_text("request.session['name'] = 'Sonam'").wait_for()
    assert "record created" in happened.inner_text()
    assert_panels_agree(page, live_app, {"name": "Sonam"})
    assert live_app.session_count() == rows_before + 1
    first_key = session_cookie(page)

    page.locator("#add-form").get_by_label("Key", exact=True).fill("cart")
    page.locator("#add-form").get_by_label("Value", exact=True).fill('["apple"]')
    page.locator("#add-form").get_by_label("Type", exact=True).select_option("list")
    page.get_by_role("button", name="Add", exact=True).click()
    happened.get_by_text("request.session['cart'] = ['apple']").wait_for()
    assert_panels_agree(page, live_app, {"name": "Sonam", "cart": ["apple"]})
    assert page.locator('tr[data-key="cart"] .type').inner_text() == "list"

    # Edit, inline
    edit_key(page, "name", "Pema")
    happened.get_by_text("request.session['name'] = 'Pema'").wait_for()
    assert_panels_agree(page, live_app, {"name": "Pema", "cart": ["apple"]})

    # Edit, then Cancel
    page.get_by_role("button", name="Edit cart").click()
    page.locator("tr.editing").get_by_role("link", name="Cancel").click()
    page.locator("tr.editing").wait_for(state="detached")

    # Delete
    page.get_by_role("button", name="Delete cart").click()
    happened.get_by_text("del request.session['cart']").wait_for()
    assert_panels_agree(page, live_app, {"name": "Pema"})
    assert page.locator("tr.flash-removed[data-key='cart']").is_visible()

    # Clear: same key, empty data
    page.get_by_role("button", name="Clear", exact=True).click()
    happened.get_by_text("request.session.clear()").wait_for()
    assert session_cookie(page) == first_key
    assert_panels_agree(page, live_app, {})

    # Flush: row deleted, cookie removed
    page.locator("#add-form").get_by_label("Key", exact=True).fill("again")
    page.locator("#add-form").get_by_label("Value", exact=True).fill("1")
    page.get_by_role("button", name="Add", exact=True).click()
    happened.get_by_text("request.session['again'] = '1'").wait_for()
    page.get_by_role("button", name="Flush", exact=True).click()
    happened.get_by_text("request.session.flush()").wait_for()
    assert live_app.session_row(first_key) is None
    assert "cookie deleted" in happened.inner_text()
    assert_panels_agree(page, live_app, None)

    # A reload shows the same state: nothing was only in the page.
    page.reload()
    assert_panels_agree(page, live_app, None)
    assert page.dialogs == []


def test_errors_keep_the_input_and_payloads_never_run(page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/")
    payloads = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
    for payload in payloads:
        page.locator("#add-form").get_by_label("Key", exact=True).fill(payload)
        page.locator("#add-form").get_by_label("Value", exact=True).fill(payload)
        page.get_by_role("button", name="Add", exact=True).click()
        page.locator(f'tr[data-key="{payload.replace(chr(34), chr(92) + chr(34))}"]').wait_for()
    page.reload()
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("script:not([src])").count() == 0

    page.locator("#add-form").get_by_label("Key", exact=True).fill("n")
    page.locator("#add-form").get_by_label("Value", exact=True).fill("[1,")
    page.locator("#add-form").get_by_label("Type", exact=True).select_option("list")
    page.get_by_role("button", name="Add", exact=True).click()
    page.locator("#value-error").wait_for()
    assert re.search("Not valid JSON", page.locator("#value-error").inner_text())
    assert page.locator("#add-form").get_by_label("Value", exact=True).input_value() == "[1,"
    assert page.locator("#add-form").get_by_label("Key", exact=True).input_value() == "n"
    assert page.dialogs == []


def test_works_without_javascript(browser, live_app: LiveApp) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_app.url + "/")
    page.locator("#add-form").get_by_label("Key", exact=True).fill("plain")
    page.locator("#add-form").get_by_label("Value", exact=True).fill("html")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(live_app.url + "/")
    assert "request.session['plain'] = 'html'" in page.locator("#happened").inner_text()
    jar = session_cookie(page)
    assert page.locator("#record-data").inner_text() == live_app.session_row(jar)[1]
    context.close()


def choose_engine(page, app: LiveApp, engine: str) -> None:
    page.goto(app.url + "/")
    # select_option fires "change" even for the engine already chosen: wait for that answer,
    # or it swaps the session panel (and the add form) away under the next fill.
    page.get_by_label("Engine").select_option(engine)
    page.locator("#happened").get_by_text(re.compile(r"Switched from|Already on")).wait_for()
    page.locator("#engine-path").get_by_text(
        f"django.contrib.sessions.backends.{engine}"
    ).wait_for()


@pytest.mark.parametrize("engine", ["db", "cached_db", "cache", "file", "signed_cookies"])
def test_every_engine_live_in_the_browser(page, live_app: LiveApp, engine: str) -> None:
    choose_engine(page, live_app, engine)

    page.locator("#add-form").get_by_label("Key", exact=True).fill("name")
    page.locator("#add-form").get_by_label("Value", exact=True).fill("Sonam")
    page.get_by_role("button", name="Add", exact=True).click()
    created = "signed cookie created" if engine == "signed_cookies" else "record created"
    page.locator("#happened").get_by_text(created).wait_for()
    jar = session_cookie(page)
    shown = page.locator("#record-data").inner_text()
    if engine in {"db", "cached_db"}:
        assert shown == live_app.session_row(jar)[1]
    elif engine == "file":
        path = Path(live_app.env["DJANGO_SESSION_FILE_PATH"]).resolve() / f"sessionid{jar}"
        assert shown == path.read_text()
        assert page.locator("#record-key").inner_text() == str(path).replace(jar, mask(jar))
    elif engine == "signed_cookies":
        # The cookie is the session: its signature is masked.
        payload, timestamp, signature = jar.split(":")
        assert shown == f"{payload}:{timestamp}:{mask(signature)}"
        assert page.locator("meter.gauge").is_visible()
    else:
        assert shown == "{'name': 'Sonam'}"

    # The engine is this browser's choice: a reload keeps it, and the data.
    page.reload()
    assert page.get_by_label("Engine").input_value() == engine
    assert page.locator('tr[data-key="name"]').is_visible()

    page.get_by_role("button", name="Flush", exact=True).click()
    page.locator("#happened").get_by_text("request.session.flush()").wait_for()
    assert session_cookie(page) is None
    assert page.locator("#record-none").is_visible()
    if engine in {"db", "cached_db"}:
        assert live_app.session_row(jar) is None


@pytest.mark.parametrize("engine", ["db", "cached_db", "cache", "file", "signed_cookies"])
def test_the_tamper_lab_in_the_browser(page, live_app: LiveApp, engine: str) -> None:
    choose_engine(page, live_app, engine)
    add_key(page, "name", "Sonam")
    jar = session_cookie(page)
    assert jar is not None
    assert jar not in page.content()
    page.get_by_role("button", name="Reveal").click()
    page.get_by_role("button", name="Hide").wait_for()
    assert page.locator("#header-key").inner_text() == jar
    field = page.get_by_label("Cookie value")
    assert field.input_value() == jar

    # One character changed: a db key's last, a signed cookie's first payload character.
    if ":" in jar:
        tampered = ("B" if jar[0] != "B" else "C") + jar[1:]
    else:
        tampered = jar[:-1] + ("x" if jar[-1] != "x" else "y")
    field.fill(tampered)
    page.get_by_role("button", name="Send this cookie").click()
    happened = page.locator("#happened")
    happened.get_by_text("Your browser now holds the cookie value you typed").wait_for()
    # htmx followed the redirect with its header: the partials were swapped, not a page.
    assert page.locator("h1").count() == 1
    assert happened.get_by_text("[]", exact=True).is_visible()
    if engine == "signed_cookies":
        assert "without logging anything" in happened.inner_text()
        assert session_cookie(page) not in (None, jar, tampered)
    else:
        assert "No record lives under that key" in happened.inner_text()
        assert session_cookie(page) is None
        assert f"Your own session ({mask(jar)}) is untouched" in happened.inner_text()

    page.get_by_role("button", name="Restore my cookie").click()
    happened.get_by_text("Django loaded 1 key", exact=False).wait_for()
    assert session_cookie(page) == jar
    assert page.locator('tr[data-key="name"]').is_visible()

    if engine in {"db", "cached_db", "file"}:
        page.get_by_role("button", name="Change the stored payload").click()
        happened.get_by_text("WARNING django.security.SuspiciousSession").wait_for()
        assert page.locator("#record-signature").first.inner_text() == "does not verify"
        assert session_cookie(page) == jar
    else:
        assert page.get_by_role("button", name="Change the stored payload").count() == 0

    page.get_by_role("button", name="What if SECRET_KEY changed?").click()
    if engine == "cache":
        happened.get_by_text("Nothing in a cache entry is signed", exact=False).wait_for()
    else:
        happened.get_by_text("no server setting was changed", exact=False).wait_for()


def edit_key(page, key: str, value: str) -> None:
    """Edit a row in place and save it, as a person does."""
    page.get_by_role("button", name=f"Edit {key}").click()
    row = page.locator("tr.editing")
    row.get_by_label("Value").fill(value)
    row.get_by_role("button", name="Save").click()


def add_key(page, key: str, value: str, kind: str = "text") -> None:
    form = page.locator("#add-form")
    form.get_by_label("Key", exact=True).fill(key)
    form.get_by_label("Value", exact=True).fill(value)
    form.get_by_label("Type", exact=True).select_option(kind)
    page.get_by_role("button", name="Add", exact=True).click()
    # A JSON string is a valid CSS string, escapes included.
    page.locator(f"tr[data-key={json.dumps(key)}]").wait_for()


def test_a_short_expiry_can_be_watched_to_the_end(page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/")
    add_key(page, "name", "Sonam")
    key = session_cookie(page)
    page.get_by_label("Expire after (seconds)").fill("3")
    page.get_by_role("button", name="Set seconds").click()
    page.locator("#happened").get_by_text("set_expiry(3)").wait_for()
    assert page.locator("#expiry-custom").inner_text().startswith("3")
    page.locator("#countdown").get_by_text("left").wait_for()
    # No reload: the page counts down, then asks the server what the next request finds.
    page.locator("#happened").get_by_text("The expiry passed").wait_for(timeout=10_000)
    assert session_cookie(page) is None
    assert page.get_by_text("No session yet: your browser sent no session cookie").is_visible()
    assert (
        "The row stays stored, expired, until clear_expired()"
        in page.locator("#happened").inner_text()
    )
    assert live_app.session_row(key) is not None

    page.get_by_role("button", name="Clear expired sessions").click()
    page.locator("#happened").get_by_text("Its DELETE removed 1 expired row").wait_for()
    assert live_app.session_row(key) is None


def test_login_test_cookie_methods_and_nested_in_the_browser(page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/")
    add_key(page, "cart", "[]", "list")
    before = session_cookie(page)
    page.get_by_role("button", name="Log in as demo user").click()
    page.locator("#happened").get_by_text("Logged in").wait_for()
    assert session_cookie(page) != before
    assert page.locator('tr[data-key="_auth_user_id"]').get_by_text("read-only").is_visible()
    # Login rotated the CSRF token; the next htmx post must still go through.
    add_key(page, "after", "login")

    page.get_by_role("button", name="Set test cookie").click()
    page.locator('tr[data-key="testcookie"]').wait_for()
    page.get_by_role("button", name="Test cookie worked?").click()
    page.locator("#result").get_by_text("True").wait_for()

    form = page.locator("#method-form")
    form.get_by_label("Method").select_option("pop")
    form.get_by_label("Key").fill("missing")
    form.get_by_role("button", name="Run").click()
    page.locator("#result").get_by_text("KeyError: 'missing'").wait_for()

    data_before = page.locator("#record-data").inner_text()
    page.get_by_role("button", name="Append without modified").click()
    page.locator("#happened").get_by_text("saved nothing").wait_for()
    assert page.locator("#record-data").inner_text() == data_before
    page.get_by_role("button", name="Append with modified = True").click()
    page.locator("#happened").get_by_text("Django saved the whole session").wait_for()
    assert "apple" in page.locator("#record-json").inner_text()

    page.get_by_role("button", name="Log out").click()
    page.locator("#happened").get_by_text("Logged out").wait_for()
    assert session_cookie(page) is None
    assert page.dialogs == []


PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
    '{{ 7*7 }}<iframe src="javascript:alert(1)">',
]


def assert_nothing_injected(page) -> None:
    assert page.dialogs == []
    injected = page.evaluate(
        """() => [
            ...document.querySelectorAll('img, svg, iframe, script:not([src])'),
            ...[...document.querySelectorAll('*')].filter(e =>
                [...e.attributes].some(a => a.name.startsWith('on')))
        ].map(e => e.outerHTML.slice(0, 80))"""
    )
    assert injected == []


def test_hostile_text_never_runs_in_the_page(page, live_app: LiveApp) -> None:
    page.goto(live_app.url + "/")
    for number, payload in enumerate(PAYLOADS):
        add_key(page, payload, payload)
        add_key(page, f"json{number}", json.dumps({payload: [payload]}), "object")
        assert_nothing_injected(page)
    # Every payload is shown as the text it is.
    assert page.locator("#keys").get_by_text(repr(PAYLOADS[0])).first.is_visible()

    page.get_by_role("button", name="Edit json0").click()
    row = page.locator("tr.editing")
    row.get_by_label("Value").fill(json.dumps([PAYLOADS[1]]))
    row.get_by_label("Type").select_option("list")
    row.get_by_role("button", name="Save").click()
    page.locator("#happened").get_by_text("Changed 'json0'").wait_for()
    assert_nothing_injected(page)

    form = page.locator("#method-form")
    for payload in PAYLOADS:
        form.get_by_label("Method").select_option("get")
        form.get_by_label("Key").fill(payload)
        form.get_by_label("Default").fill(json.dumps(payload))
        form.get_by_role("button", name="Run").click()
        # Wait for this run's answer: the form is drawn again with it.
        page.locator("#happened").get_by_text(f"request.session.get({payload!r}").wait_for()
        assert_nothing_injected(page)
    form.get_by_label("Default").fill(PAYLOADS[2])
    form.get_by_role("button", name="Run").click()
    page.locator("#method-default-error").wait_for()

    page.reload()
    assert_nothing_injected(page)


def test_the_readme_walkthrough_word_for_word(page, live_app: LiveApp) -> None:
    """The README's five-minute walkthrough, each step as a teacher would click it."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    steps = readme[readme.index("## A five-minute classroom walkthrough") :]
    steps = steps[: steps.index("\n## ")]
    happened = page.locator("#happened")
    form = page.locator("#add-form")

    # 1
    assert "It says **No session yet**" in steps
    page.goto(live_app.url + "/")
    assert page.get_by_text("No session yet").is_visible()
    assert session_cookie(page) is None

    # 2
    form.get_by_label("Key", exact=True).fill("name")
    form.get_by_label("Value", exact=True).fill("Sonam")
    form.get_by_role("button", name="Add", exact=True).click()
    happened.get_by_text("request.session['name'] = 'Sonam'").wait_for()
    attributes = page.locator("#cookie-attributes").inner_text()
    for name in ("Max-Age", "Expires", "Path", "HttpOnly", "SameSite"):
        assert name in attributes
    assert page.locator("#cookie-size").is_visible()
    assert "django_session" in page.locator("#record-panel").inner_text()
    operations = page.locator("#operations").inner_text()
    assert "In SessionMiddleware" in operations
    assert operations.index("SELECT") < operations.index("INSERT")
    assert "BEGIN IMMEDIATE" in operations
    assert "COMMIT" in operations

    # 3
    record = page.locator("#record-panel").inner_text()
    assert page.locator("#record-data").inner_text().count(":") == 2
    for word in ("payload", "timestamp", "signature", "Signed, not encrypted"):
        assert word in record

    # 4
    assert "pick Type **list**" in steps
    key = session_cookie(page)
    add_key(page, "cart", '["apple"]', "list")
    assert page.locator('tr[data-key="cart"] .type').inner_text() == "list"
    edit_key(page, "cart", '["apple", "pear"]')
    happened.get_by_text("Changed 'cart'").wait_for()
    assert page.locator('tr[data-key="cart"] .value').inner_text() == "['apple', 'pear']"
    assert session_cookie(page) == key
    assert "record updated" in happened.inner_text()
    assert "Set-Cookie sent" in happened.inner_text()

    # 5
    page.get_by_role("button", name="Delete name").click()
    happened.get_by_text("Deleted 'name'").wait_for()
    page.get_by_role("button", name="Clear", exact=True).click()
    happened.get_by_text("request.session.clear()").wait_for()
    assert session_cookie(page) == key
    assert live_app.session_row(key) is not None
    page.get_by_role("button", name="Flush", exact=True).click()
    happened.get_by_text("request.session.flush()").wait_for()
    assert live_app.session_row(key) is None
    assert session_cookie(page) is None
    page.reload()
    assert page.get_by_text("No session yet").is_visible()

    # 6
    add_key(page, "<script>alert(1)</script>", "x")
    assert page.locator("#keys").get_by_text("<script>alert(1)</script>").is_visible()
    assert page.dialogs == []
    form.get_by_label("Key", exact=True).fill("_auth_user_id")
    form.get_by_label("Value", exact=True).fill("1")
    form.get_by_role("button", name="Add", exact=True).click()
    page.locator("#key-error").wait_for()
    assert "belong to Django" in page.locator("#key-error").inner_text()
