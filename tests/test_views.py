"""Every view over Django's test client: full page, htmx partials, the no-JS path, errors."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from inspector.decoding import DB_SALT, decode
from inspector.forms import MAX_KEY_LENGTH, MAX_KEYS, MAX_VALUE_LENGTH
from tests.html import attributes_by_id, text_by_id
from tests.session_client import COOKIE, HTMX, add, all_rows, masked, stored

pytestmark = pytest.mark.django_db


def test_first_visit_creates_no_session(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert COOKIE not in response.cookies
    assert Session.objects.count() == 0
    html = response.content.decode()
    assert "No session yet" in html
    assert text_by_id(html, "cookie-sent") == "no session cookie"
    assert "no Set-Cookie header" in text_by_id(html, "cookie-response")
    assert "not modified" in text_by_id(html, "cookie-why")
    assert text_by_id(html, "record-none") is not None
    # The CSRF cookie is not the session: it is set so the forms can post.
    assert "csrftoken" in response.cookies


def test_add_without_javascript_redirects_and_the_page_shows_the_saved_state(
    client: Client,
) -> None:
    response = add(client, "name", "Sonam")
    assert response.status_code == 302
    assert response["Location"] == "/"
    session_key = response.cookies[COOKIE].value
    assert stored(client) == {"name": "Sonam"}

    html = client.get("/").content.decode()
    row = Session.objects.get(session_key=session_key)
    assert text_by_id(html, "record-key") == masked(session_key, session_key)
    assert session_key not in html
    assert text_by_id(html, "record-data") == row.session_data
    assert text_by_id(html, "record-json") == '{"name":"Sonam"}'
    assert text_by_id(html, "record-signature").startswith("verifies")
    assert text_by_id(html, "cookie-sent") == f"{COOKIE}={masked(session_key, session_key)}"
    # The redirect's Set-Cookie is reported on the page that follows it.
    assert text_by_id(html, "cookie-response").startswith(
        f"Set-Cookie: {COOKIE}={masked(session_key, session_key)};"
    )
    happened = text_by_id(html, "happened")
    assert "request.session['name'] = 'Sonam'" in happened
    assert "record created" in happened
    assert "Set-Cookie sent" in happened
    assert "Signed, not encrypted" in html


def test_htmx_add_returns_partials_rendered_after_the_save(client: Client) -> None:
    add(client, "name", "Sonam")
    response = add(client, "cart", '["apple"]', "list", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert attributes_by_id(html, "session-panel") is not None
    for panel in ("header", "cookie-panel", "record-panel", "expiry-panel"):
        assert attributes_by_id(html, panel)["hx-swap-oob"] == "true", panel
    assert attributes_by_id(html, "happened")["hx-swap-oob"] == "innerHTML"
    # The panel shows the row as committed, not the row as it was when the view ran.
    row = Session.objects.get(session_key=client.cookies[COOKIE].value)
    assert text_by_id(html, "record-data") == row.session_data
    assert decode(row.session_data, DB_SALT).data == {"name": "Sonam", "cart": ["apple"]}
    assert text_by_id(html, "cookie-response") == masked(
        "Set-Cookie: " + response.cookies[COOKIE].OutputString()
    )
    assert "record updated" in text_by_id(html, "happened")
    assert 'class="flash-added"' in html


def test_adding_an_existing_key_replaces_it_and_says_so(client: Client) -> None:
    add(client, "name", "Sonam")
    html = add(client, "name", "Pema", **HTMX).content.decode()
    assert "already existed: its value was replaced" in text_by_id(html, "happened")
    assert "~ name changed" in text_by_id(html, "happened")
    assert stored(client) == {"name": "Pema"}


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("42", "number", 42),
        ("false", "boolean", False),
        ("", "null", None),
        ('{"a":1}', "object", {"a": 1}),
    ],
)
def test_json_types_are_stored_as_their_python_types(
    client: Client, value: str, kind: str, expected: object
) -> None:
    add(client, "k", value, kind)
    assert stored(client) == {"k": expected}


def test_edit_shows_an_inline_form_and_save_changes_the_value(client: Client) -> None:
    add(client, "n", "1", "number")
    html = client.get("/", {"edit": "n"}, **HTMX).content.decode()
    assert "<html" not in html
    assert 'name="edit-value"' in html
    assert ">Save</button>" in html
    assert ">Cancel</a>" in html

    response = client.post(
        "/session/edit", {"edit-key": "n", "edit-value": "2", "edit-type": "number"}
    )
    assert response.status_code == 302
    assert stored(client) == {"n": 2}
    happened = text_by_id(client.get("/").content.decode(), "happened")
    assert "request.session['n'] = 2" in happened
    assert "~ n changed" in happened


def test_edit_with_invalid_json_keeps_the_input_and_changes_nothing(client: Client) -> None:
    add(client, "n", "1", "number")
    before = all_rows()
    html = client.post(
        "/session/edit", {"edit-key": "n", "edit-value": "[oops", "edit-type": "list"}, **HTMX
    ).content.decode()
    assert "Not valid JSON" in text_by_id(html, "edit-value-error")
    assert "[oops</textarea>" in html
    assert all_rows() == before


def test_delete_removes_the_key_and_shows_it_struck_through(client: Client) -> None:
    add(client, "a", "1")
    add(client, "b", "2")
    html = client.post("/session/delete", {"key": "a"}, **HTMX).content.decode()
    assert stored(client) == {"b": "2"}
    assert 'class="flash-removed"' in html
    assert "del request.session['a']" in text_by_id(html, "happened")


def test_deleting_the_last_key_keeps_the_session_key_with_empty_data(client: Client) -> None:
    add(client, "a", "1")
    key = client.cookies[COOKIE].value
    client.post("/session/delete", {"key": "a"})
    assert Session.objects.filter(session_key=key).exists()
    assert stored(client) == {}


def test_clear_keeps_the_key_and_empties_the_data(client: Client) -> None:
    add(client, "a", "1")
    key = client.cookies[COOKIE].value
    html = client.post("/session/clear", **HTMX).content.decode()
    assert client.cookies[COOKIE].value == key
    assert decode(Session.objects.get(session_key=key).session_data, DB_SALT).data == {}
    assert "record updated" in text_by_id(html, "happened")
    assert "request.session.clear()" in text_by_id(html, "happened")


def test_flush_deletes_the_row_and_the_cookie(client: Client) -> None:
    add(client, "a", "1")
    key = client.cookies[COOKIE].value
    response = client.post("/session/flush", **HTMX)
    html = response.content.decode()
    assert not Session.objects.filter(session_key=key).exists()
    morsel = response.cookies[COOKIE]
    assert morsel.value == ""
    assert str(morsel["max-age"]) == "0"
    assert "record deleted" in text_by_id(html, "happened")
    assert "cookie deleted" in text_by_id(html, "happened")
    assert "deleted the cookie" in text_by_id(html, "cookie-why")
    assert text_by_id(html, "record-none") is not None


def test_flush_without_a_session_changes_nothing(client: Client) -> None:
    response = client.post("/session/flush")
    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    ("key", "value", "kind", "field", "message"),
    [
        ("", "x", "text", "key-error", "Enter a key."),
        ("   ", "x", "text", "key-error", "at least one visible character"),
        ("k" * (MAX_KEY_LENGTH + 1), "x", "text", "key-error", f"at most {MAX_KEY_LENGTH}"),
        ("_auth_user_id", "1", "text", "key-error", "belong to Django"),
        ("_session_expiry", "-5", "number", "key-error", "belong to Django"),
        ("tab\tkey", "x", "text", "key-error", "control characters"),
        ("k", "x" * (MAX_VALUE_LENGTH + 1), "text", "value-error", "at most 2,000"),
        ("k", "[1,", "list", "value-error", "Not valid JSON"),
        ("k", "nul\x00", "text", "value-error", "Null characters"),
        ("k", "1", "colour", "type-error", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_keeps_the_input_and_changes_nothing(
    client: Client, key: str, value: str, kind: str, field: str, message: str
) -> None:
    add(client, "existing", "1")
    before = all_rows()
    for extra in ({}, HTMX):
        response = add(client, key, value, kind, **extra)
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        if field:
            assert message in text_by_id(html, field)
        assert "Nothing was added" in text_by_id(html, "happened")
        assert "record unchanged" in text_by_id(html, "happened")
        assert all_rows() == before


def test_too_many_keys_is_refused(client: Client) -> None:
    for number in range(MAX_KEYS):
        add(client, f"k{number}", "x")
    before = all_rows()
    html = add(client, "one-more", "x", **HTMX).content.decode()
    assert f"already holds {MAX_KEYS} keys" in text_by_id(html, "key-error")
    assert all_rows() == before
    # Replacing an existing key is still allowed at the limit.
    add(client, "k0", "y")
    assert stored(client)["k0"] == "y"


def test_delete_of_a_missing_or_reserved_key_is_refused(client: Client) -> None:
    add(client, "a", "1")
    before = all_rows()
    for key, message in (("missing", "no key 'missing'"), ("_auth_user_id", "belong to Django")):
        html = client.post("/session/delete", {"key": key}, **HTMX).content.decode()
        assert message in text_by_id(html, "happened")
    assert all_rows() == before


def test_editing_a_reserved_or_missing_key_is_refused(client: Client) -> None:
    html = client.get("/", {"edit": "_auth_user_id"}).content.decode()
    assert "read-only" in text_by_id(html, "edit-error")
    html = client.get("/", {"edit": "nope"}).content.decode()
    assert "no key 'nope' to edit" in text_by_id(html, "edit-error")


XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.mark.parametrize("payload", XSS)
def test_keys_and_values_are_escaped_everywhere(client: Client, payload: str) -> None:
    add(client, payload, payload)
    for html in (
        client.get("/").content.decode(),
        add(client, payload, payload, **HTMX).content.decode(),
        client.get("/", {"edit": payload}, **HTMX).content.decode(),
    ):
        assert payload not in html
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    assert stored(client) == {payload: payload}


def test_every_post_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    for url in (
        "/session/add",
        "/session/edit",
        "/session/delete",
        "/session/clear",
        "/session/flush",
    ):
        assert client.post(url, {"key": "a", "value": "b", "type": "text"}).status_code == 403
    assert Session.objects.count() == 0
    page = client.get("/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/session/add", {"key": "a", "value": "b", "type": "text"}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert response.status_code == 200
    assert Session.objects.count() == 1


def test_get_only_page_and_post_only_actions(client: Client) -> None:
    assert client.post("/").status_code == 405
    assert client.get("/session/add").status_code == 405


def test_unknown_session_key_is_explained_and_replaced_on_the_next_write(client: Client) -> None:
    client.cookies[COOKIE] = "x" * 32
    response = client.get("/")
    assert response.status_code == 200
    assert "no record of" in text_by_id(response.content.decode(), "record-none")
    add(client, "a", "1")
    assert client.cookies[COOKIE].value != "x" * 32
    assert stored(client) == {"a": "1"}


def test_expiry_panel_shows_the_session_methods(client: Client) -> None:
    add(client, "a", "1")
    html = client.get("/").content.decode()
    assert text_by_id(html, "expiry-age") == f"{settings.SESSION_COOKIE_AGE} s (14 days)"
    assert text_by_id(html, "expiry-close") == "False"
    row = Session.objects.get()
    assert text_by_id(html, "record-expire") == row.expire_date.strftime("%Y-%m-%d %H:%M:%S UTC")


def test_pages_carry_a_content_security_policy(client: Client) -> None:
    assert "script-src 'self'" in client.get("/")["Content-Security-Policy"]


def test_the_inspector_keeps_nothing_of_its_own_in_the_session(client: Client) -> None:
    add(client, "a", "1")
    client.get("/", {"edit": "a"})
    client.post("/session/add", {"key": "", "value": "", "type": "text"})
    assert stored(client) == {"a": "1"}
