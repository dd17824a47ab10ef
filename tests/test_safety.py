"""Safe in a room: masked keys, signed inspector cookies, nothing of another browser's."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inspector import own_cookies
from inspector.engines import ENGINES
from inspector.masking import Masker, mask
from inspector.page import REPORT_MAX_BYTES
from tests.html import attributes_by_id, text_by_id
from tests.session_client import COOKIE, HTMX, add, engine_cookie

pytestmark = pytest.mark.django_db


def on(engine: str) -> Client:
    client = Client()
    client.cookies[own_cookies.ENGINE] = engine_cookie(engine)
    return client


def test_a_planted_previous_key_shows_nothing_of_another_browser() -> None:
    teacher = Client()
    add(teacher, "secret", "the teacher's")
    key = teacher.cookies[COOKIE].value
    student = Client()
    # Before: the unsigned cookie made the page read and show the teacher's record.
    for planted in (key, f"{key}:1xVyiw:forged-signature", own_cookies.signed_value("x", key)):
        # The cookie that did this before is gone; a planted one is read by nothing.
        student.cookies["inspector_previous_key"] = planted
        student.cookies[own_cookies.UNTAMPERED] = planted
        html = student.get("/").content.decode()
        assert "the teacher" not in html
        assert key not in html
        assert attributes_by_id(html, "leftover") is None
        # Restore cannot be made to put another browser's key in this one.
        assert attributes_by_id(html, "tamper-restore") is None
        student.post("/tamper/restore")
        assert COOKIE not in student.cookies or student.cookies[COOKIE].value != key


def test_an_unsigned_or_forged_engine_cookie_is_ignored() -> None:
    client = Client()
    for value in ("cache", "cache:1xVyiw:forged", own_cookies.signed_value("other", "cache")):
        client.cookies[own_cookies.ENGINE] = value
        html = client.get("/").content.decode()
        assert text_by_id(html, "engine-path") == "django.contrib.sessions.backends.db"


def test_the_inspectors_cookies_are_signed_httponly_lax_and_no_longer_lived() -> None:
    client = on("db")
    seen = {}
    responses = [
        client.post("/engine", {"engine": "file"}),
        add(client, "a", "1"),  # no JavaScript: the report cookie
        client.post("/presenter"),
        client.post("/reveal"),
        client.post("/tamper/cookie", {"cookie": "abcdefgh12345678"}),
    ]
    for response in responses:
        for name, morsel in response.cookies.items():
            if name.startswith("inspector_") and morsel.value:
                seen[name] = morsel
    assert set(seen) == {
        own_cookies.ENGINE,
        own_cookies.REPORT,
        own_cookies.PRESENTER,
        own_cookies.REVEAL,
        own_cookies.UNTAMPERED,
    }
    for name, morsel in seen.items():
        assert morsel["httponly"], name
        assert morsel["samesite"] == "Lax", name
        assert 0 < int(morsel["max-age"]) <= settings.SESSION_COOKIE_AGE, name
        # Signed: a value the server did not make reads as absent.
        assert ":" in morsel.value, name


ACTIONS = [
    ("/session/add", {"key": "a", "value": "1", "type": "text"}),
    ("/session/cycle-key", {}),
    ("/login", {}),
    ("/session/add", {"key": "b", "value": "2", "type": "text"}),
    ("/expiry/clear-expired", {}),
    ("/tamper/secret-key", {}),
    ("/logout", {}),
    ("/session/add", {"key": "c", "value": "3", "type": "text"}),
    ("/session/flush", {}),
    ("/session/add", {"key": "d", "value": "4", "type": "text"}),
]


@pytest.mark.parametrize("engine", list(ENGINES))
def test_no_session_key_is_ever_in_the_html_unless_revealed(engine: str) -> None:
    client = on(engine)
    keys: set[str] = set()
    pages: list[str] = []
    for path, data in ACTIONS:
        for extra in (HTMX, {}):
            response = client.post(path, data, **extra)
            assert response.status_code < 500, path
            if COOKIE in response.cookies and response.cookies[COOKIE].value:
                keys.add(response.cookies[COOKIE].value)
            pages.append(response.content.decode())
            pages.append(client.get("/").content.decode())
            pages.append(client.get("/", **HTMX).content.decode())
    assert len(keys) >= 3
    for html in pages:
        for key in keys:
            assert key not in html
    # What a student sees is enough to tell keys apart.
    last = client.cookies[COOKIE].value
    assert text_by_id(pages[-1], "header-key") == mask(last)


def test_reveal_shows_the_header_key_to_this_browser_only_until_the_key_changes() -> None:
    client = on("db")
    add(client, "a", "1")
    key = client.cookies[COOKIE].value
    response = client.post("/reveal")
    assert response.status_code == 303
    html = client.get("/").content.decode()
    assert text_by_id(html, "header-key") == key
    assert attributes_by_id(html, "reveal")["aria-pressed"] == "true"
    # The header and the tamper lab's field hold it whole; every other place masked.
    assert html.count(key) == 2
    assert attributes_by_id(html, "tamper-cookie")["value"] == key
    other = Client()
    other.cookies[COOKIE] = key
    other.cookies[own_cookies.REVEAL] = client.cookies[own_cookies.REVEAL].value
    # The reveal cookie is this browser's; copied, it reveals only the key it was made for.
    client.post("/session/cycle-key")
    new = client.cookies[COOKIE].value
    html = client.get("/").content.decode()
    assert new not in html
    assert text_by_id(html, "header-key") == mask(new)
    client.post("/reveal")
    client.post("/reveal")  # and Hide
    assert client.cookies[COOKIE].value not in client.get("/").content.decode()


def test_head_answers_like_get_without_a_body() -> None:
    client = Client()
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""


def test_the_page_varies_on_hx_request() -> None:
    client = Client()
    for response in (client.get("/"), client.get("/", **HTMX), add(client, "a", "1", **HTMX)):
        vary = {part.strip().lower() for part in response.get("Vary", "").split(",")}
        assert "hx-request" in vary


def test_the_demo_user_is_made_once_with_no_usable_password() -> None:
    user = get_user_model().objects.get(username="demo")
    assert not user.has_usable_password()
    assert not user.is_staff
    client = Client()
    for _ in range(2):
        response = client.post("/login", **HTMX)
        assert "Logged in" in text_by_id(response.content.decode(), "happened")
    assert get_user_model().objects.filter(username="demo").count() == 1


incompressible = st.text(alphabet=string.ascii_letters + string.digits + "!#%&()*+-./", min_size=1)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(incompressible.map(lambda text: (text * 40)[:1990]), max_size=4))
def test_the_report_cookie_always_fits_a_browser(values: list[str]) -> None:
    client = Client()
    for index, value in enumerate(values):
        add(client, f"k{index}", value)
    response = client.post("/session/flush")
    morsel = response.cookies[own_cookies.REPORT]
    assert len(f"{morsel.key}={morsel.coded_value}".encode()) <= REPORT_MAX_BYTES < 4096
    html = client.get("/").content.decode()
    assert "request.session.flush()" in html or "report-left-out" in html
    left_out = text_by_id(html, "report-left-out") if 'id="report-left-out"' in html else ""
    if left_out:
        assert left_out.startswith("Left out so that this report fits")


def test_masking_finds_keys_glued_to_words() -> None:
    key = "ij1tabcdefghijklmnopqrstuvwx2ncm"
    masker = Masker()
    for text in (
        f":1:django.contrib.sessions.cache{key}",
        f":1:django.contrib.sessions.cached_db{key}",
        f"/tmp/sessions/{settings.SESSION_COOKIE_NAME}{key}",
        f"WHERE session_key = '{key}'",
    ):
        assert key not in masker(text)
        assert "ij1t…2ncm" in masker(text)
    assert re.fullmatch(r"x{40}", masker("x" * 40))


def test_a_value_shaped_like_a_key_is_shown_as_typed_in_the_python_that_ran() -> None:
    digest = "d41d8cd98f00b204e9800998ecf8427e"  # an MD5: data, not a session key
    client = Client()
    html = add(client, "h", digest, **HTMX).content.decode()
    assert f"request.session['h'] = '{digest}'" in text_by_id(html, "happened")


@pytest.mark.parametrize("debug", [False, True])
def test_a_session_django_refuses_to_save_gets_its_sentence_even_under_debug(
    debug: bool,
) -> None:
    from django.test import override_settings

    client = Client()
    client.cookies[COOKIE] = "z" * 32  # a key no record has: clear() saves without loading
    with override_settings(DEBUG=debug):
        response = client.post("/session/clear", **HTMX)
    assert response.status_code == 400
    assert "SessionInterrupted" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_a_session_file_that_cannot_be_written_is_explained_with_its_key_masked(
    session_files,
) -> None:
    client = Client()
    client.cookies[own_cookies.ENGINE] = engine_cookie("file")
    add(client, "a", "1")
    key = client.cookies[COOKIE].value
    path = Path(settings.SESSION_FILE_PATH) / f"{COOKIE}{key}"
    path.unlink()
    path.mkdir()  # root writes anywhere: a directory in its place stops the write
    try:
        for extra in (HTMX, {}):
            response = client.post("/session/clear", **extra)
            html = response.content.decode()
            assert response.status_code == 200
            assert "the session file" in html
            assert "cannot be written" in html
            assert key not in html
            assert mask(key) in html
    finally:
        path.rmdir()


def test_a_session_file_gone_is_django_refusing_the_save_not_an_outage() -> None:
    client = Client()
    client.cookies[own_cookies.ENGINE] = engine_cookie("file")
    add(client, "a", "1")
    key = client.cookies[COOKIE].value
    (Path(settings.SESSION_FILE_PATH) / f"{COOKIE}{key}").unlink()  # flushed in another tab
    response = client.post("/session/clear", **HTMX)
    assert response.status_code == 400
    assert "SessionInterrupted" in response.content.decode()
    assert "cannot be written" not in response.content.decode()
